
# The snapshot view (option snapshot_view) shows the job's range as it was
# before the job, at every moment: after create, with some chunks published
# (retained originals) and some not (live partitions, with a write made to
# one before its chunk is published: "before the job" is the rows as they
# are when the chunk is published), after completion and after rollback;
# purge drops it first. Compared with a copy taken before the job (and
# given the same writes), row for row both ways and by checksum. A second
# job publishes by hand: a write to its built chunk (write guard on) shows
# in the view, makes the chunk rebuild, and stays in the view after.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $db   = 'postgres';
my $node = new_backfill_node('snapshot');
create_events($node, $db, 4, 500);

# the copy taken before the job: the range is the first three days
$node->safe_psql($db,
	"CREATE TABLE before_copy AS SELECT * FROM events WHERE day < '2024-01-04'");
my $source = events_source();
$node->safe_psql($db,
	    "SELECT backfill.create('j', 'events', \$src\$$source\$src\$, '2024-01-01', '2024-01-04',"
	  . " '{\"snapshot_view\": \"events_before\"}')");

# Compares the view with the copy: rows only in one of them, both ways, and
# the checksums of both.
sub same_as_copy
{
	my ($moment) = @_;
	my $only_view = $node->safe_psql($db,
		'SELECT count(*) FROM (TABLE events_before EXCEPT ALL TABLE before_copy) d');
	my $only_copy = $node->safe_psql($db,
		'SELECT count(*) FROM (TABLE before_copy EXCEPT ALL TABLE events_before) d');
	is("$only_view/$only_copy", '0/0', "$moment: the view has exactly the copy's rows");
	is( table_checksum($node, $db, 'events_before'),
		table_checksum($node, $db, 'before_copy'),
		"$moment: same checksum as the copy");
	return;
}

same_as_copy('after create');
is($node->safe_psql($db, 'SELECT count(*) FROM events_before'), '1500', 'three days of rows');

# A write to the third day's live partition before its chunk is published:
# the view shows it (the live partition is what the job will replace).
$node->safe_psql($db,
	"UPDATE events SET note = 'late write' WHERE day = '2024-01-03' AND id % 10 = 0");
$node->safe_psql($db,
	"UPDATE before_copy SET note = 'late write' WHERE day = '2024-01-03' AND id % 10 = 0");
same_as_copy('after a write to an unpublished partition');

# Mid-way: one chunk published, its original retained.
$node->safe_psql($db, "CALL backfill.run('j', 1)");
is( $node->safe_psql($db,
		"SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
	'published,pending,pending',
	'one chunk published');
isnt(
	$node->safe_psql($db, "SELECT sum(amount2) FROM events WHERE day = '2024-01-01'"),
	$node->safe_psql($db, "SELECT sum(amount2) FROM before_copy WHERE day = '2024-01-01'"),
	'the published day has new rows');
same_as_copy('mid-way');

# The retained original is what the view reads now. It is an ordinary
# table of the owner's, not write-guarded: a write to it shows in the view
# (and is what rollback would put back), as docs/snapshot_view.md says.
my $retained = $node->safe_psql($db,
	"SELECT retained FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 1");
$node->safe_psql($db, "UPDATE $retained SET note = 'retained write' WHERE id % 7 = 0");
$node->safe_psql($db,
	"UPDATE before_copy SET note = 'retained write' WHERE day = '2024-01-01' AND id % 7 = 0");
same_as_copy('after a write to a retained original');

# Completed.
$node->safe_psql($db, "CALL backfill.run('j')");
is($node->safe_psql($db, "SELECT state FROM backfill.jobs WHERE name = 'j'"),
	'completed', 'job completed');
same_as_copy('after completion');
is($node->safe_psql($db, 'SELECT count(*) FROM events_before WHERE amount2 = amount * 2 AND amount <> 0'),
	'0', 'the view shows none of the new rows');

# Rolled back: the originals are live again, the view still shows them.
$node->safe_psql($db, "SELECT backfill.rollback('j')");
same_as_copy('after rollback');
is( $node->safe_psql($db,
		"SELECT count(*) FROM (TABLE before_copy EXCEPT ALL SELECT * FROM events WHERE day < '2024-01-04') d"),
	'0', 'the live table has the copy\'s rows again');

# Purge drops the view first, then the tables kept.
my $dropped = $node->safe_psql($db, "SELECT backfill.purge('j')");
is($node->safe_psql($db, "SELECT to_regclass('events_before') IS NULL"), 't', 'view gone after purge');
is($dropped, '3', 'purge dropped the three tables the rollback took out');
is($node->safe_psql($db, "SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_bf%'"), '0',
	'nothing of the job left');

# A write to a partition whose chunk is built but not published (the write
# guard is on it): the view shows it until publication and keeps it after;
# the chunk is rebuilt with it, so the new rows have it too.
$node->safe_psql($db,
	"CREATE TABLE before_copy_k AS SELECT * FROM events WHERE day = '2024-01-04'");
$node->safe_psql($db,
	    "SELECT backfill.create('k', 'events', \$src\$$source\$src\$, '2024-01-04', '2024-01-05',"
	  . " '{\"snapshot_view\": \"events_before_k\", \"publish\": \"manual\"}')");
$node->safe_psql($db, "CALL backfill.run('k')");
is($node->safe_psql($db, "SELECT state FROM backfill.chunks WHERE job_name = 'k'"),
	'built', 'chunk built, not published');
$node->safe_psql($db,
	"UPDATE events SET note = 'guarded write' WHERE day = '2024-01-04' AND id % 5 = 0");
$node->safe_psql($db,
	"UPDATE before_copy_k SET note = 'guarded write' WHERE id % 5 = 0");
my $same_k = 'SELECT (SELECT count(*) FROM (TABLE events_before_k EXCEPT ALL TABLE before_copy_k) d)'
  . " || '/' || (SELECT count(*) FROM (TABLE before_copy_k EXCEPT ALL TABLE events_before_k) d)";
is($node->safe_psql($db, $same_k), '0/0', 'built chunk: the view shows the guarded write');
my ($prc, $published, $perr) = $node->psql($db, "SELECT backfill.publish('k')");
is($published, '0', 'publish refuses the chunk the guard saw written');
like($perr, qr/must be built again/, '... and says it is rebuilt');
$node->safe_psql($db, "CALL backfill.run('k')");
is($node->safe_psql($db, "SELECT state || '/' || attempts FROM backfill.chunks WHERE job_name = 'k'"),
	'built/2', 'chunk rebuilt');
is($node->safe_psql($db, "SELECT backfill.publish('k')"), '1', 'then published');
is($node->safe_psql($db, "SELECT state FROM backfill.chunks WHERE job_name = 'k'"),
	'published', 'chunk published');
is($node->safe_psql($db, $same_k), '0/0', 'published: the view still equals the copy with the write');
is( $node->safe_psql($db,
		"SELECT count(*) FROM events WHERE day = '2024-01-04' AND note = 'guarded write'"),
	$node->safe_psql($db, "SELECT count(*) FROM before_copy_k WHERE note = 'guarded write'"),
	'the rebuilt chunk kept the write');
$node->safe_psql($db, "SELECT backfill.purge('k')");
is($node->safe_psql($db, "SELECT to_regclass('events_before_k') IS NULL"), 't',
	'purge of a completed job drops its view');

$node->stop;
done_testing();

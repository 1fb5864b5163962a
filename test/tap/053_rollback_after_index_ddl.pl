
# Rollback after the parent's indexes changed since publication (issue 9,
# point 7 applied to rollback): indexes are paired by what they are, not by
# the names recorded at publication.
#   (a) DROP INDEX on the parent after the job completed: rollback succeeds,
#       every row is back as it was, and the restored partitions have
#       exactly the parent's indexes, under the names the partitions had;
#   (b) CREATE INDEX on the parent after the job completed: rollback
#       succeeds, the restored partitions carry the new index, attached to
#       the parent's, and the index was built before the parent was locked
#       (checked while a reader keeps the rollback waiting for that lock);
#   (c) a CHECK added to the target after the job completed: rollback
#       succeeds and the restored partitions carry it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('rollback_index_ddl');
sub sql { return $node->safe_psql('postgres', $_[0]); }

# Every leaf index of events: "partition|index name|index definition
# without its name|attached to the parent's index".
sub leaf_indexes
{
	return sql(q{
SELECT c.relname || '|' || i.relname || '|'
       || regexp_replace(pg_get_indexdef(i.oid), '^.* ON ', '') || '|'
       || (i.relispartition)::text
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
JOIN pg_index x ON x.indrelid = c.oid JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass
ORDER BY 1});
}

# Runs a job over every partition to completion in this session.
sub complete_job
{
	my ($name, $options) = @_;
	$options //= '{}';
	sql("SELECT backfill.create('$name', 'events', \$s\$"
		  . events_source()
		  . "\$s\$, NULL, NULL, '$options')");
	sql("CALL backfill.run('$name')");
	is(sql("SELECT state FROM backfill.jobs WHERE name = '$name'"), 'completed',
		"$name completed");
	return;
}

create_events($node, 'postgres', 4, 50);
sql('CREATE INDEX events_note_idx ON events (note)');
my $before  = table_checksum($node, 'postgres');
my $indexes = leaf_indexes();

# ------------------------------------------------------------ (a) DROP INDEX
complete_job('a');
isnt(table_checksum($node, 'postgres'), $before, '(a) the job changed the rows');
sql('DROP INDEX events_note_idx');
my ($rc, $out, $err) = $node->psql('postgres', "SELECT backfill.rollback('a')");
is($rc, 0, '(a) rollback after DROP INDEX on the parent succeeds') or diag($err);
is(table_checksum($node, 'postgres'), $before, '(a) every row is back as it was');
(my $expected = $indexes) =~ s/^[^\n]*events_note_idx[^\n]*\n?//mg;
$expected =~ s/^[^|]*\|[^|]*note[^|]*\|.*\n?//mg;
is(leaf_indexes(), $expected,
	'(a) the restored partitions have the parent\'s indexes, under their own names');
is(sql(q{SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%(note)%'}),
	'0', '(a) no index on note is left on a restored partition');

# ------------------------------------------------------------ (b) CREATE INDEX
sql('CREATE INDEX events_note_idx ON events (note)');
$indexes = leaf_indexes();
$before  = table_checksum($node, 'postgres');
complete_job('b', '{"lock_timeout": "100ms", "swap_retries": 1000}');
sql('CREATE INDEX events_amount_idx ON events (amount)');
# A reader keeps the parent: the rollback waits for its lock, retrying, and
# by then the retained originals must already carry the new index.
my $holder = start_psql($node, 'postgres',
	"BEGIN;\nLOCK TABLE events IN ACCESS SHARE MODE;\nSELECT pg_sleep(60);\nCOMMIT;\n",
	'holder');
wait_for('the reader to hold the parent',
	sub { sql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'holder'
	              AND wait_event = 'PgSleep'}) eq '1' });
my $rollback = start_psql($node, 'postgres', "SELECT backfill.rollback('b');\n", 'rollback_b');
# The rollback cannot lock the parent while the reader holds it. Its
# transaction is not committed, so what it built is not visible; but each
# index it creates stays locked by it until the end: relations locked by
# the rollback that do not exist for anyone else are the indexes it built
# so far (one per retained original).
my $built_by_rollback = q{SELECT count(DISTINCT l.relation) FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid AND a.application_name = 'rollback_b'
  WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'AccessExclusiveLock'
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = l.relation)};
my $built = eval {
	wait_for('the rollback to build the new index on the retained originals',
		sub { sql($built_by_rollback) eq '4' }, 30);
	1;
};
ok($built, '(b) the retained originals got the new index before the parent was locked')
  or diag(activity_report($node, 'postgres'));
is( sql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'holder'
          AND wait_event = 'PgSleep'}),
	'1', '(b) ... while the reader still held the parent');
is(sql(q{SELECT count(*) FROM backfill.chunks WHERE job_name = 'b' AND state = 'published'}),
	'4', '(b) ... and before anything was rolled back');
sql(q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'});
finish_psql($holder);
is(finish_psql($rollback), 0, '(b) rollback after CREATE INDEX on the parent succeeds')
  or diag($rollback->{err});
is(table_checksum($node, 'postgres'), $before, '(b) every row is back as it was');
is( sql(q{
SELECT count(*) FILTER (WHERE i.relispartition), count(*)
FROM pg_inherits h JOIN pg_index x ON x.indrelid = h.inhrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass
  AND pg_get_indexdef(i.oid) LIKE '%USING btree (amount)'}),
	'4|4', '(b) every restored partition has the new index, attached to the parent\'s');
is(sql(q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass}),
	'4', '(b) all partitions attached');

# ------------------------------------------------------------ (c) ADD CHECK
# A CHECK added to the target after publication reaches the published
# partitions only; ATTACH refuses a table without it. The rollback gives it
# to the retained originals before it locks the target.
$before = table_checksum($node, 'postgres');
complete_job('c');
sql('ALTER TABLE events ADD CONSTRAINT events_amount_positive CHECK (amount > 0)');
($rc, $out, $err) = $node->psql('postgres', "SELECT backfill.rollback('c')");
is($rc, 0, '(c) rollback after ADD CONSTRAINT CHECK on the target succeeds') or diag($err);
is(table_checksum($node, 'postgres'), $before, '(c) every row is back as it was');
is( sql(q{SELECT count(*) FROM pg_inherits h JOIN pg_constraint c ON c.conrelid = h.inhrelid
          WHERE h.inhparent = 'events'::regclass AND c.conname = 'events_amount_positive'
            AND c.convalidated}),
	'4', '(c) every restored partition has the CHECK, validated');

$node->stop('fast');
done_testing();

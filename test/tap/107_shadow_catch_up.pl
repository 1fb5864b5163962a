
# A shadow built before its partition changed is brought up to date at
# publication, by a runner: chunks are built (publish 'end' keeps them
# waiting), then the target gains an index and a CHECK and loses an index,
# and the first partition's index gets a storage parameter, then the job is
# run to the end. The publishing transaction finds each waiting shadow
# behind, the runner completes it outside the parent's lock and publishes it
# on the next try:
#   - the job completes, every chunk published once and not rebuilt;
#   - the rows are those of the same job run on an untouched copy;
#   - every partition has the new index (attached to the parent's, which is
#     valid), the new CHECK, and not the dropped index; the first
#     partition's index keeps its storage parameter.
# Twice: the second run in another session ("caught"), and in the session
# that built the chunks ("same"), whose runner remembers how it built them
# and must see, from the catalog rows' versions, that the partitions
# changed since (built_shadows.hpp).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('shadow_catch_up');
my $PARTS = 4;

for my $db (qw(ref caught same))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION backfill');
	create_events($node, $db, $PARTS, 50);
	$node->safe_psql($db, 'CREATE INDEX events_note_idx ON events (note)');
	$node->safe_psql($db,
		"SELECT backfill.create('j', 'events', \$s\$"
		  . events_source()
		  . "\$s\$, NULL, NULL, '{\"publish\": \"end\"}')");
}
# The reference: the same job on an untouched copy.
$node->safe_psql('ref', "CALL backfill.run('j')");
is(job_state($node, 'ref', 'j'), 'completed', 'the reference job completed');

# The target changes under the built shadows.
sub change_target
{
	my ($db) = @_;
	$node->safe_psql($db, 'CREATE INDEX events_amount_idx ON events (amount)');
	$node->safe_psql($db,
		'ALTER TABLE events ADD CONSTRAINT events_amount_positive CHECK (amount > 0)');
	$node->safe_psql($db, 'DROP INDEX events_note_idx');
	$node->safe_psql($db, 'ALTER INDEX events_20240101_amount2_idx SET (fillfactor = 50)');
	return;
}

# Two chunks built, none published ('end' waits for every chunk).
sub built_two
{
	my ($db) = @_;
	is( $node->safe_psql($db,
			q{SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'}),
		'built,built,pending,pending',
		"$db: two chunks built and waiting");
	return;
}

# What the job left, once run to the end.
sub check_caught_up
{
	my ($db) = @_;
	my $sql = sub { return $node->safe_psql($db, $_[0]); };
	is(job_state($node, $db, 'j'), 'completed', "$db: the job completed");
	is( $sql->(q{SELECT string_agg(state || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'}),
		'published:1,published:1,published:1,published:1',
		"$db: every chunk published, none built twice");
	is( $sql->(q{SELECT count(*) FROM backfill.log WHERE job_name = 'j' AND event = 'chunk_published'}),
		$PARTS, "$db: one chunk_published event per chunk");
	is(table_checksum($node, $db), table_checksum($node, 'ref'),
		"$db: the rows are those of the job on the untouched copy");
	is( $sql->(q{
SELECT count(*) FROM pg_inherits h JOIN pg_index x ON x.indrelid = h.inhrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass AND pg_get_indexdef(i.oid) LIKE '%(amount)'
  AND i.relispartition}),
		$PARTS,
		"$db: every partition has the new index, attached to the parent's");
	is($sql->(q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_amount_idx'::regclass}),
		't', "$db: the parent's new index is valid");
	is( $sql->(q{
SELECT count(*) FROM pg_inherits h JOIN pg_constraint c ON c.conrelid = h.inhrelid
WHERE h.inhparent = 'events'::regclass AND c.conname = 'events_amount_positive'
  AND c.convalidated}),
		$PARTS, "$db: every partition has the new CHECK");
	is( $sql->(q{
SELECT count(*) FROM pg_inherits h JOIN pg_index x ON x.indrelid = h.inhrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass AND pg_get_indexdef(i.oid) LIKE '%(note)'}),
		'0', "$db: no partition kept the dropped index");
	is( $sql->(q{
SELECT i.reloptions FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'events_20240101'::regclass AND pg_get_indexdef(i.oid) LIKE '%(amount2)%'}),
		'{fillfactor=50}', "$db: the first partition's index keeps its storage parameter");
	is(shadow_tables($node, $db), '', "$db: no shadow table left");
	return;
}

# "caught": built in one session, published from another.
$node->safe_psql('caught', "CALL backfill.run('j', 2)");
built_two('caught');
change_target('caught');
$node->safe_psql('caught', "CALL backfill.run('j')");
check_caught_up('caught');

# "same": built and published by the same session.
my $session = $node->background_psql('same');
$session->query_safe('SET client_min_messages = warning');
$session->query_safe("CALL backfill.run('j', 2)");
built_two('same');
change_target('same');
$session->query_safe("CALL backfill.run('j')");
$session->quit;
check_caught_up('same');

done_testing();

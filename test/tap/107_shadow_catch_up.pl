
# A shadow built before its partition changed is brought up to date at
# publication, by a runner: chunks are built (publish 'end' keeps them
# waiting), then the target gains an index and a CHECK and loses an index,
# then the job is run to the end. The publishing transaction finds each
# waiting shadow behind, the runner completes it outside the parent's lock
# and publishes it on the next try:
#   - the job completes, every chunk published once and not rebuilt;
#   - the rows are those of the same job run on an untouched copy;
#   - every partition has the new index (attached to the parent's, which is
#     valid), the new CHECK, and not the dropped index.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('shadow_catch_up');
my $PARTS = 4;

for my $db (qw(ref caught))
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
sub sql { return $node->safe_psql('caught', $_[0]); }

# The reference: the same job on an untouched copy.
$node->safe_psql('ref', "CALL backfill.run('j')");
is(job_state($node, 'ref', 'j'), 'completed', 'the reference job completed');

# Two chunks built, none published ('end' waits for every chunk).
sql("CALL backfill.run('j', 2)");
is( sql(q{SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'}),
	'built,built,pending,pending',
	'two chunks built and waiting');

# The target changes under the built shadows.
sql('CREATE INDEX events_amount_idx ON events (amount)');
sql('ALTER TABLE events ADD CONSTRAINT events_amount_positive CHECK (amount > 0)');
sql('DROP INDEX events_note_idx');

sql("CALL backfill.run('j')");
is(job_state($node, 'caught', 'j'), 'completed', 'the job completed');
is( sql(q{SELECT string_agg(state || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'}),
	'published:1,published:1,published:1,published:1',
	'every chunk published, none built twice');
is( sql(q{SELECT count(*) FROM backfill.log WHERE job_name = 'j' AND event = 'chunk_published'}),
	$PARTS, 'one chunk_published event per chunk');
is(table_checksum($node, 'caught'), table_checksum($node, 'ref'),
	'the rows are those of the job on the untouched copy');

is( sql(q{
SELECT count(*) FROM pg_inherits h JOIN pg_index x ON x.indrelid = h.inhrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass AND pg_get_indexdef(i.oid) LIKE '%(amount)'
  AND i.relispartition}),
	$PARTS,
	'every partition has the new index, attached to the parent\'s');
is(sql(q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_amount_idx'::regclass}),
	't', 'the parent\'s new index is valid');
is( sql(q{
SELECT count(*) FROM pg_inherits h JOIN pg_constraint c ON c.conrelid = h.inhrelid
WHERE h.inhparent = 'events'::regclass AND c.conname = 'events_amount_positive'
  AND c.convalidated}),
	$PARTS, 'every partition has the new CHECK');
is( sql(q{
SELECT count(*) FROM pg_inherits h JOIN pg_index x ON x.indrelid = h.inhrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass AND pg_get_indexdef(i.oid) LIKE '%(note)'}),
	'0', 'no partition kept the dropped index');
is(shadow_tables($node, 'caught'), '', 'no shadow table left');

done_testing();

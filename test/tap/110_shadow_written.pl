
# A built shadow waits, detached, for its publication (publish "end"
# here), and carries the partition's grants. Rows written to it then
# would be published without the validation the build ran and without the
# parent's triggers, which fire on the partition but not on the detached
# shadow. The guard the shadow carries for after its publication records
# such a write, and the publication builds the chunk again:
#   - bob, who may only INSERT into a partition (and whose negative amount
#     the parent's trigger refuses there), inserts into its built shadow;
#   - the owner deletes rows from another built shadow;
#   - the job completes; both chunks were built twice, the other chunks
#     once; bob's row is nowhere and every row is the source's.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $PARTS    = 3;
my $PER_PART = 200;

my $node = new_backfill_node('shadow_written');
create_events($node, 'postgres', $PARTS, $PER_PART);
sub sql { return $node->safe_psql('postgres', $_[0]); }

sql(q{
CREATE FUNCTION no_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.amount < 0 THEN RAISE EXCEPTION 'negative amount refused'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER no_negative BEFORE INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION no_negative();
CREATE ROLE bob LOGIN;
GRANT SELECT, INSERT ON events_20240101 TO bob;
});
sql("SELECT backfill.create('j', 'events', \$s\$"
	  . events_source()
	  . "\$s\$, NULL, NULL, '{\"publish\": \"end\"}')");

sql("CALL backfill.run('j', 2)");
is(sql(q{SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'}),
	'built,built,pending', 'two chunks built and waiting');

my $shadow_1 = sql(q{SELECT relname FROM pg_class WHERE relname ~ '^events_20240101_bf[0-9]+_1_new$'});
my $shadow_2 = sql(q{SELECT relname FROM pg_class WHERE relname ~ '^events_20240102_bf[0-9]+_2_new$'});
isnt($shadow_1, '', "chunk 1's shadow is $shadow_1");

my ($rc, $out, $err) = $node->psql('postgres',
	"INSERT INTO events_20240101 VALUES (-7, '2024-01-01', -7, -7, 'bob')",
	extra_params => [ '-U', 'bob' ]);
like($err, qr/negative amount refused/, "the parent's trigger refuses bob's row on the partition");
($rc, $out, $err) = $node->psql('postgres',
	"INSERT INTO $shadow_1 VALUES (-7, '2024-01-01', -7, -7, 'bob')",
	extra_params => [ '-U', 'bob' ]);
is($rc, 0, "bob inserts it into the built shadow, which has the partition's grants") or diag($err);
sql("DELETE FROM $shadow_2 WHERE id % 10 = 0");

sql("CALL backfill.run('j')");
is(job_state($node, 'postgres', 'j'), 'completed', 'the job completed');
is( sql(q{SELECT string_agg(chunk_no || ':' || state || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'}),
	'1:published:2,2:published:2,3:published:1',
	'the two written shadows were built again, the other chunk once');
is( sql(q{SELECT count(*) FROM backfill.log WHERE job_name = 'j' AND event = 'chunk_retry'
          AND detail LIKE '%or of its shadow were written after its build began%'}),
	'2', 'each rebuild says why');
is(sql('SELECT count(*) FROM events WHERE amount < 0'), '0', "bob's row is nowhere");
is(sql('SELECT count(*) || \'/\' || count(*) FILTER (WHERE amount2 = amount * 2) FROM events'),
	($PARTS * $PER_PART) . '/' . ($PARTS * $PER_PART),
	'every row is there, and the source\'s');
is(shadow_tables($node, 'postgres'), '', 'no shadow table left');

done_testing();


# An index of a partition altered at the very moment its chunk is
# published. ALTER INDEX ... SET (fillfactor) locks the index alone, not its
# table; a runner publishing a shadow it built itself takes the partition's
# pairing from the build when the catalog shows nothing changed since
# (built_shadows.hpp), so it must look only once it holds the indexes too,
# or it would publish the shadow's index without the change the ALTER
# commits while the swap waits:
#   - a session holds ALTER INDEX events_20240101_amount2_idx SET
#     (fillfactor = 70) uncommitted;
#   - the job runs (publish "end", lock_timeout 30s) and waits for that
#     index at publication;
#   - the ALTER commits; the job completes, and the published partition's
#     index has fillfactor 70, every row the source's.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $PARTS    = 2;
my $PER_PART = 100;

my $node = new_backfill_node('index_altered');
create_events($node, 'postgres', $PARTS, $PER_PART);
sub sql { return $node->safe_psql('postgres', $_[0]); }

sql("SELECT backfill.create('j', 'events', \$s\$"
	  . events_source()
	  . "\$s\$, NULL, NULL, '{\"publish\": \"end\", \"lock_timeout\": \"30s\"}')");

my $alter = $node->background_psql('postgres');
$alter->query_safe('BEGIN');
$alter->query_safe('ALTER INDEX events_20240101_amount2_idx SET (fillfactor = 70)');

my $run = start_psql($node, 'postgres', "CALL backfill.run('j');\n", 'runner');
wait_for_query($node, 'postgres',
	q{SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE a.application_name = 'runner' AND NOT l.granted
        AND l.relation = 'events_20240101_amount2_idx'::regclass},
	't', 'the publication to wait for the altered index', 60);
$alter->query_safe('COMMIT');
$alter->quit;
is(finish_psql($run), 0, 'the run ended') or diag($run->{err});

is(job_state($node, 'postgres', 'j'), 'completed', 'the job completed');
is( sql(q{
SELECT i.reloptions FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'events_20240101'::regclass AND pg_get_indexdef(i.oid) LIKE '%(amount2)%'}),
	'{fillfactor=70}', "the published partition's index has the fillfactor committed meanwhile");
is(sql('SELECT count(*) || \'/\' || count(*) FILTER (WHERE amount2 = amount * 2) FROM events'),
	($PARTS * $PER_PART) . '/' . ($PARTS * $PER_PART), 'every row is there, and the source\'s');
is(shadow_tables($node, 'postgres'), '', 'no shadow table left');

done_testing();


# A logical-replication subscriber (issue 9, item 4): rows replicated into
# a partition while its shadow is being built are written by the apply
# worker with session_replication_role = replica. The write guard fires
# for them too (ENABLE ALWAYS): the chunk is rebuilt and the subscriber
# ends with every row. 0.1.0's guard was an ordinary (origin) trigger: the
# replicated rows were missing from the shadow and lost at the swap.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $db = 'postgres';

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->append_conf('postgresql.conf', "max_connections = 20\nfsync = off\n");
$publisher->start;
$publisher->safe_psql(
	$db, q{
CREATE TABLE events (id bigint NOT NULL, day date NOT NULL, amount numeric(12,2) NOT NULL,
                     amount2 numeric(14,2), note text DEFAULT 'orig', PRIMARY KEY (id, day));
CREATE PUBLICATION pub FOR TABLE events;
});

my $subscriber = new_backfill_node('subscriber');
create_events($subscriber, $db, 3, 500);
$subscriber->safe_psql(
	$db, q{
CREATE TABLE gate_closed (day date PRIMARY KEY);
CREATE FUNCTION gate(d date) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    WHILE EXISTS (SELECT FROM public.gate_closed WHERE day = d) LOOP
        PERFORM pg_sleep(0.02);
    END LOOP;
    RETURN true;
END
$$;
INSERT INTO gate_closed VALUES ('2024-01-01'), ('2024-01-02');
});
(my $connstr = $publisher->connstr($db)) =~ s/'/''/g;
$subscriber->safe_psql($db,
	"CREATE SUBSCRIPTION sub CONNECTION '$connstr' PUBLICATION pub WITH (copy_data = false)");
$publisher->wait_for_catchup('sub');

# A replicated row reaches the subscriber's partition.
$publisher->safe_psql($db, "INSERT INTO events VALUES (700000, '2024-01-03', 1, 1)");
wait_for_query($subscriber, $db, 'SELECT count(*) FROM events WHERE id = 700000', '1',
	'replication to work');

my $source = events_source('(SELECT gate($1))');
$subscriber->safe_psql($db,
	    "SELECT backfill.start('sub_job', 'events', \$src\$$source\$src\$, NULL, NULL,"
	  . " '{\"lock_timeout\": \"200ms\", \"swap_retries\": 300}')");

my $n = 0;
for my $day ('2024-01-01', '2024-01-02')
{
	$n++;
	wait_for_query($subscriber, $db,
		"SELECT state || '/' || attempts FROM backfill.chunks WHERE job_name = 'sub_job' AND chunk_no = $n",
		'running/1', "chunk $n to be in its build");
	wait_for_query($subscriber, $db,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker' AND wait_event = 'PgSleep'",
		'1', "the worker to wait in gate() for chunk $n");
	# Replicated during the build: one insert (chunk 1), two (chunk 2).
	$publisher->safe_psql($db, "INSERT INTO events VALUES (710000, '$day', 6, 6)") if $n == 2;
	$publisher->safe_psql($db, "INSERT INTO events VALUES (70000$n, '$day', 5, 5)");
	wait_for_query($subscriber, $db, "SELECT count(*) FROM events WHERE id = 70000$n", '1',
		"the row of chunk $n to be replicated during its build");
	is( $subscriber->safe_psql($db,
			"SELECT state FROM backfill.chunks WHERE job_name = 'sub_job' AND chunk_no = $n"),
		'running', "chunk $n is still being built");
	$subscriber->safe_psql($db, "DELETE FROM gate_closed WHERE day = '$day'");
}

is($subscriber->safe_psql($db, "SELECT backfill.wait('sub_job', '60s')"), 'completed', 'the job completes');
is( $subscriber->safe_psql($db,
		"SELECT string_agg(chunk_no || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'sub_job'"),
	'1:2,2:2,3:1', 'the chunks written to by replication were built again');
like(
	$subscriber->safe_psql($db,
		"SELECT string_agg(detail, ' / ') FROM backfill.log WHERE job_name = 'sub_job' AND event = 'chunk_retry'"),
	qr/written/, 'the retries say the partitions were written to');
is( $subscriber->safe_psql($db,
		q{SELECT string_agg(id || ':' || amount || ':' || amount2, ',' ORDER BY id) FROM events WHERE id >= 700000}),
	'700000:1.00:2.00,700001:5.00:10.00,700002:5.00:10.00,710000:6.00:12.00',
	'every replicated row is there, recomputed');
is($subscriber->safe_psql($db, 'SELECT count(*) FROM events'), 1500 + 4, 'no row lost');

# Replication goes on after the job.
$publisher->safe_psql($db, "INSERT INTO events VALUES (720000, '2024-01-01', 7, 7)");
wait_for_query($subscriber, $db, 'SELECT count(*) FROM events WHERE id = 720000', '1',
	'replication into a published partition');
is(shadow_tables($subscriber, $db), '', 'no shadow table left');

$subscriber->stop;
$publisher->stop;
done_testing();

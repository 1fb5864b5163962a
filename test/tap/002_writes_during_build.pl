
# Writes made to a partition while its shadow is being built (or after it is
# built, before it is published) are never silently lost: the publishing
# transaction sees them, the chunk is rebuilt (a second attempt, a
# chunk_retry event in backfill.log), and the rebuilt chunk includes them.
#
# The source reads the target itself and passes through gate(day), which
# blocks while the day is listed in gate_closed: the test holds each chunk's
# build at a known point (its INSERT ... SELECT has its snapshot already),
# writes from another session, then opens the gate.
#
#   chunk 1  INSERT during the build
#   chunk 2  UPDATE during the build
#   chunk 3  DELETE during the build
#   chunk 4  INSERT after the build, while the publish waits for a lock
#   chunk 5  TRUNCATE during the build
#   chunk 6  a transaction that wrote to the partition before the write
#            guard existed and commits while the run waits to install it
#   chunk 7  no write (control: built once)

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $PARTS    = 7;
my $PER_PART = 1_000;
my $db       = 'postgres';

my $node = new_backfill_node('writes');
create_events($node, $db, $PARTS, $PER_PART);
$node->safe_psql(
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
INSERT INTO gate_closed VALUES ('2024-01-02'), ('2024-01-03'), ('2024-01-04'),
                               ('2024-01-05'), ('2024-01-06');
});

# (SELECT gate($1)) is an InitPlan: evaluated once per build, after the
# statement took its snapshot.
my $source = events_source('(SELECT gate($1))');
$node->safe_psql($db,
	    "SELECT backfill.create('j', 'events', \$src\$$source\$src\$, NULL, NULL,"
	  . " '{\"lock_timeout\": \"200ms\", \"swap_retries\": 300, \"max_attempts\": 3}')");

my $rows_before = $node->safe_psql($db, 'SELECT count(*) FROM events');
is($rows_before, $PARTS * $PER_PART, 'table loaded');

my ($runner, $runner_pid);

# Waits until chunk N is being built (attempt 1 committed as running) and
# the runner sits in gate() for it.
sub wait_in_build
{
	my ($n, $attempt) = @_;
	$attempt //= 1;
	wait_for_query(
		$node, $db,
		"SELECT state || '/' || attempts FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = $n",
		"running/$attempt", "chunk $n to be in its build (attempt $attempt)");
	wait_for_query($node, $db,
		"SELECT wait_event FROM pg_stat_activity WHERE pid = $runner_pid",
		'PgSleep', "the runner to wait in gate() for chunk $n");
	return;
}

sub open_gate
{
	my ($day) = @_;
	$node->safe_psql($db, "DELETE FROM gate_closed WHERE day = '$day'");
	return;
}

# --- chunk 1: a writer older than the write guard -------------------------
# Its transaction has written to the partition before the run starts; the
# run must wait for it to install the guard, and the build then sees the
# row. (Any open transaction on a partition also holds a lock on the
# parent, which would hold up every publish: so this one comes first.)
my $writer = $node->background_psql($db);
$writer->query_safe(
	"BEGIN; INSERT INTO events (id, day, amount, amount2) VALUES (900001, '2024-01-01', 9, 9);");

$runner = start_psql($node, $db, "CALL backfill.run('j');\n", 'runner');
$runner_pid = backend_pid_of($node, $db, 'runner');

wait_for_query(
	$node, $db,
	"SELECT count(*) FROM pg_locks WHERE pid = $runner_pid AND NOT granted"
	  . " AND relation = 'events_20240101'::regclass",
	'1', 'the run to wait for the writer of partition 1');
$writer->query_safe('COMMIT;');
$writer->quit;

# --- chunk 2: INSERT during the build -----------------------------------------
wait_in_build(2);
$node->safe_psql($db,
	"INSERT INTO events (id, day, amount, amount2) VALUES (900002, '2024-01-02', 5, 5)");
open_gate('2024-01-02');

# --- chunk 3: UPDATE during the build -----------------------------------------
wait_in_build(3);
my $upd_id = $node->safe_psql($db,
	"SELECT min(id) FROM events WHERE day = '2024-01-03'");
$node->safe_psql($db,
	"UPDATE events SET amount = 1000, note = 'updated' WHERE id = $upd_id AND day = '2024-01-03'");
open_gate('2024-01-03');

# --- chunk 4: DELETE during the build -----------------------------------------
wait_in_build(4);
my $del_id = $node->safe_psql($db,
	"SELECT min(id) FROM events WHERE day = '2024-01-04'");
$node->safe_psql($db, "DELETE FROM events WHERE id = $del_id AND day = '2024-01-04'");
open_gate('2024-01-04');

# --- chunk 5: INSERT after the build, before the publish ----------------------
# A reader holding ACCESS SHARE on the table keeps the publish waiting (and
# retrying on lock_timeout) with the chunk built.
wait_in_build(5);
my $holder = $node->background_psql($db);
$holder->query_safe('BEGIN; LOCK TABLE events IN ACCESS SHARE MODE;');
open_gate('2024-01-05');
wait_for_query($node, $db,
	"SELECT state FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 5",
	'built', 'chunk 5 to be built');
$node->safe_psql($db,
	"INSERT INTO events (id, day, amount, amount2) VALUES (900005, '2024-01-05', 7, 7)");
is($node->safe_psql($db, "SELECT state FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 5"),
	'built', 'chunk 5 still waits to be published after the insert');
$holder->query_safe('COMMIT;');
$holder->quit;

# --- chunk 6: TRUNCATE during the build ---------------------------------------
# TRUNCATE waits for the build to let go of the partition, then runs before
# the publish can take it.
wait_in_build(6);
my $truncate = start_psql($node, $db, "TRUNCATE events_20240106;\n", 'truncator');
wait_for_query($node, $db,
	"SELECT wait_event_type FROM pg_stat_activity WHERE application_name = 'truncator'",
	'Lock', 'the TRUNCATE to wait for the build');
open_gate('2024-01-06');
is(finish_psql($truncate), 0, 'TRUNCATE of partition 6 went through')
  or diag($truncate->{err});

# --- the end of the run ----------------------------------------------------------
my $exit = finish_psql($runner);
is($exit, 0, 'CALL backfill.run finished') or diag($runner->{err});
is(job_state($node, $db, 'j'), 'completed', 'job completed');

my %attempts = split /[|\n]/,
  $node->safe_psql($db,
	"SELECT chunk_no, attempts FROM backfill.chunks WHERE job_name = 'j' AND state = 'published'");
is_deeply(
	\%attempts,
	{ 1 => 1, 2 => 2, 3 => 2, 4 => 2, 5 => 2, 6 => 2, 7 => 1 },
	'chunks written to while built were built twice, the others once');

for my $n (2 .. 6)
{
	like(
		$node->safe_psql($db,
			"SELECT string_agg(detail, ' / ') FROM backfill.log WHERE job_name = 'j' AND chunk_no = $n AND event = 'chunk_retry'"
		),
		qr/written/,
		"chunk $n: a chunk_retry event says the partition was written to");
}
is( $node->safe_psql($db,
		"SELECT count(*) FROM backfill.log WHERE job_name = 'j' AND chunk_no IN (1, 7) AND event = 'chunk_retry'"),
	'0',
	'no retry for chunks 1 and 7');

# --- the data ---------------------------------------------------------------------
is( $node->safe_psql($db, "SELECT amount || ',' || amount2 || ',' || note FROM events WHERE id = 900001"),
	'9.00,18.00,orig', 'row of the transaction older than the guard (chunk 1) is there, recomputed');
is( $node->safe_psql($db, "SELECT amount || ',' || amount2 || ',' || note FROM events WHERE id = 900002"),
	'5.00,10.00,orig', 'row inserted during the build of chunk 2 is there, recomputed');
is( $node->safe_psql($db,
		"SELECT amount || ',' || amount2 || ',' || note FROM events WHERE id = $upd_id AND day = '2024-01-03'"),
	'1000.00,2000.00,updated', 'update made during the build of chunk 3 is kept, recomputed');
is($node->safe_psql($db, "SELECT count(*) FROM events WHERE id = $del_id AND day = '2024-01-04'"),
	'0', 'row deleted during the build of chunk 4 stays deleted');
is( $node->safe_psql($db, "SELECT amount || ',' || amount2 FROM events WHERE id = 900005"),
	'7.00,14.00', 'row inserted between build and publish of chunk 5 is there, recomputed');
is($node->safe_psql($db, "SELECT count(*) FROM events WHERE day = '2024-01-06'"),
	'0', 'partition truncated during the build of chunk 6 stays empty');

my %per_day = split /[|\n]/,
  $node->safe_psql($db, 'SELECT day, count(*) FROM events GROUP BY day ORDER BY day');
is_deeply(
	\%per_day,
	{
		'2024-01-01' => $PER_PART + 1,
		'2024-01-02' => $PER_PART + 1,
		'2024-01-03' => $PER_PART,
		'2024-01-04' => $PER_PART - 1,
		'2024-01-05' => $PER_PART + 1,
		'2024-01-07' => $PER_PART,
	},
	'row counts per day: nothing lost, nothing duplicated');
is($node->safe_psql($db, 'SELECT count(*) FROM events WHERE amount2 IS DISTINCT FROM amount * 2'),
	'0', 'every row carries the recomputed value');
is( $node->safe_psql($db,
		"SELECT string_agg(chunk_no || ':' || rows_after, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
	join(',', map { "$_:" . ($per_day{"2024-01-0$_"} // 0) } 1 .. 7),
	'rows_after of each chunk matches its partition');
is(shadow_tables($node, $db), '', 'no shadow table left');

$node->stop;
done_testing();

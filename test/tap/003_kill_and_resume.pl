
# A run that dies at any point (kill -9 of its backend, which makes the
# postmaster restart every backend; a query cancel) loses nothing and
# duplicates nothing: running the job again gives exactly the table that an
# uninterrupted run gives.
#
# Five databases of one cluster hold the same table:
#   a  the reference: the job runs uninterrupted;
#   b  kill -9 while chunk 3 is being built (state running): the next run
#      builds it again;
#   c  kill -9 while chunk 4 is built and its publish waits for a lock held
#      by a reader (state built): the next run publishes the shadow built
#      before the crash, without building it again;
#   d  pg_cancel_backend while chunk 5 is being built: the same session
#      runs the job again and finishes it;
#   e  pg_cancel_backend while chunk 4 is built and waits to publish, then a
#      row is written to its partition: the next run must build it again.
# The source passes through gate(day), which blocks while the day is listed
# in gate_closed: that holds a build at a known point.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $PARTS    = 8;
my $PER_PART = 5_000;

my $node = new_backfill_node('kill', "restart_after_crash = on\n");

my $source = events_source('(SELECT gate($1))');
my $options = '{"lock_timeout": "100ms", "swap_retries": 300}';

# A database with the table, the gate and the job (not run).
sub setup_db
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION backfill');
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
});
	$node->safe_psql($db,
		"SELECT backfill.create('j', 'events', \$src\$$source\$src\$, NULL, NULL, '$options')");
	return;
}

sub chunk_field
{
	my ($db, $n, $field) = @_;
	return $node->safe_psql($db,
		"SELECT $field FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = $n");
}

# Waits until chunk N is being built and the runner (pid) sits in gate().
sub wait_in_build
{
	my ($db, $n, $pid, $attempt) = @_;
	$attempt //= 1;
	wait_for_query($node, $db,
		"SELECT state || '/' || attempts FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = $n",
		"running/$attempt", "$db: chunk $n to be in its build (attempt $attempt)");
	wait_for_query($node, $db,
		"SELECT wait_event FROM pg_stat_activity WHERE pid = $pid",
		'PgSleep', "$db: the runner to wait in gate() for chunk $n");
	return;
}

# kill -9 of one backend; returns once the server accepts connections again.
sub kill9_backend
{
	my ($db, $pid) = @_;
	ok(kill('KILL', $pid), "$db: kill -9 of the runner's backend $pid");
	# The postmaster notices, terminates every backend and recovers.
	$node->poll_query_until($db, 'SELECT true')
	  or die "$db: the server did not accept connections again after the crash\n";
	return;
}

# The checks every interrupted database must pass once the job is finished.
sub check_finished
{
	my ($db, $expected_attempts, $reference) = @_;
	is(job_state($node, $db, 'j'), 'completed', "$db: job completed");
	is(table_checksum($node, $db), $reference, "$db: table identical to the uninterrupted run");
	my %attempts = split /[|\n]/,
	  $node->safe_psql($db,
		"SELECT chunk_no, attempts FROM backfill.chunks WHERE job_name = 'j' AND state = 'published'");
	is_deeply(\%attempts, $expected_attempts, "$db: every chunk published, attempts as expected");
	is( $node->safe_psql($db,
			"SELECT count(*) FILTER (WHERE n <> 1) || '/' || count(*) FROM"
			  . " (SELECT chunk_no, count(*) AS n FROM backfill.log WHERE job_name = 'j'"
			  . " AND event = 'chunk_published' GROUP BY chunk_no) x"),
		"0/$PARTS",
		"$db: one chunk_published event per chunk");
	is(shadow_tables($node, $db), '', "$db: no shadow table left");
	is( $node->safe_psql($db,
			q{SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname ~ '^events_.*_bf[0-9]+_[0-9]+_old$'}),
		$PARTS,
		"$db: one retained original per chunk");
	is( $node->safe_psql($db,
			"SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass"),
		$PARTS,
		"$db: the table still has its $PARTS partitions");
	return;
}

# --- a: the uninterrupted run ---------------------------------------------------
setup_db('a');
my $original = table_checksum($node, 'a');
$node->safe_psql('a', "CALL backfill.run('j')");
is(job_state($node, 'a', 'j'), 'completed', 'a: uninterrupted run completed');
my $reference = table_checksum($node, 'a');
isnt($reference, $original, 'a: the job changed the table');
like($reference, qr/^@{[$PARTS * $PER_PART]}:/, 'a: row count unchanged');

setup_db($_) for qw(b c d e);
is(table_checksum($node, 'b'), $original, 'b, c, d, e start from the same table as a');

# --- b: kill -9 during a build ------------------------------------------------
{
	my $db = 'b';
	$node->safe_psql($db, "INSERT INTO gate_closed VALUES ('2024-01-03')");
	my $runner = start_psql($node, $db, "CALL backfill.run('j');\n", 'runner_b');
	my $pid = backend_pid_of($node, $db, 'runner_b');
	wait_in_build($db, 3, $pid);
	kill9_backend($db, $pid);
	isnt(finish_psql($runner), 0, "$db: the killed run ended with an error");

	is(chunk_field($db, 3, 'state'), 'running', "$db: chunk 3 left running by the crash");
	is( $node->safe_psql($db,
			"SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
		'published,published,running,pending,pending,pending,pending,pending',
		"$db: chunks 1-2 published, the rest untouched");
	is(table_checksum($node, $db) =~ s/:.*//r, $PARTS * $PER_PART, "$db: no row lost by the crash");

	$node->safe_psql($db, 'DELETE FROM gate_closed');
	$node->safe_psql($db, "CALL backfill.run('j')");
	check_finished($db, { map { $_ => ($_ == 3 ? 2 : 1) } 1 .. $PARTS }, $reference);

	# The retained originals survived the crash intact: a rollback gives back
	# the table as it was before the job.
	is($node->safe_psql($db, "SELECT backfill.rollback('j')"), $PARTS, "$db: rollback restores every chunk");
	is(table_checksum($node, $db), $original, "$db: after rollback the table is the original one");
}

# --- c: kill -9 with a chunk built, its publish waiting for a lock -------------
{
	my $db = 'c';
	$node->safe_psql($db, "INSERT INTO gate_closed VALUES ('2024-01-04')");
	my $runner = start_psql($node, $db, "CALL backfill.run('j');\n", 'runner_c');
	my $pid = backend_pid_of($node, $db, 'runner_c');
	wait_in_build($db, 4, $pid);

	my $holder = $node->background_psql($db);
	$holder->query_safe('BEGIN; LOCK TABLE events IN ACCESS SHARE MODE;');
	$node->safe_psql($db, 'DELETE FROM gate_closed');
	wait_for_query($node, $db,
		"SELECT state FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 4",
		'built', "$db: chunk 4 to be built");
	# The publish is retrying: its lock request on the parent shows up.
	wait_for_query(
		$node, $db,
		"SELECT count(*) FROM pg_locks WHERE pid = $pid AND NOT granted AND relation = 'events'::regclass",
		'1', "$db: the publish of chunk 4 to wait for the parent's lock");
	my $shadow = $node->safe_psql($db,
		q{SELECT relname FROM pg_class WHERE relname ~ '^events_20240104_bf[0-9]+_4_new$'});
	isnt($shadow, '', "$db: the shadow of chunk 4 exists ($shadow)");
	kill9_backend($db, $pid);
	finish_psql($runner);
	eval { $holder->quit };    # its session died with the crash

	is(chunk_field($db, 4, 'state'), 'built', "$db: chunk 4 left built by the crash");
	is( $node->safe_psql($db, "SELECT count(*) FROM $shadow"),
		$PER_PART, "$db: the built shadow survived the crash with its rows");

	$node->safe_psql($db, "CALL backfill.run('j')");
	check_finished($db, { map { $_ => 1 } 1 .. $PARTS }, $reference);
	is( $node->safe_psql($db,
			"SELECT count(*) FROM backfill.log WHERE job_name = 'j' AND chunk_no = 4 AND event = 'chunk_built'"),
		'1',
		"$db: chunk 4 was published from the shadow built before the crash, not rebuilt");
}

# --- d: pg_cancel_backend during a build, then the same session runs on -----
{
	my $db = 'd';
	$node->safe_psql($db, "INSERT INTO gate_closed VALUES ('2024-01-05')");
	my $runner = start_psql(
		$node, $db,
		"\\set ON_ERROR_STOP 0\nCALL backfill.run('j');\n\\echo cancelled\nCALL backfill.run('j');\n\\echo done\n",
		'runner_d');
	my $pid = backend_pid_of($node, $db, 'runner_d');
	wait_in_build($db, 5, $pid);
	is($node->safe_psql($db, "SELECT pg_cancel_backend($pid)"), 't', "$db: cancel sent");

	# The same session calls run again: it takes chunk 5 over (attempt 2)
	# and waits in the gate again.
	wait_in_build($db, 5, $pid, 2);
	is( $node->safe_psql($db,
			"SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
		'published,published,published,published,running,pending,pending,pending',
		"$db: after the cancel, chunks 1-4 published and chunk 5 rebuilding");
	$node->safe_psql($db, 'DELETE FROM gate_closed');
	is(finish_psql($runner), 0, "$db: the session's second run finished");
	like($runner->{err}, qr/canceling statement due to user request/,
		"$db: the first run was cancelled");
	like($runner->{out}, qr/cancelled\n.*done/s, "$db: both calls ran in the same session");
	check_finished($db, { map { $_ => ($_ == 5 ? 2 : 1) } 1 .. $PARTS }, $reference);
}

# --- e: cancel while a built chunk waits to publish, then a write ---------------
# The chunk is left built; a row written to its partition afterwards must
# make the next run build it again instead of publishing the stale shadow.
{
	my $db = 'e';
	$node->safe_psql($db, "INSERT INTO gate_closed VALUES ('2024-01-04')");
	my $runner = start_psql($node, $db, "CALL backfill.run('j');\n", 'runner_e');
	my $pid = backend_pid_of($node, $db, 'runner_e');
	wait_in_build($db, 4, $pid);
	my $holder = $node->background_psql($db);
	$holder->query_safe('BEGIN; LOCK TABLE events IN ACCESS SHARE MODE;');
	$node->safe_psql($db, 'DELETE FROM gate_closed');
	wait_for_query($node, $db,
		"SELECT state FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 4",
		'built', "$db: chunk 4 to be built");
	is($node->safe_psql($db, "SELECT pg_cancel_backend($pid)"), 't', "$db: cancel sent");
	isnt(finish_psql($runner), 0, "$db: the cancelled run ended with an error");
	like($runner->{err}, qr/canceling statement due to user request/, "$db: the run was cancelled");
	$holder->query_safe('COMMIT;');
	$holder->quit;
	is(chunk_field($db, 4, 'state'), 'built', "$db: chunk 4 left built by the cancel");

	$node->safe_psql($db,
		"INSERT INTO events (id, day, amount, amount2) VALUES (900004, '2024-01-04', 7, 7)");
	$node->safe_psql($db, "CALL backfill.run('j')");
	is(job_state($node, $db, 'j'), 'completed', "$db: job completed");
	is( $node->safe_psql($db, "SELECT amount || ',' || amount2 FROM events WHERE id = 900004"),
		'7.00,14.00', "$db: the row written after the build is in the table, recomputed");
	is( table_checksum($node, $db, '(SELECT * FROM events WHERE id <> 900004)'),
		$reference, "$db: every other row as in the uninterrupted run");
	is(chunk_field($db, 4, 'attempts'), '2', "$db: chunk 4 was built again");
	like( $node->safe_psql($db,
			"SELECT string_agg(detail, ' / ') FROM backfill.log WHERE job_name = 'j' AND chunk_no = 4 AND event = 'chunk_retry'"),
		qr/written/, "$db: a chunk_retry event says why");
	is(shadow_tables($node, $db), '', "$db: no shadow table left");
}

$node->stop;
done_testing();

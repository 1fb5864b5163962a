
# Issue 14, point 2: a worker never leaves a job while chunks remain that it
# could take. A claim used to row-lock its candidate chunks for a moment, and a
# worker claiming at the same instant used to find them all locked, take
# nothing and exit, with nobody to restart it. (a) With many short chunks
# and max_concurrency 2, then 4 (three jobs each), the test samples each job
# while it runs: a worker that has started and is gone from
# pg_stat_activity while a pending chunk nobody holds is still there left
# early. (b) A chunk that another worker is building is not one to wait
# for: when only that one is left, the idle worker exits.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

# lock_space::kChunk (src/core/lock_space.hpp): the lock a runner holds on
# the chunk it works on.
my $CHUNK_LOCK_SPACE = 16966;

my $node = new_backfill_node(
	'workers_stay', q{
max_worker_processes = 16
});
$node->safe_psql('postgres', q{
-- one sleep per chunk when its lower bound is the given day: without column
-- references, the planner evaluates it once per execution
CREATE FUNCTION slow_on(lower date, slow_day date, s float8) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$ BEGIN IF lower = slow_day THEN PERFORM pg_sleep(s); END IF; RETURN true; END $$;
});

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

# One look at the job, in this order: the workers that logged worker_started
# and are gone from pg_stat_activity; then (a later snapshot) the pending
# chunks nobody holds; then the job's state. A pending chunk seen after a
# worker was seen gone was pending when it left (nothing in these jobs
# makes a chunk pending again).
sub look
{
	my ($job) = @_;
	my $out = sql(qq{
SELECT coalesce(string_agg(s.pid::text, ',' ORDER BY s.pid), '')
FROM (SELECT substring(detail FROM 'backend (\\d+)')::int AS pid FROM backfill.log
      WHERE job_name = '$job' AND event = 'worker_started') s
WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = s.pid);
SELECT count(*) FROM backfill.chunks c
WHERE c.job_name = '$job' AND c.state = 'pending'
  AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                  AND l.objsubid = $CHUNK_LOCK_SPACE AND l.classid = c.job_id::oid
                  AND l.objid = c.chunk_no::oid);
SELECT state FROM backfill.jobs WHERE name = '$job';
});
	my ($gone, $free, $state) = split /\n/, $out, -1;
	return ($gone // '', $free, $state);
}

# Samples the job until it is no longer running; returns its state and
# the looks that caught a worker gone while chunks were free.
sub watch_until_done
{
	my ($job) = @_;
	my @early;
	my $deadline = time() + $BackfillTest::TIMEOUT;
	for (;;)
	{
		my ($gone, $free, $state) = look($job);
		push @early, "worker(s) $gone gone while $free pending chunk(s) were free"
		  if $gone ne '' && $free > 0;
		return ($state, \@early) if $state ne 'running' || time() > $deadline;
	}
}

# A table of PARTS partitions of 5 rows each, without indexes: a chunk is
# then little more than its claim and its swap.
sub make_events
{
	my ($parts) = @_;
	create_events($node, 'postgres', $parts, 5);
	sql('DROP INDEX events_amount2_idx; ALTER TABLE events DROP CONSTRAINT events_pkey');
	return;
}

# Runs job NAME over a fresh table with WORKERS workers, sampling it until
# it ends; checks its outcome and returns the early exits seen.
sub run_sampled
{
	my ($name, $workers, $parts) = @_;
	make_events($parts);
	my $rows = $parts * 5;
	sql("SELECT backfill.start('$name', 'events', \$src\$"
		  . events_source()
		  . "\$src\$, NULL, NULL, '{\"max_concurrency\": $workers}')");
	my ($state, $early) = watch_until_done($name);
	is($state, 'completed', "$name: the job completed");
	is( sql(
			"SELECT count(*) FILTER (WHERE event = 'worker_started'),"
			  . " count(*) FILTER (WHERE event = 'worker_error'),"
			  . " count(DISTINCT chunk_no) FILTER (WHERE event = 'chunk_built'),"
			  . " count(*) FILTER (WHERE event = 'chunk_built')"
			  . " FROM backfill.log WHERE job_name = '$name'"),
		"$workers|0|$parts|$parts",
		"$name: $workers workers started, none failed, each chunk built once");
	is( sql(
			"SELECT count(*), count(*) FILTER (WHERE amount2 = amount * 2) FROM events"),
		"$rows|$rows", "$name: every row there and corrected");
	ok( poll_until(
			$node,
			"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'",
			'0', 10),
		"$name: every worker gone once the job completed");
	sql("SELECT backfill.purge('$name'); DROP TABLE events");
	return @$early;
}

# ---------------------------------------------------------------- (a) workers stay

# A claim can only come back empty-handed while few chunks are left (it
# skips the locked ones and takes the next), so each concurrency gets three
# jobs of 40 chunks: three endings to race in.
for my $workers (2, 4)
{
	my @early = map { run_sampled("stay_${workers}_$_", $workers, 40) } 1 .. 3;
	is_deeply(\@early, [], "$workers workers: no worker left while a chunk was free");
}

# ---------------------------------------------------------------- (b) leaving is right

# Four chunks for two workers; the last one takes 4 s to build. Once it is
# the only one left, the other worker has nothing to take and exits. The
# source reads a copy of the rows, so that the slow build holds no lock on
# the partitions the other worker publishes.
make_events(4);
sql('CREATE TABLE events_src AS SELECT * FROM events');
sql("SELECT backfill.start('leave', 'events', \$src\$"
	  . 'SELECT id, day, amount, amount * 2, note FROM events_src'
	  . q{ WHERE day >= $1 AND day < $2 AND slow_on($1, '2024-01-04', 4)}
	  . "\$src\$, NULL, NULL, '{\"max_concurrency\": 2}')");
ok( poll_until($node,
		"SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'),"
		  . " (SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks"
		  . " WHERE job_name = 'leave')",
		'1|published,published,published,running', 10),
	'a worker leaves when the only chunk left is being built by another');
is(sql("SELECT backfill.wait('leave', '30s')"), 'completed', 'the other one completes the job');
is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'leave' AND event = 'worker_error'"),
	'0', 'no worker failed');

$node->stop('fast');
done_testing();

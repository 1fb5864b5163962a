
# Background workers of backfill (no shared_preload_libraries): start + wait,
# max_concurrency, pause/resume, cancel + purge, retry after a failure,
# pg_terminate_backend of a worker, what pg_stat_activity shows, and a wait
# that times out.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use Time::HiRes qw(usleep time);

my $node = PostgreSQL::Test::Cluster->new('workers');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_worker_processes = 16
log_statement = none
# a crashing backend must not take the rest of the file down with it
restart_after_crash = on
});
$node->start;

my $owner = $node->safe_psql('postgres', 'SELECT current_user');

$node->safe_psql('postgres', q{
CREATE EXTENSION backfill;
-- one sleep per chunk: STABLE and without column references, the planner
-- evaluates it once per execution (a one-time filter)
CREATE FUNCTION slow_pass(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
});

# ---------------------------------------------------------------- helpers

# A daily-partitioned table with $nparts partitions from 2024-01-01 and
# $per rows in each; tax is NULL everywhere (the source computes it).
sub make_events
{
	my ($tbl, $nparts, $per) = @_;
	my $rows = $nparts * $per;
	$node->safe_psql('postgres', qq{
CREATE TABLE $tbl (id bigint NOT NULL, day date NOT NULL, amount numeric,
                   tax numeric, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 0 .. $nparts - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF $tbl FOR VALUES FROM (%L) TO (%L)',
                   '${tbl}_' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO $tbl SELECT g, date '2024-01-01' + (g % $nparts), (g * 37 % 1000) / 10.0, NULL
FROM generate_series(1, $rows) g;
});
	return;
}

# The corrected rows: tax = 8 % of amount; with $sleep, each chunk sleeps.
sub fix_source
{
	my ($tbl, $sleep) = @_;
	my $s = "SELECT id, day, amount, round(amount * 0.08, 2) FROM $tbl"
	  . " WHERE day >= \$1 AND day < \$2";
	$s .= " AND slow_pass($sleep)" if $sleep;
	return $s;
}

# "wrong|total": rows whose tax is not the corrected one, and all rows.
sub data_check
{
	my ($tbl) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)),"
		  . " count(*) FROM $tbl");
}

sub start_job
{
	my ($name, $tbl, $source, $options) = @_;
	$options //= '{}';
	return $node->safe_psql('postgres',
		"SELECT backfill.start('$name', '$tbl', \$src\$$source\$src\$, NULL, NULL, '$options')"
	);
}

# backfill.wait; on an error (even a crashed backend) returns '' and lets
# the file go on once the server is back.
sub wait_job
{
	my ($name, $timeout) = @_;
	$timeout //= '20s';
	my ($ret, $out, $err) =
	  $node->psql('postgres', "SELECT backfill.wait('$name', '$timeout')");
	return $out if $ret == 0;
	diag("backfill.wait('$name', '$timeout') failed: $err");
	poll_until($node, 'SELECT 1', '1', 60);
	return '';
}

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

# Pids of the backfill workers working on a job (their activity names it).
sub worker_pids
{
	my ($name) = @_;
	my $out = sql(
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE 'backfill job \"$name\"%' ORDER BY pid");
	return grep { $_ ne '' } split /\n/, $out;
}

# ---------------------------------------------------------------- (a) start + wait

make_events('ev_a', 6, 100);
my $t0 = time();
like(start_job('job_a', 'ev_a', fix_source('ev_a')), qr/^\d+$/, 'start returns the job id');
is(wait_job('job_a'), 'completed', 'wait returns completed');
is(sql("SELECT state, chunks_done, chunks_total FROM backfill.jobs WHERE name = 'job_a'"),
	'completed|6|6', 'job completed with 6 of 6 chunks');
is(data_check('ev_a'), '0|600', 'every row corrected, none lost');
is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'job_a' AND event = 'launched'"),
	'1', 'one launch logged');
note(sprintf('(a) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (b) max_concurrency

make_events('ev_b', 20, 20);
$t0 = time();
start_job('job_b', 'ev_b', fix_source('ev_b', 0.2), '{"max_concurrency": 2}');
is(wait_job('job_b'), 'completed', 'max_concurrency 2: completed');
is(data_check('ev_b'), '0|400', 'max_concurrency 2: data correct');
is( sql(
		"SELECT count(*) FILTER (WHERE n = 1), count(*), sum(n) FROM (SELECT chunk_no, count(*) n"
		  . " FROM backfill.log WHERE job_name = 'job_b' AND event = 'chunk_built'"
		  . " GROUP BY chunk_no) s"),
	'20|20|20',
	'each of the 20 chunks built exactly once');
is( sql(
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'job_b'"
		  . " AND attempts = 1 AND state = 'published'"),
	'20', 'every chunk published at its first attempt');
is( sql(
		"SELECT count(*) FROM backfill.chunk c JOIN backfill.job j ON j.id = c.job_id"
		  . " WHERE j.name = 'job_b' AND c.attempts = 1"),
	'20', 'backfill.chunk agrees (attempts = 1)');
is( sql(
		"SELECT count(DISTINCT detail) FROM backfill.log WHERE job_name = 'job_b'"
		  . " AND event = 'worker_started'"),
	'2', 'two distinct worker backends worked on the job');
is( sql(
		"SELECT count(DISTINCT chunk_no) FROM backfill.log WHERE job_name = 'job_b'"
		  . " AND event = 'chunk_published'"),
	'20', 'every chunk published');
note(sprintf('(b) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (c) pause / resume

make_events('ev_c', 10, 30);
$t0 = time();
start_job('job_c', 'ev_c', fix_source('ev_c', 0.5));
ok( poll_until($node, 
		"SELECT chunks_done >= 2 FROM backfill.jobs WHERE name = 'job_c'", 't', 30),
	'pause: two chunks done');
sql("SELECT backfill.pause('job_c')");
is(sql("SELECT state FROM backfill.jobs WHERE name = 'job_c'"), 'paused', 'state paused');
ok(poll_until($node, "SELECT workers FROM backfill.jobs WHERE name = 'job_c'", '0', 10),
	'the worker stops after the chunk in flight');
ok(poll_until($node, 
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'",
		'0', 10),
	'no backfill worker left');
my $frozen = sql(
	"SELECT chunks_done, (SELECT count(*) FROM backfill.log WHERE job_name = 'job_c'"
	  . " AND event IN ('chunk_built', 'chunk_published')) FROM backfill.jobs WHERE name = 'job_c'");
my ($done_at_pause) = split /\|/, $frozen;
cmp_ok($done_at_pause, '<', 10, "paused before the end ($done_at_pause of 10 done)");
is( sql(
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'job_c'"
		  . " AND state NOT IN ('published', 'pending')"),
	'0', 'no chunk left half-done by the pause');
sleep 2;
is( sql(
		"SELECT chunks_done, (SELECT count(*) FROM backfill.log WHERE job_name = 'job_c'"
		  . " AND event IN ('chunk_built', 'chunk_published')) FROM backfill.jobs WHERE name = 'job_c'"),
	$frozen, 'nothing happens while paused');
is(sql("SELECT state FROM backfill.jobs WHERE name = 'job_c'"), 'paused', 'still paused');
sql("SELECT backfill.resume('job_c')");
is(wait_job('job_c'), 'completed', 'resume finishes the job');
is(data_check('ev_c'), '0|300', 'pause/resume: data correct');
is( sql(
		"SELECT count(*) FROM backfill.log WHERE job_name = 'job_c' AND event = 'chunk_built'"),
	'10', 'pause/resume: each chunk built once');
note(sprintf('(c) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (d) cancel

make_events('ev_d', 10, 30);
$t0 = time();
start_job('job_d', 'ev_d', fix_source('ev_d', 0.5));
ok( poll_until($node, 
		"SELECT chunks_done >= 2 AND EXISTS (SELECT 1 FROM backfill.chunks"
		  . " WHERE job_name = 'job_d' AND state = 'running')"
		  . " FROM backfill.jobs WHERE name = 'job_d'", 't', 30),
	'cancel: two chunks done, a third being built');
sql("SELECT backfill.cancel('job_d')");
my $t_cancel = time();
ok(poll_until($node, 
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'",
		'0', 5),
	'no backfill worker remains within 5 s of cancel');
note(sprintf('worker gone %.2f s after cancel', time() - $t_cancel));
is(sql("SELECT state FROM backfill.jobs WHERE name = 'job_d'"), 'cancelled', 'state cancelled');
my $published = sql(
	"SELECT count(*) FROM backfill.chunks WHERE job_name = 'job_d' AND state = 'published'");
cmp_ok($published, '>=', 2, "published chunks stay published ($published)");
cmp_ok($published, '<', 10, 'the job did not run to its end');
is( sql(
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'job_d'"
		  . " AND state NOT IN ('published', 'pending')"),
	'0', 'the other chunks are pending');
# published partitions hold the corrected rows, the others the old ones
is( sql(
		"SELECT count(*) FILTER (WHERE c.state = 'published' AND tax IS DISTINCT FROM round(amount * 0.08, 2)),"
		  . " count(*) FILTER (WHERE c.state <> 'published' AND tax IS NOT NULL),"
		  . " count(*) FROM ev_d e JOIN backfill.chunks c ON c.job_name = 'job_d'"
		  . " AND e.day >= c.lower_bound::date AND e.day < c.upper_bound::date"),
	'0|0|300', 'published partitions corrected, the others untouched, no row lost');
is( sql(
		"SELECT count(*) FROM pg_class WHERE relname LIKE 'ev\\_d\\_%\\_bf%\\_old'"),
	$published, 'one retained original per published chunk before purge');
is(sql("SELECT count(*) FROM pg_class WHERE relname LIKE 'ev\\_d\\_%\\_bf%\\_new'"),
	'0', 'cancel dropped the unpublished shadow');
my $dropped = sql("SELECT backfill.purge('job_d')");
cmp_ok($dropped, '>=', $published, "purge dropped $dropped table(s)");
is( sql(
		"SELECT count(*) FROM pg_class WHERE relname LIKE 'ev\\_d\\_%'"
		  . " AND (relname LIKE '%\\_bf%\\_new' OR relname LIKE '%\\_bf%\\_old')"),
	'0', 'no shadow or retained table left after purge');
is(data_check('ev_d') =~ s/^\d+\|//r, '300', 'cancel + purge: no row lost');
note(sprintf('(d) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (e) failure + retry

make_events('ev_e', 6, 50);
$t0 = time();
sql(q{
CREATE TABLE knob (day date PRIMARY KEY, divisor int NOT NULL);
INSERT INTO knob SELECT date '2024-01-01' + i, CASE WHEN i = 3 THEN 0 ELSE 1 END
FROM generate_series(0, 5) i;
});
start_job('job_e', 'ev_e',
	'SELECT t.id, t.day, t.amount, round(t.amount * 0.08 / k.divisor, 2) FROM ev_e t'
	  . ' JOIN knob k ON k.day = t.day WHERE t.day >= $1 AND t.day < $2',
	'{"max_attempts": 1}');
is(wait_job('job_e'), 'failed', 'a source error with max_attempts 1 fails the job');
is( sql(
		"SELECT chunk_no, state, attempts, error LIKE '%division by zero%' FROM backfill.chunks"
		  . " WHERE job_name = 'job_e' AND state = 'failed'"),
	'4|failed|1|t', 'the chunk of 2024-01-04 failed with the division by zero');
like(sql("SELECT last_error FROM backfill.jobs WHERE name = 'job_e'"),
	qr/division by zero/, 'last_error says why');
is(sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"),
	'0', 'the worker is gone once the job failed');
sql('UPDATE knob SET divisor = 1');
is(sql("SELECT backfill.retry('job_e')"), '1', 'retry returns 1 (one failed chunk)');
is(wait_job('job_e'), 'completed', 'after the fix, the retried job completes');
is(data_check('ev_e'), '0|300', 'retry: data correct');
is( sql(
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'job_e' AND state = 'published'"),
	'6', 'retry: every chunk published');
note(sprintf('(e) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (f, g) pg_stat_activity, pg_terminate_backend

make_events('ev_f', 8, 30);
$t0 = time();
start_job('job_f', 'ev_f', fix_source('ev_f', 0.5));
ok( poll_until($node, 
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE 'backfill job \"job\\_f\"%'", '1', 10),
	'a worker shows up in pg_stat_activity, its query naming the job');
my ($pid) = worker_pids('job_f');
ok(defined $pid, 'worker pid found');
is( sql(
		"SELECT backend_type, usename, query LIKE '%job\\_f%', datname FROM pg_stat_activity WHERE pid = $pid"),
	"backfill worker|$owner|t|postgres",
	"(g) backend_type 'backfill worker', usename the owner ($owner), query names the job");
is(sql("SELECT workers FROM backfill.jobs WHERE name = 'job_f'"), '1', 'backfill.jobs.workers = 1');
ok( poll_until($node, 
		"SELECT chunks_done >= 1 FROM backfill.jobs WHERE name = 'job_f'", 't', 30),
	'terminate: one chunk done');
is(sql("SELECT pg_terminate_backend($pid)"), 't', 'pg_terminate_backend of the worker');
my $t_kill = time();
ok(poll_until($node, "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid", '0', 5),
	'(f) the terminated worker is gone within 5 s');
note(sprintf('worker gone %.2f s after pg_terminate_backend', time() - $t_kill));
is(sql("SELECT workers FROM backfill.jobs WHERE name = 'job_f'"), '0', 'no worker on the job');
my $state_f = sql("SELECT state FROM backfill.jobs WHERE name = 'job_f'");
is($state_f, 'running', 'the job is still running (nobody paused or cancelled it)');
my $done_f = sql("SELECT chunks_done FROM backfill.jobs WHERE name = 'job_f'");
cmp_ok($done_f, '<', 8, "terminated before the end ($done_f of 8 done)");
sql("SELECT backfill.resume('job_f')");
is(wait_job('job_f'), 'completed', 'resume after pg_terminate_backend finishes the job');
is(data_check('ev_f'), '0|240', 'terminate + resume: data correct');
is( sql(
		"SELECT count(*), count(DISTINCT chunk_no) FROM backfill.log WHERE job_name = 'job_f'"
		  . " AND event = 'chunk_published'"),
	'8|8', 'terminate + resume: each chunk published exactly once');
is( sql(
		"SELECT count(*) FROM pg_class WHERE relname LIKE 'ev\\_f\\_%\\_bf%\\_new'"),
	'0', 'no shadow left behind');
note(sprintf('(f) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (h) wait that times out

# wait on a job that does not finish returns its state at the timeout, and
# the session (and the server) survive a long wait. (A wait of some 20 s
# crashed the backend with SIGSEGV when wait's text result was allocated in
# SPI's procedure memory, which SPI_finish frees before it is returned.)
sql("SELECT backfill.create('job_h', 'ev_a', \$src\$" . fix_source('ev_a') . "\$src\$)");
$t0 = time();
is(wait_job('job_h', '0'), 'pending', 'wait with timeout 0 returns the state at once');
cmp_ok(time() - $t0, '<', 2, 'at once');
$t0 = time();
my ($ret, $out, $err) = $node->psql('postgres', "SELECT backfill.wait('job_h', '30s')");
my $waited = time() - $t0;
is($ret, 0, 'a 30 s wait on a pending job succeeds') or diag($err);
is($out, 'pending', 'and returns pending');
cmp_ok($waited, '>=', 29.9, sprintf('after its timeout (%.1f s)', $waited));
cmp_ok($waited, '<', 38, 'and not much later');
log_lacks($node, qr/server process .* was terminated by signal/,
	'no backend crashed during the wait');
ok(poll_until($node, 'SELECT 1', '1', 30), 'the server accepts connections after the wait');

# nothing in the server log that looks like a crash
log_lacks($node, qr/terminated by signal|PANIC|TRAP:/, 'no backend crashed');

$node->stop('fast', fail_ok => 1);
done_testing();

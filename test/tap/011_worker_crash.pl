
# Crash safety of background workers. With shared_preload_libraries =
# 'backfill', the launcher relaunches the workers of a running job that lost
# them: after a kill -9 of a worker (while it builds a shadow, while it
# retries the swap, between two chunks) and after an immediate shutdown, the
# job completes by itself with exactly the result of an uninterrupted run.
# Without preloading, the job shows up as interrupted and resume finishes it.
#
# The source is deliberately not idempotent (amount + 1, read from the target
# itself): a chunk published twice, or a lost one, changes the checksum.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use Time::HiRes qw(usleep time);

my $NPARTS = 8;
my $PER    = 50;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'backfill'
backfill.launcher_naptime = 1
max_worker_processes = 16
restart_after_crash = on
log_statement = none
});
$node->start;

# ---------------------------------------------------------------- helpers

sub setup_db
{
	my ($n) = @_;
	$n->safe_psql('postgres', q{
CREATE EXTENSION backfill;
CREATE FUNCTION slow_pass(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
});
	return;
}

# $schema.events: $NPARTS daily partitions of $PER rows, same data every time.
sub make_events
{
	my ($n, $schema) = @_;
	my $rows = $NPARTS * $PER;
	$n->safe_psql('postgres', qq{
CREATE SCHEMA $schema;
CREATE TABLE $schema.events (id bigint NOT NULL, day date NOT NULL, amount numeric,
                             tax numeric, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE INDEX ON $schema.events (amount);
DO \$\$ BEGIN
  FOR i IN 0 .. $NPARTS - 1 LOOP
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF $schema.events FOR VALUES FROM (%L) TO (%L)',
                   '$schema', 'events_' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO $schema.events
SELECT g, date '2024-01-01' + (g % $NPARTS), (g * 37 % 1000) / 10.0, NULL
FROM generate_series(1, $rows) g;
});
	return;
}

# Not idempotent on purpose: every run adds 1 to amount.
sub source_for
{
	my ($schema, $sleep) = @_;
	my $s = "SELECT id, day, amount + 1, round((amount + 1) * 0.08, 2) FROM $schema.events"
	  . " WHERE day >= \$1 AND day < \$2";
	$s .= " AND slow_pass($sleep)" if $sleep;
	return $s;
}

sub start_job
{
	my ($n, $name, $schema, $sleep, $options) = @_;
	$options //= '{}';
	return $n->safe_psql('postgres',
		"SELECT backfill.start('$name', '$schema.events', \$src\$"
		  . source_for($schema, $sleep)
		  . "\$src\$, NULL, NULL, '$options')");
}

sub checksum
{
	my ($n, $schema) = @_;
	return $n->safe_psql('postgres',
		"SELECT md5(string_agg(t::text, ',' ORDER BY id, day)) FROM $schema.events t");
}

# The pid of the (single) worker of a job, once it works on a chunk.
sub worker_pid
{
	my ($n, $name) = @_;
	return $n->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE 'backfill job \"$name\"%' LIMIT 1");
}

# kill -9 of a backend, then wait until the postmaster has reinitialized
# and accepts connections again.
sub kill9_and_wait_restart
{
	my ($n, $pid) = @_;
	my $offset = -s $n->logfile;
	ok(kill('KILL', $pid), "kill -9 of worker $pid");
	$n->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
	$n->wait_for_log(qr/database system is ready to accept connections/, $offset);
	ok(poll_until($n, 'SELECT 1', '1', 60), 'the node accepts connections again');
	return;
}

# After an interruption: the job finishes by itself (or after resume), with
# the reference checksum, each chunk published once, nothing left behind.
sub check_outcome
{
	my ($n, $name, $schema, $ref, $label, $launcher) = @_;
	my $t0    = time();
	my ($ret, $state, $err) =
	  $n->psql('postgres', "SELECT backfill.wait('$name', '120s')");
	is($ret, 0, "$label: backfill.wait succeeds") or diag($err);
	is($state, 'completed', "$label: job completed") or dump_state($n);
	note(sprintf('%s: completed %.1f s after the interruption was over', $label, time() - $t0));
	is(checksum($n, $schema), $ref, "$label: checksum equals the uninterrupted run's");
	is( $n->safe_psql('postgres',
			"SELECT count(*) FILTER (WHERE state = 'published'), count(*) FROM backfill.chunks"
			  . " WHERE job_name = '$name'"),
		"$NPARTS|$NPARTS",
		"$label: every chunk published");
	is( $n->safe_psql('postgres',
			"SELECT coalesce(max(n), 1) FROM (SELECT count(*) n FROM backfill.log"
			  . " WHERE job_name = '$name' AND event = 'chunk_published' GROUP BY chunk_no) s"),
		'1', "$label: no chunk published twice");
	is( $n->safe_psql('postgres',
			"SELECT count(*) FILTER (WHERE c.relname LIKE '%\\_bf%\\_old'),"
			  . " count(*) FILTER (WHERE c.relname LIKE '%\\_bf%\\_new')"
			  . " FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
			  . " WHERE s.nspname = '$schema' AND c.relkind = 'r'"),
		"$NPARTS|0",
		"$label: one retained original per chunk, no shadow left");
	is( $n->safe_psql('postgres',
			"SELECT count(*) FROM pg_inherits WHERE inhparent = '$schema.events'::regclass"),
		$NPARTS, "$label: all partitions attached");
	my $relaunched = $n->safe_psql('postgres',
		"SELECT count(*) FROM backfill.log WHERE job_name = '$name' AND event = 'relaunched'");
	if ($launcher)
	{
		cmp_ok($relaunched, '>=', 1, "$label: the launcher relaunched the job by itself");
	}
	else
	{
		is($relaunched, '0', "$label: no launcher, no relaunch");
	}
	return;
}

setup_db($node);

# ---------------------------------------------------------------- reference

my $t0 = time();
make_events($node, 'ref');
start_job($node, 'ref', 'ref');
is($node->safe_psql('postgres', "SELECT backfill.wait('ref', '20s')"),
	'completed', 'reference run completed');
my $ref = checksum($node, 'ref');
like($ref, qr/^[0-9a-f]{32}$/, "reference checksum $ref");
is($node->safe_psql('postgres',
		"SELECT count(*), count(*) FILTER (WHERE tax = round(amount * 0.08, 2)) FROM ref.events"),
	($NPARTS * $PER) . '|' . ($NPARTS * $PER), 'reference run rewrote every row');
note(sprintf('reference took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (a) kill -9 while building

$t0 = time();
make_events($node, 'a');
start_job($node, 'job_a', 'a', 0.5);
ok( poll_until($node,
		"SELECT j.chunks_done >= 1 AND EXISTS (SELECT 1 FROM backfill.chunks c"
		  . " WHERE c.job_name = 'job_a' AND c.state = 'running')"
		  . " AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE 'backfill job \"job\\_a\"%' AND wait_event = 'PgSleep')"
		  . " FROM backfill.jobs j WHERE j.name = 'job_a'",
		't', 30),
	'(a) the worker is building a chunk');
my $pid = worker_pid($node, 'job_a');
kill9_and_wait_restart($node, $pid);
isnt($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE name = 'job_a'"),
	'completed', '(a) the job was not over at the crash');
check_outcome($node, 'job_a', 'a', $ref, '(a) kill -9 while building', 1);
note(sprintf('(a) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (b) kill -9 while retrying the swap

$t0 = time();
make_events($node, 'b');
my $blocker = $node->background_psql('postgres', on_error_stop => 0);
$blocker->query_safe('BEGIN');
$blocker->query_safe('LOCK TABLE b.events IN ACCESS SHARE MODE');
start_job($node, 'job_b', 'b', 0,
	'{"lock_timeout": "100ms", "swap_retries": 1000}');
ok( poll_until($node,
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'job_b' AND state = 'built'",
		'1', 30),
	'(b) a chunk is built and cannot be swapped in');
# a few tries of the publishing transaction
ok( poll_until($node,
		"SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
		  . " WHERE a.backend_type = 'backfill worker' AND NOT l.granted"
		  . " AND l.relation = 'b.events'::regclass",
		'1', 15),
	'(b) the worker waits for the lock on the parent');
is($node->safe_psql('postgres',
		"SELECT chunks_done FROM backfill.jobs WHERE name = 'job_b'"),
	'0', '(b) nothing published while the table is locked');
$pid = worker_pid($node, 'job_b');
kill9_and_wait_restart($node, $pid);
# the blocking session died with the crash
eval { $blocker->quit; };
check_outcome($node, 'job_b', 'b', $ref, '(b) kill -9 while retrying the swap', 1);
note(sprintf('(b) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (c) kill -9 between chunks

$t0 = time();
make_events($node, 'c');
start_job($node, 'job_c', 'c', 0, '{"sleep": "1s"}');
# between chunks: some published, none in flight, the worker sleeping
ok( poll_until($node,
		"SELECT j.chunks_done >= 1 AND j.chunks_done < $NPARTS"
		  . " AND NOT EXISTS (SELECT 1 FROM backfill.chunks c WHERE c.job_name = 'job_c'"
		  . "  AND c.state IN ('running', 'built'))"
		  . " AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . "  AND query LIKE 'backfill job \"job\\_c\"%'"
		  . "  AND wait_event_type = 'Extension')"
		  . " FROM backfill.jobs j WHERE j.name = 'job_c'",
		't', 30),
	'(c) the worker sleeps between two chunks');
my $done_c = $node->safe_psql('postgres',
	"SELECT chunks_done FROM backfill.jobs WHERE name = 'job_c'");
cmp_ok($done_c, '>=', 1, "(c) $done_c chunk(s) done at the kill");
$pid = worker_pid($node, 'job_c');
kill9_and_wait_restart($node, $pid);
check_outcome($node, 'job_c', 'c', $ref, '(c) kill -9 between chunks', 1);
note(sprintf('(c) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (d) immediate shutdown

$t0 = time();
make_events($node, 'd');
start_job($node, 'job_d', 'd', 0.5);
ok( poll_until($node,
		"SELECT chunks_done >= 2 FROM backfill.jobs WHERE name = 'job_d'", 't', 30),
	'(d) two chunks done');
$node->stop('immediate');
$node->start;
isnt($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE name = 'job_d'"),
	'completed', '(d) the job was not over at the shutdown');
check_outcome($node, 'job_d', 'd', $ref, '(d) immediate shutdown and restart', 1);
note(sprintf('(d) took %.1f s', time() - $t0));

log_lacks($node, qr/PANIC|TRAP:/, 'no PANIC or assertion failure in the server log');
log_lacks($node, qr/server process .* was terminated by signal/,
	'no backend other than the killed workers crashed');
$node->stop('fast', fail_ok => 1);

# ---------------------------------------------------------------- (e) no preload: interrupted + resume

$t0 = time();
my $node2 = PostgreSQL::Test::Cluster->new('nopreload');
$node2->init;
$node2->append_conf('postgresql.conf', q{
max_worker_processes = 16
restart_after_crash = on
log_statement = none
});
$node2->start;
setup_db($node2);
make_events($node2, 'e');
start_job($node2, 'job_e', 'e', 0.5);
ok( poll_until($node2,
		"SELECT j.chunks_done >= 1 AND EXISTS (SELECT 1 FROM backfill.chunks c"
		  . " WHERE c.job_name = 'job_e' AND c.state = 'running')"
		  . " FROM backfill.jobs j WHERE j.name = 'job_e'",
		't', 30),
	'(e) the worker is building a chunk');
$pid = worker_pid($node2, 'job_e');
kill9_and_wait_restart($node2, $pid);
is($node2->safe_psql('postgres',
		"SELECT state, workers FROM backfill.jobs WHERE name = 'job_e'"),
	'running|0', '(e) the job is running with no worker');
ok( poll_until($node2,
		"SELECT interrupted FROM backfill.jobs WHERE name = 'job_e'", 't', 30),
	'(e) backfill.jobs.interrupted becomes true');
is($node2->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"),
	'0', '(e) nobody relaunched it without the launcher');
$node2->safe_psql('postgres', "SELECT backfill.resume('job_e')");
check_outcome($node2, 'job_e', 'e', $ref, '(e) no preload, resume after kill -9', 0);
is($node2->safe_psql('postgres',
		"SELECT interrupted FROM backfill.jobs WHERE name = 'job_e'"),
	'f', '(e) no longer interrupted');
note(sprintf('(e) took %.1f s', time() - $t0));
log_lacks($node2, qr/server process .* was terminated by signal|PANIC|TRAP:/,
	'(e) no backend other than the killed worker crashed');
$node2->stop('fast', fail_ok => 1);

done_testing();


# Copyright (c) backfill authors
#
# Throttling of backfill jobs (no shared_preload_libraries): before every
# chunk the runner asks whether it must wait; while it waits,
# backfill.progress.throttled_by says why, backfill.log has 'throttle_hold'
# (detail = the reason) and, once it may go on, 'throttle_release'.
#
#   (a) max_active_backends under a pgbench load (4 clients): no chunk while
#       pgbench runs, the job completes after it ended
#   (b) window: a window that excludes now holds the job; backfill.set()
#       to null (or to a window that includes now) releases it
#   (c) throttle_query: true holds, false releases; a failing query holds
#   (d) pause and cancel act at once on a held job, in a background worker
#       and in a foreground CALL backfill.run
#   (e) backfill.wait on a held job: a long wait that times out, and one
#       that sees the job complete after a long hold
#   (f) a session blocked in backfill.wait is not counted as load

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use Time::HiRes qw(usleep time);

# The window check uses the server's TimeZone; keep the test's sessions on
# the same one.
delete $ENV{PGTZ};

my $node = PostgreSQL::Test::Cluster->new('throttle');
$node->init;
$node->append_conf('postgresql.conf', q{
max_worker_processes = 16
max_connections = 50
log_statement = none
# a backend crash (see (e)) must not end the whole test
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION backfill');

# ---------------------------------------------------------------- helpers

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

# A daily-partitioned table with $nparts partitions from 2024-01-01 and
# $per rows in each; tax is NULL everywhere (the source computes it).
sub make_events
{
	my ($tbl, $nparts, $per) = @_;
	my $rows = $nparts * $per;
	sql(qq{
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

sub fix_source
{
	my ($tbl) = @_;
	return "SELECT id, day, amount, round(amount * 0.08, 2) FROM $tbl"
	  . " WHERE day >= \$1 AND day < \$2";
}

# "wrong|total": rows whose tax is not the corrected one, and all rows.
sub data_check
{
	my ($tbl) = @_;
	return sql(
		"SELECT count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)),"
		  . " count(*) FROM $tbl");
}

# Options are given as a Perl string holding JSON; dollar-quoted so that a
# throttle_query with quotes needs no escaping.
sub start_job
{
	my ($name, $tbl, $options) = @_;
	return sql("SELECT backfill.start('$name', '$tbl', \$src\$"
		  . fix_source($tbl)
		  . "\$src\$, NULL, NULL, \$opt\$$options\$opt\$)");
}

sub create_job
{
	my ($name, $tbl, $options) = @_;
	return sql("SELECT backfill.create('$name', '$tbl', \$src\$"
		  . fix_source($tbl)
		  . "\$src\$, NULL, NULL, \$opt\$$options\$opt\$)");
}

sub set_options
{
	my ($name, $options) = @_;
	return sql("SELECT backfill.set('$name', \$opt\$$options\$opt\$)");
}

sub wait_job
{
	my ($name, $timeout) = @_;
	$timeout //= '60s';
	return sql("SELECT backfill.wait('$name', '$timeout')");
}

sub progress
{
	my ($name, $cols) = @_;
	return sql("SELECT $cols FROM backfill.progress WHERE name = '$name'");
}

# Waits until the job is held and throttled_by starts with $prefix.
sub wait_held
{
	my ($name, $prefix, $seconds) = @_;
	return poll_until($node, 
		"SELECT throttled_by LIKE '$prefix%' FROM backfill.progress WHERE name = '$name'",
		't', $seconds // 15);
}

# Samples the job $n times, $gap_s apart; returns the list of
# "chunks_done|throttled_by" seen.
sub sample_job
{
	my ($name, $n, $gap_s) = @_;
	my @seen;
	for my $i (1 .. $n)
	{
		push @seen, progress($name, 'chunks_done, throttled_by');
		usleep($gap_s * 1_000_000) if $i < $n;
	}
	return @seen;
}

# Sessions working on the job (backfill.jobs.workers).
sub workers_on
{
	my ($name) = @_;
	return sql("SELECT workers FROM backfill.jobs WHERE name = '$name'");
}

sub log_events
{
	my ($name, $event) = @_;
	return sql(
		"SELECT count(*) FROM backfill.log WHERE job_name = '$name' AND event = '$event'");
}

# 'HH:MM' of the server's clock, in the server's TimeZone, $offset_min
# minutes from now.
sub server_clock
{
	my ($offset_min) = @_;
	return sql(
		"SELECT to_char(now() AT TIME ZONE (SELECT reset_val FROM pg_settings"
		  . " WHERE name = 'TimeZone') + interval '$offset_min minutes', 'HH24:MI')");
}

# ---------------------------------------------------------------- (a) max_active_backends

note('(a) max_active_backends under pgbench -c 4');
my $t0 = time();
$node->command_ok(
	[ 'pgbench', '-i', '-q', '-s', '1', '-h', $node->host, '-p', $node->port, 'postgres' ],
	'pgbench -i -s 1');
make_events('ev_a', 4, 100);

my ($pgb_out, $pgb_err) = ('', '');
my $pgbench;
{
	# PostgreSQL::Test::Utils sets PGAPPNAME to the test's name; let
	# pgbench's sessions be recognisable.
	local $ENV{PGAPPNAME} = 'pgbench';
	$pgbench = IPC::Run::start(
		[
			'pgbench', '-c', '4', '-j', '2', '-T', '15', '-n',
			'-h', $node->host, '-p', $node->port, 'postgres'
		],
		'>', \$pgb_out, '2>', \$pgb_err);
}
ok( defined poll_until($node, 
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'"
		  . " AND backend_type = 'client backend'", '4', 15),
	'pgbench runs with 4 client connections');
usleep(500_000);    # let the load settle

like(start_job('job_a', 'ev_a', '{"max_active_backends": 2}'),
	qr/^\d+$/, 'job started with max_active_backends 2');
ok(defined wait_held('job_a', 'active_backends', 10),
	"throttled_by starts with 'active_backends'");
note('throttled_by: ' . progress('job_a', 'throttled_by'));
my @seen = sample_job('job_a', 6, 1.0);
note("samples (chunks_done|throttled_by): @seen");
is(scalar(grep { /^0\|active_backends \d+ > 2$/ } @seen),
	6, 'six samples over 5 s while pgbench runs: chunks_done 0, held by active_backends');

ok($pgbench->finish, 'pgbench exited cleanly')
  or diag("pgbench stderr: $pgb_err");
my $load_until = sql('SELECT clock_timestamp()');
note('pgbench: ' . join(' ', grep { /tps =/ } split /\n/, $pgb_out));

is(wait_job('job_a'), 'completed', 'after pgbench ended the job completes');
is(data_check('ev_a'), '0|400', '(a) data correct');
is( sql(
		"SELECT count(*) FROM backfill.log WHERE job_name = 'job_a'"
		  . " AND event = 'chunk_built' AND at < '$load_until'"),
	'0', 'no chunk was built while pgbench ran')
  or diag('while pgbench ran: '
	  . sql(
		"SELECT string_agg(event || ' ' || n, ', ') FROM (SELECT event, count(*) n"
		  . " FROM backfill.log WHERE job_name = 'job_a' AND at < '$load_until'"
		  . " GROUP BY event ORDER BY min(at)) s"));
cmp_ok(log_events('job_a', 'throttle_hold'), '>=', 1, 'log has throttle_hold');
cmp_ok(log_events('job_a', 'throttle_release'), '>=', 1, 'log has throttle_release');
like( sql(
		"SELECT detail FROM backfill.log WHERE job_name = 'job_a' AND event = 'throttle_hold'"
		  . " ORDER BY at LIMIT 1"),
	qr/^active_backends \d+ > 2$/, 'throttle_hold detail names the reason');
is(progress('job_a', "coalesce(throttled_by, '<null>')"),
	'<null>', 'throttled_by is NULL once the job completed');
note(sprintf('(a) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (b) window

note('(b) window');
$t0 = time();
make_events('ev_b', 4, 100);
# Starts two hours from now, lasts one hour: excludes now whatever the time.
my $win = server_clock(120) . '-' . server_clock(180);
note("window $win, server clock " . server_clock(0));
start_job('job_b', 'ev_b', qq{{"window": "$win"}});
ok(defined wait_held('job_b', 'outside window', 10), "throttled_by starts with 'outside window'");
like(progress('job_b', 'throttled_by'),
	qr/^outside window \Q$win\E \(now \d\d:\d\d\)$/,
	'throttled_by names the window and the time now');
sleep 3;
is(progress('job_b', 'chunks_done'), '0', 'no chunk done after 3 s outside the window');
is(progress('job_b', 'state'), 'running', 'the held job is running (not paused)');
is(workers_on('job_b'), '1', 'its worker waits');
like( sql(
		"SELECT detail FROM backfill.log WHERE job_name = 'job_b' AND event = 'throttle_hold'"),
	qr/^outside window \Q$win\E/, 'throttle_hold logged with the reason');
set_options('job_b', '{"window": null}');
is(wait_job('job_b', '30s'), 'completed', 'window set to null: the job completes');
is(data_check('ev_b'), '0|400', '(b) data correct');
is(log_events('job_b', 'throttle_release'), '1', 'throttle_release logged once');
is(progress('job_b', "coalesce(throttled_by, '<null>')"), '<null>', 'throttled_by cleared');

# An array of windows, all excluding now; then one that includes now.
make_events('ev_b2', 3, 50);
my $win1 = server_clock(120) . '-' . server_clock(150);
my $win2 = server_clock(200) . '-' . server_clock(230);
start_job('job_b2', 'ev_b2', qq{{"window": ["$win1", "$win2"]}});
ok(defined wait_held('job_b2', 'outside window', 10), 'array of windows: held');
like(progress('job_b2', 'throttled_by'),
	qr/^outside window \Q$win1\E, \Q$win2\E \(now \d\d:\d\d\)$/,
	'throttled_by names every window');
my $win_now = server_clock(-60) . '-' . server_clock(60);
set_options('job_b2', qq{{"window": ["$win2", "$win_now"]}});
is(wait_job('job_b2', '30s'), 'completed',
	"window changed to one that includes now ($win_now): the job completes");
is(data_check('ev_b2'), '0|150', '(b2) data correct');
note(sprintf('(b) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (c) throttle_query

note('(c) throttle_query');
$t0 = time();
make_events('ev_c', 4, 100);
sql('CREATE TABLE hold_flag (x int); INSERT INTO hold_flag VALUES (1)');
start_job('job_c', 'ev_c', '{"throttle_query": "SELECT EXISTS (SELECT 1 FROM hold_flag)"}');
ok(defined wait_held('job_c', 'throttle_query', 10), 'hold_flag has a row: held');
is(progress('job_c', 'throttled_by'), 'throttle_query returned true',
	"throttled_by = 'throttle_query returned true'");
sleep 2;
is(progress('job_c', 'chunks_done'), '0', 'no chunk done while the query returns true');
my $t_del = time();
sql('DELETE FROM hold_flag');
is(wait_job('job_c', '30s'), 'completed', 'row deleted: the job completes');
note(sprintf('completed %.2f s after the DELETE', time() - $t_del));
is(data_check('ev_c'), '0|400', '(c) data correct');
is(log_events('job_c', 'throttle_hold') . '|' . log_events('job_c', 'throttle_release'),
	'1|1', 'one throttle_hold, one throttle_release');

# A throttle_query that fails holds the job and says why.
make_events('ev_c2', 3, 50);
sql('CREATE TABLE unlock_flag (x int)');
start_job('job_c2', 'ev_c2',
	'{"throttle_query": "SELECT 1 / (SELECT count(*) FROM unlock_flag)::int = 0"}');
ok(defined wait_held('job_c2', 'throttle_query failed', 10), 'a failing throttle_query holds');
like(progress('job_c2', 'throttled_by'),
	qr/^throttle_query failed: .*division by zero/, 'throttled_by gives the error');
is(progress('job_c2', 'state'), 'running', 'the failing query did not fail the job');
sleep 1;
is(progress('job_c2', 'chunks_done'), '0', 'no chunk done while the query fails');
sql('INSERT INTO unlock_flag VALUES (1)');
is(wait_job('job_c2', '30s'), 'completed', 'query returns false: the job completes');
is(data_check('ev_c2'), '0|150', '(c2) data correct');
note(sprintf('(c) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (d) pause / cancel while held

note('(d) pause and cancel while held');
$t0 = time();
sql('INSERT INTO hold_flag VALUES (1)');
make_events('ev_d', 4, 100);
start_job('job_d', 'ev_d', '{"throttle_query": "SELECT EXISTS (SELECT 1 FROM hold_flag)"}');
ok(defined wait_held('job_d', 'throttle_query', 10), 'held by throttle_query');

sql("SELECT backfill.pause('job_d')");
is(progress('job_d', 'state'), 'paused', 'pause: state paused at once');
my $dt = poll_until($node, 
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'", '0', 2);
ok(defined $dt, 'pause: the held worker is gone within 2 s');
note("worker gone $dt s after pause") if defined $dt;
ok(defined poll_until($node, "SELECT workers FROM backfill.jobs WHERE name = 'job_d'", '0', 2),
	'pause: workers = 0');
ok(defined poll_until($node, 
		"SELECT throttled_by IS NULL FROM backfill.progress WHERE name = 'job_d'", 't', 2),
	'pause: throttled_by cleared');
is(progress('job_d', 'chunks_done'), '0', 'pause: no chunk done');

sql("SELECT backfill.resume('job_d')");
ok(defined wait_held('job_d', 'throttle_query', 10), 'resume: held again');
is(progress('job_d', 'chunks_done'), '0', 'resume: still no chunk done');

my $t_cancel = time();
sql("SELECT backfill.cancel('job_d')");
ok( defined poll_until($node, 
		"SELECT state FROM backfill.jobs WHERE name = 'job_d'", 'cancelled', 2),
	'cancel: state cancelled within 2 s');
$dt = poll_until($node, 
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'", '0', 2);
ok(defined $dt, 'cancel: no backfill worker left within 2 s');
note(sprintf('worker gone %.2f s after cancel', time() - $t_cancel));
ok(defined poll_until($node, "SELECT workers FROM backfill.jobs WHERE name = 'job_d'", '0', 2),
	'cancel: workers = 0');
is( sql(
		"SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FROM backfill.chunks"
		  . " WHERE job_name = 'job_d'"),
	'4|4', 'cancel: every chunk still pending');
ok(defined poll_until($node, 
		"SELECT throttled_by IS NULL FROM backfill.progress WHERE name = 'job_d'", 't', 2),
	'cancel: throttled_by cleared');
is(data_check('ev_d'), '400|400', 'cancel: the target is untouched');

# The same in the foreground: a CALL backfill.run held by the throttle
# returns at once on pause, and on cancel.
my $connstr = $node->connstr('postgres');

# Starts "CALL backfill.run('$name')" in its own psql; returns the harness
# and refs to its stdout and stderr.
sub start_foreground
{
	my ($name) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $connstr,
			'-c', "CALL backfill.run('$name')"
		],
		'>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# Waits at most $seconds for the harness to end; returns the seconds it
# took, or undef (and kills it).
sub finish_within
{
	my ($h, $seconds) = @_;
	my $t = time();
	while ($h->pumpable && time() - $t < $seconds)
	{
		$h->pump_nb;
		usleep(20_000);
	}
	if ($h->pumpable)
	{
		$h->kill_kill;
		return undef;
	}
	$h->finish;
	return sprintf('%.2f', time() - $t);
}

make_events('ev_f', 3, 50);
create_job('job_f', 'ev_f', '{"throttle_query": "SELECT EXISTS (SELECT 1 FROM hold_flag)"}');
my ($fg, $fg_out, $fg_err) = start_foreground('job_f');
ok(defined wait_held('job_f', 'throttle_query', 10), 'foreground run: held');
sql("SELECT backfill.pause('job_f')");
$dt = finish_within($fg, 2);
ok(defined $dt, 'foreground run: CALL returns within 2 s of pause');
note("CALL returned $dt s after pause; stderr: $$fg_err") if defined $dt;
is(progress('job_f', 'state || chunks_done'), 'paused0', 'foreground pause: paused, no chunk');

($fg, $fg_out, $fg_err) = start_foreground('job_f');
ok(defined wait_held('job_f', 'throttle_query', 10), 'foreground run again: held');
sql("SELECT backfill.cancel('job_f')");
$dt = finish_within($fg, 2);
ok(defined $dt, 'foreground run: CALL returns within 2 s of cancel');
note("CALL returned $dt s after cancel; stderr: $$fg_err") if defined $dt;
is(progress('job_f', 'state || chunks_done'), 'cancelled0', 'foreground cancel: cancelled, no chunk');
is( sql(
		"SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CALL backfill.run%'"
		  . " AND pid <> pg_backend_pid()"),
	'0', 'no session is left running the job');
is(data_check('ev_f'), '150|150', 'foreground cancel: the target is untouched');
note(sprintf('(d) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (e) long waits

# backfill.wait on a held job: the usual pattern (start, then wait) with a
# throttle that holds for a while. Run through $node->psql, not safe_psql,
# so that a lost connection is reported instead of ending the test.

# Runs backfill.wait('$name', '$timeout'); returns "state" or "error: ...".
sub wait_soft
{
	my ($name, $timeout) = @_;
	my ($ret, $out, $err) =
	  $node->psql('postgres', "SELECT backfill.wait('$name', '$timeout')");
	return $ret == 0 ? $out : "error: $err";
}

# After a backend crash the postmaster restarts; wait until it serves again.
sub wait_for_server
{
	$node->poll_query_until('postgres', 'SELECT true')
	  or die 'the server did not come back';
	return;
}

note('(e) long waits on a held job');
$t0 = time();
make_events('ev_e', 3, 50);
start_job('job_e', 'ev_e', '{"throttle_query": "SELECT EXISTS (SELECT 1 FROM hold_flag)"}');
ok(defined wait_held('job_e', 'throttle_query', 10), 'held by throttle_query');
my $t_wait = time();
my $got = wait_soft('job_e', '25s');
is($got, 'running', 'backfill.wait(25s) on a held job times out and returns running')
  or wait_for_server();
note(sprintf('wait returned after %.1f s', time() - $t_wait));
my $crashed = 0;
if ($got ne 'running')
{
	$crashed = 1;
	# A crash restart kills the worker; the job shows as interrupted.
	sql("SELECT backfill.resume('job_e')")
	  if sql("SELECT state FROM backfill.jobs WHERE name = 'job_e'") eq 'running';
}

# A wait that returns 'completed' after a long hold.
ok(defined wait_held('job_e', 'throttle_query', 10), 'still held');
my $releaser = IPC::Run::start(
	[
		'psql', '-X', '-d', $connstr, '-c',
		'SELECT pg_sleep(22); DELETE FROM hold_flag'
	],
	'>', \my $rel_out, '2>', \my $rel_err);
$t_wait = time();
$got = wait_soft('job_e', '60s');
$releaser->finish;
is($got, 'completed', 'backfill.wait returns completed when the job ends after a 22 s hold')
  or wait_for_server();
note(sprintf('wait returned after %.1f s', time() - $t_wait));
if ($got ne 'completed')
{
	sql('DELETE FROM hold_flag');
	sql("SELECT backfill.resume('job_e')")
	  if sql("SELECT state FROM backfill.jobs WHERE name = 'job_e'") eq 'running';
	sql("SELECT backfill.wait('job_e', '10s')");
}
is(data_check('ev_e'), '0|150', '(e) data correct');
note(sprintf('(e) took %.1f s', time() - $t0));

# ---------------------------------------------------------------- (f) wait is not load

# The usual pattern, backfill.start then backfill.wait, must not hold the
# job by itself: the session blocked in backfill.wait (state 'active',
# sleeping on its latch) is not load on the server.
note('(f) backfill.wait does not count as an active backend');
$t0 = time();
make_events('ev_g', 3, 50);
start_job('job_g', 'ev_g', '{"max_active_backends": 0}');
my $state_g = wait_soft('job_g', '15s');
is($state_g, 'completed',
	'max_active_backends 0: start + wait completes (the waiting session is not counted)')
  or diag('after wait: ' . progress('job_g', 'state, chunks_done, throttled_by'));
wait_for_server() if $state_g =~ /^error/;
sql("SELECT backfill.cancel('job_g')") if $state_g ne 'completed';
note(sprintf('(f) took %.1f s', time() - $t0));

# nothing in the server log that looks like a crash
my @crashes = grep { /terminated by signal|server process .* was terminated|Failed process was running/ }
  split /\n/, slurp_file($node->logfile);
is(scalar(@crashes), 0, 'no backend crashed')
  or diag(join("\n", @crashes));

$node->stop;
done_testing();

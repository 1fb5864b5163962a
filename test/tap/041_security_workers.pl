
# Workers are a shared resource, and the launcher survives anything (issue 8,
# items 4 and 5), tried as a hostile tenant would:
#   (a) an unprivileged role starting many jobs at once, with a high
#       max_concurrency, gets at most backfill.max_workers_per_role workers,
#       another role's job still gets one, and the cluster never runs more
#       than backfill.max_workers (no preloading: the fallback path);
#   (b) with shared_preload_libraries = 'backfill', 8 extra databases (some
#       with the extension, some without, one created and one dropped while
#       the launcher runs): nothing crashes, the launcher keeps its pid, no
#       scanner keeps visiting a database without the extension, and an
#       interrupted job is still relaunched;
#   (c) after a restart, an interrupted job with max_concurrency = 2 never
#       has more than 2 workers;
#   (d) a job held by its throttle gives its worker back after a few seconds
#       and is relaunched, and completes, once released.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

use BackfillTest;

# ---------------------------------------------------------------- helpers

sub poll_until
{
	my ($n, $db, $query, $expected, $seconds) = @_;
	my $deadline = time() + $seconds;
	my ($ret, $out, $err);
	for (;;)
	{
		($ret, $out, $err) = $n->psql($db, $query);
		return 1 if $ret == 0 && $out eq $expected;
		last if time() > $deadline;
		usleep(100_000);
	}
	diag("poll_until: no '$expected' within ${seconds}s from: $query\n"
		  . "last output: '$out', stderr: '$err'");
	dump_state($n, $db);
	return 0;
}

sub dump_state
{
	my ($n, $db) = @_;
	my (undef, $out, $err) = $n->psql($db, q{
SELECT 'job', name, owner, state, workers, interrupted, chunks_done, chunks_total, last_error
FROM backfill.jobs ORDER BY id;
SELECT 'event', job_name, at, chunk_no, event, detail FROM backfill.log
ORDER BY at DESC LIMIT 30;
SELECT 'activity', pid, datname, usename, backend_type, wait_event, state, query
FROM pg_stat_activity WHERE backend_type LIKE 'backfill%';
});
	diag("state dump:\n$out\n$err");
	return;
}

sub log_lacks
{
	my ($n, $re, $label) = @_;
	my @hits = grep { /$re/ } split /\n/, slurp_file($n->logfile);
	ok(!@hits, $label) or diag(join("\n", @hits));
	return;
}

# $schema.$tbl owned by $role: $nparts daily partitions of 20 rows.
sub make_table
{
	my ($n, $db, $role, $schema, $tbl, $nparts) = @_;
	my $rows = $nparts * 20;
	my $set_role = defined $role ? "SET ROLE $role;" : '';
	$n->safe_psql(
		$db, qq{
$set_role
CREATE TABLE $schema.$tbl (id bigint NOT NULL, day date NOT NULL, amount numeric,
                           tax numeric, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 0 .. $nparts - 1 LOOP
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF $schema.$tbl FOR VALUES FROM (%L) TO (%L)',
                   '$schema', '${tbl}_' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO $schema.$tbl SELECT g, date '2024-01-01' + (g % $nparts), g % 100, NULL
FROM generate_series(1, $rows) g;
});
	return;
}

sub source_for
{
	my ($schema, $tbl, $sleep) = @_;
	return "SELECT id, day, amount, round(amount * 0.08, 2) FROM $schema.$tbl"
	  . " WHERE day >= \$1 AND day < \$2 AND public.slow_pass($sleep)";
}

sub start_sql
{
	my ($name, $schema, $tbl, $sleep, $options) = @_;
	return "SELECT backfill.start('$name', '$schema.$tbl', \$s\$"
	  . source_for($schema, $tbl, $sleep)
	  . "\$s\$, NULL, NULL, '$options')";
}

sub setup_db
{
	my ($n, $db) = @_;
	$n->safe_psql($db, q{
CREATE EXTENSION backfill;
CREATE FUNCTION public.slow_pass(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
});
	return;
}

# Number of backfill workers in the cluster: "total|of role".
sub worker_count
{
	my ($n, $role) = @_;
	return $n->safe_psql('postgres',
		"SELECT count(*) || '|' || count(*) FILTER (WHERE usename = '$role')"
		  . " FROM pg_stat_activity WHERE backend_type = 'backfill worker'");
}

sub launcher_pid
{
	my ($n) = @_;
	return $n->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'backfill launcher'");
}

sub postmaster_pid
{
	my ($n) = @_;
	my @lines = split /\n/, slurp_file($n->data_dir . '/postmaster.pid');
	return $lines[0];
}

# ================================================================ (a) slots per role

my $t0 = time();
my $na = PostgreSQL::Test::Cluster->new('slots');
$na->init;
$na->append_conf('postgresql.conf', q{
max_worker_processes = 16
backfill.max_workers = 4
log_statement = none
restart_after_crash = on
});
$na->start;
setup_db($na, 'postgres');
$na->safe_psql('postgres', q{
CREATE ROLE tenant LOGIN;
CREATE ROLE neighbour LOGIN;
CREATE SCHEMA ten AUTHORIZATION tenant;
CREATE SCHEMA nb AUTHORIZATION neighbour;
});
is($na->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'tenant'"),
	'f', '(a) tenant is no superuser');
for my $i (1 .. 5) { make_table($na, 'postgres', 'tenant', 'ten', "ev$i", 8); }
make_table($na, 'postgres', 'neighbour', 'nb', 'ev', 4);

my $as_tenant = $na->connstr('postgres') . ' user=tenant';
my ($ret, $out, $err) = $na->psql('postgres',
	start_sql('greedy1', 'ten', 'ev1', 1.0, '{"max_concurrency": 8}'),
	connstr => $as_tenant);
is($ret, 0, '(a) tenant starts a job with max_concurrency 8') or diag($err);

# four more jobs of the tenant's, all at the same moment
my @racers;
for my $i (2 .. 5)
{
	my $sql = start_sql("greedy$i", 'ten', "ev$i", 1.0, '{"max_concurrency": 4}');
	push @racers, start_psql($na, 'postgres', "SET ROLE tenant;\n$sql;\n", "greedy$i");
}
my ($max_total, $max_tenant) = (0, 0);
my $sample = sub {
	my ($total, $tenant) = split /\|/, worker_count($na, 'tenant');
	$max_total  = $total  if $total > $max_total;
	$max_tenant = $tenant if $tenant > $max_tenant;
};
$sample->() for 1 .. 5;
my @refused = grep { finish_psql($_) ne '0' } @racers;
note("racing starts refused: " . scalar(@refused) . " of 4");

($ret, $out, $err) = $na->psql('postgres',
	start_sql('fair', 'nb', 'ev', 0.2, '{}'),
	connstr => $na->connstr('postgres') . ' user=neighbour');
is($ret, 0, "(a) another role's job still gets a worker") or diag($err);
my $deadline = time() + 6;
$sample->() while time() < $deadline;
cmp_ok($max_tenant, '<=', 2,
	"(a) the tenant never held more than max_workers_per_role = 2 workers (max seen $max_tenant)");
cmp_ok($max_total, '<=', 4,
	"(a) never more than max_workers = 4 workers in the cluster (max seen $max_total)");
is( poll_until($na, 'postgres', "SELECT backfill.wait('fair', '60s')", 'completed', 70),
	1, "(a) the neighbour's job completed");
is( poll_until($na, 'postgres', "SELECT backfill.wait('greedy1', '60s')", 'completed', 70),
	1, "(a) the tenant's first job completed");
($ret, $out, $err) =
  $na->psql('postgres', "LOAD 'backfill'; SHOW backfill.max_workers_per_role");
is($out, '-1', '(a) backfill.max_workers_per_role defaults to -1 (half of max_workers)')
  or diag($err);
ok( poll_until($na, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'", '0', 10),
	'(a) every worker gone at the end');
log_lacks($na, qr/terminated by signal|PANIC|TRAP:/, '(a) nothing crashed');
$na->stop('fast', fail_ok => 1);
note(sprintf('(a) took %.1f s', time() - $t0));

# ================================================================ (b) many databases

$t0 = time();
my $nb = PostgreSQL::Test::Cluster->new('launcher');
$nb->init;
$nb->append_conf('postgresql.conf', q{
shared_preload_libraries = 'backfill'
backfill.launcher_naptime = 1
max_worker_processes = 16
autovacuum = off
restart_after_crash = on
log_statement = none
});
$nb->start;
setup_db($nb, 'postgres');
for my $i (1 .. 8)
{
	$nb->safe_psql('postgres', "CREATE DATABASE db$i");
	setup_db($nb, "db$i") if $i <= 4;
}
sleep(3);
my $pm_pid = postmaster_pid($nb);
my $l_pid  = launcher_pid($nb);
like($l_pid, qr/^\d+$/, "(b) the launcher runs (pid $l_pid) with 9 databases");

# a database without the extension is not visited every naptime
my $commits = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'db6'";
my $before = $nb->safe_psql('postgres', $commits);
sleep(4);
my $after = $nb->safe_psql('postgres', $commits);
cmp_ok($after - $before, '<=', 1,
	"(b) no scanner keeps visiting db6, which lacks the extension ($before -> $after commits)");

# databases created and dropped while the launcher runs
$nb->safe_psql('postgres', 'CREATE DATABASE db9');
setup_db($nb, 'db9');
ok( poll_until($nb, 'postgres', 'DROP DATABASE db5', '', 30),
	'(b) a database is dropped while the launcher runs');
ok( poll_until($nb, 'postgres', 'DROP DATABASE db3', '', 30),
	'(b) a database with the extension is dropped while the launcher runs');
sleep(3);

# an interrupted job in one of the databases is relaunched
$nb->safe_psql('db9', 'CREATE SCHEMA s');
make_table($nb, 'db9', undef, 's', 'ev', 6);
$nb->safe_psql('db9', start_sql('far', 's', 'ev', 0.5, '{}'));
ok( poll_until($nb, 'db9',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE 'backfill job \"far\": building%'",
		'1', 30),
	'(b) the job in db9 works');
$nb->safe_psql('db9',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'backfill worker'");
ok( poll_until($nb, 'db9', "SELECT backfill.wait('far', '50s')", 'completed', 60),
	'(b) the interrupted job was relaunched and completed');
cmp_ok($nb->safe_psql('db9',
		"SELECT count(*) FROM backfill.log WHERE job_name = 'far' AND event = 'relaunched'"),
	'>=', 1, '(b) by the launcher');
is(launcher_pid($nb),   $l_pid,  '(b) the launcher never restarted');
is(postmaster_pid($nb), $pm_pid, '(b) the postmaster is the same');
log_lacks($nb, qr/terminated by signal|PANIC|TRAP:|reinitializing/,
	'(b) no process of the cluster crashed');
note(sprintf('(b) took %.1f s', time() - $t0));

# ================================================================ (c) restart, max_concurrency 2

$t0 = time();
$nb->safe_psql('postgres', 'CREATE SCHEMA c');
make_table($nb, 'postgres', undef, 'c', 'ev', 16);
$nb->safe_psql('postgres', start_sql('twice', 'c', 'ev', 0.7, '{"max_concurrency": 2}'));
ok( poll_until($nb, 'postgres',
		"SELECT chunks_done >= 2 FROM backfill.jobs WHERE name = 'twice'", 't', 30),
	'(c) two chunks done');
$nb->stop('immediate');
$nb->start;
my $max_c = 0;
my $seen  = 0;
$deadline = time() + 90;
while (time() < $deadline)
{
	my ($n) = split /\|/, worker_count($nb, 'nobody');
	$max_c = $n if $n > $max_c;
	$seen++ if $n > 0;
	last
	  if $nb->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE name = 'twice'")
	  ne 'running';
	usleep(100_000);
}
is($nb->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE name = 'twice'"),
	'completed', '(c) the job completed after the restart') or dump_state($nb, 'postgres');
ok($seen > 0, '(c) workers were relaunched');
cmp_ok($max_c, '<=', 2, "(c) never more than max_concurrency = 2 workers (max seen $max_c)");
note($nb->safe_psql('postgres',
		"SELECT string_agg(event || ': ' || detail, '; ' ORDER BY at) FROM backfill.log"
		  . " WHERE job_name = 'twice' AND event IN ('launched', 'relaunched')"));
note(sprintf('(c) took %.1f s', time() - $t0));

# ================================================================ (d) throttle gives the slot back

$t0 = time();
$nb->safe_psql('postgres', 'CREATE SCHEMA d');
make_table($nb, 'postgres', undef, 'd', 'ev', 3);
$nb->safe_psql('postgres', start_sql('held', 'd', 'ev', 0, '{"throttle_query": "SELECT true"}'));
ok( poll_until($nb, 'postgres',
		"SELECT throttled_by IS NOT NULL FROM backfill.progress WHERE name = 'held'", 't', 20),
	'(d) the job is held by its throttle');
ok( poll_until($nb, 'postgres',
		"SELECT count(*) FROM backfill.log WHERE job_name = 'held' AND event = 'throttle_yield'",
		'1', 20),
	'(d) after a few seconds the held worker gives its slot back');
ok( poll_until($nb, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'",
		'0', 10),
	'(d) no worker left');
is($nb->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE name = 'held'"),
	'running', '(d) the job is still running');
$nb->safe_psql('postgres', q{SELECT backfill.set('held', '{"throttle_query": "SELECT false"}')});
ok( poll_until($nb, 'postgres', "SELECT backfill.wait('held', '50s')", 'completed', 60),
	'(d) released, the job is relaunched and completes');
cmp_ok($nb->safe_psql('postgres',
		"SELECT count(*) FROM backfill.log WHERE job_name = 'held' AND event = 'relaunched'"),
	'>=', 1, '(d) by the launcher');
note(sprintf('(d) took %.1f s', time() - $t0));

log_lacks($nb, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');
$nb->stop('fast', fail_ok => 1);
done_testing();

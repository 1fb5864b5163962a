
# Background workers and roles: a job started by a non-superuser runs in a
# worker connected as that role, with that role's rights; other roles do not
# see the job and cannot touch it; the control tables stay closed to them;
# job names with quotes, spaces and semicolons work.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use Time::HiRes qw(usleep time);

my $node = PostgreSQL::Test::Cluster->new('roles');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_worker_processes = 16
log_statement = none
# a crashing backend must not take the rest of the file down with it
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION backfill;
CREATE FUNCTION slow_pass(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE SCHEMA shop AUTHORIZATION alice;
GRANT USAGE ON SCHEMA shop TO bob;
-- read by a job of alice's; alice gets no grant on it
CREATE TABLE public.secret_rates (day date PRIMARY KEY, rate numeric NOT NULL);
INSERT INTO public.secret_rates SELECT date '2024-01-01' + i, 0.08 FROM generate_series(0, 9) i;
REVOKE ALL ON public.secret_rates FROM PUBLIC;
});

# ---------------------------------------------------------------- helpers

sub connstr_as
{
	my ($role) = @_;
	return $node->connstr('postgres') . " user=$role";
}

# SQL as a given role (dies on error).
sub sql_as
{
	my ($role, $query) = @_;
	return $node->safe_psql('postgres', $query, connstr => connstr_as($role));
}

# SQL as a given role: (exit code, stdout, stderr).
sub try_as
{
	my ($role, $query) = @_;
	my ($ret, $out, $err) =
	  $node->psql('postgres', $query, connstr => connstr_as($role));
	return ($ret, $out, $err);
}

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

# shop.$tbl owned by alice: $nparts daily partitions of $per rows.
sub make_orders
{
	my ($tbl, $nparts, $per) = @_;
	my $rows = $nparts * $per;
	sql_as('alice', qq{
CREATE TABLE shop.$tbl (id bigint NOT NULL, day date NOT NULL, amount numeric,
                        tax numeric, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 0 .. $nparts - 1 LOOP
    EXECUTE format('CREATE TABLE shop.%I PARTITION OF shop.$tbl FOR VALUES FROM (%L) TO (%L)',
                   '${tbl}_' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO shop.$tbl SELECT g, date '2024-01-01' + (g % $nparts), (g * 37 % 1000) / 10.0, NULL
FROM generate_series(1, $rows) g;
});
	return;
}

sub fix_source
{
	my ($tbl, $sleep) = @_;
	my $s = "SELECT id, day, amount, round(amount * 0.08, 2) FROM shop.$tbl"
	  . " WHERE day >= \$1 AND day < \$2";
	$s .= " AND slow_pass($sleep)" if $sleep;
	return $s;
}

sub data_check
{
	my ($tbl) = @_;
	return sql(
		"SELECT count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)),"
		  . " count(*) FROM shop.$tbl");
}

# ---------------------------------------------------------------- alice's job

is(sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'"), 'f', 'alice is no superuser');
make_orders('orders', 6, 40);
my $t0 = time();
like( sql_as('alice',
		"SELECT backfill.start('alice job', 'shop.orders', \$s\$" . fix_source('orders', 0.5)
		  . "\$s\$)"),
	qr/^\d+$/, 'alice starts a job on her table');
ok( poll_until($node, 
		"SELECT usename FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE 'backfill job \"alice job\"%'",
		'alice', 10),
	'the worker runs as alice (pg_stat_activity.usename)');
is(sql_as('alice', "SELECT name, owner, state FROM backfill.jobs"),
	'alice job|alice|running', 'alice sees her running job');
is(sql_as('alice', "SELECT workers FROM backfill.jobs WHERE name = 'alice job'"),
	'1', 'alice sees its worker');
is(sql_as('alice', "SELECT backfill.wait('alice job', '20s')"), 'completed',
	'alice waits for her job: completed');
is(data_check('orders'), '0|240', "alice's job corrected every row");
is( sql(
		"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		  . " WHERE n.nspname = 'shop' AND c.relname LIKE 'orders\\_%'"
		  . " AND pg_get_userbyid(c.relowner) <> 'alice'"),
	'0', 'every partition, shadow and retained table belongs to alice');
note(sprintf('alice job took %.1f s', time() - $t0));

# a pending job too, so that every command would have something to do
sql_as('alice', "SELECT backfill.create('alice pending', 'shop.orders', \$s\$"
	  . fix_source('orders') . "\$s\$)");

# ---------------------------------------------------------------- bob sees nothing

for my $view (qw(jobs chunks log progress))
{
	is(sql_as('bob', "SELECT count(*) FROM backfill.$view"),
		'0', "bob sees none of alice's rows in backfill.$view");
}
is(sql("SELECT count(*) FROM backfill.jobs WHERE owner = 'alice'"),
	'2', "the superuser sees alice's jobs");

for my $job ('alice job', 'alice pending')
{
	for my $call (
		"SELECT backfill.pause('$job')",
		"SELECT backfill.cancel('$job')",
		"SELECT backfill.resume('$job')",
		"SELECT backfill.wait('$job', '1s')",
		"SELECT backfill.retry('$job')",
		"SELECT backfill.rollback('$job')",
		"SELECT backfill.purge('$job')",
		"CALL backfill.run('$job')")
	{
		my ($ret, $out, $err) = try_as('bob', $call);
		isnt($ret, 0, "bob: $call fails");
		like($err, qr/backfill job "\Q$job\E" does not exist/,
			"bob: $call says the job does not exist");
	}
}
is(sql("SELECT string_agg(state, ',' ORDER BY name) FROM backfill.jobs WHERE owner = 'alice'"),
	'completed,pending', "bob changed nothing");

my ($ret, $out, $err) =
  try_as('bob', "UPDATE backfill.job SET state = 'cancelled'");
like($err, qr/permission denied for table job/, 'bob cannot UPDATE backfill.job');
($ret, $out, $err) = try_as('bob',
	"INSERT INTO backfill.chunk (job_id, chunk_no) VALUES (1, 99)");
like($err, qr/permission denied for table chunk/, 'bob cannot INSERT INTO backfill.chunk');
($ret, $out, $err) = try_as('alice', "UPDATE backfill.job SET state = 'cancelled'");
like($err, qr/permission denied for table job/, 'alice cannot UPDATE backfill.job either');
($ret, $out, $err) = try_as('bob', "DELETE FROM backfill.event");
like($err, qr/permission denied for table event/, 'bob cannot DELETE FROM backfill.event');

# ---------------------------------------------------------------- the worker has alice's rights only

make_orders('orders2', 4, 10);
$t0 = time();
sql_as('alice',
	"SELECT backfill.start('alice secret', 'shop.orders2', \$s\$SELECT o.id, o.day, o.amount,"
	  . " round(o.amount * r.rate, 2) FROM shop.orders2 o JOIN public.secret_rates r"
	  . " ON r.day = o.day WHERE o.day >= \$1 AND o.day < \$2\$s\$, NULL, NULL,"
	  . " '{\"max_attempts\": 1}')");
is(sql_as('alice', "SELECT backfill.wait('alice secret', '20s')"),
	'failed', 'a source alice may not read fails the job');
like( sql_as('alice',
		"SELECT error FROM backfill.chunks WHERE job_name = 'alice secret' AND state = 'failed'"),
	qr/permission denied for table secret_rates/,
	'backfill.chunks.error says permission denied for table secret_rates');
is(sql_as('alice', "SELECT state FROM backfill.jobs WHERE name = 'alice secret'"),
	'failed', 'job failed');
is(sql("SELECT count(*) FILTER (WHERE tax IS NOT NULL), count(*) FROM shop.orders2"),
	'0|40', 'nothing was published');
note(sprintf('alice secret took %.1f s', time() - $t0));

# ---------------------------------------------------------------- awkward job names

make_orders('orders3', 3, 10);
my $name = q{it's a "fix"; DROP TABLE shop.orders3; --};
(my $lit = $name) =~ s/'/''/g;
my $started = sql(qq{
SET ROLE alice;
SELECT backfill.start('$lit', 'shop.orders3', \$s\$} . fix_source('orders3') . qq{\$s\$);
});
like($started, qr/^\d+$/, 'start with quotes, spaces and a semicolon in the name (SET ROLE alice)');
is(sql_as('alice', "SELECT backfill.wait('$lit', '20s')"), 'completed',
	'wait with that name: completed');
is(sql("SELECT owner FROM backfill.jobs WHERE name = '$lit'"), 'alice',
	'the job belongs to alice');
is(data_check('orders3'), '0|30', 'that job corrected its table (which still exists)');
is(sql_as('alice', "SELECT count(*) FROM backfill.log WHERE job_name = '$lit'"
	  . " AND event = 'job_completed'"), '1', 'log under the exact name');
is(sql_as('alice', "SELECT backfill.purge('$lit')"), '3', 'purge with that name');

# ---------------------------------------------------------------- a NOLOGIN owner role

# Tables are often owned by a NOLOGIN role that people SET ROLE to. A worker
# cannot connect as such a role on PostgreSQL 15, so start must either refuse
# up front or still get the job done; never leave a running job that no
# worker can ever work on.
sql(q{
CREATE ROLE owners NOLOGIN;
GRANT owners TO alice;
CREATE SCHEMA ops AUTHORIZATION owners;
SET ROLE owners;
CREATE TABLE ops.t (id bigint NOT NULL, day date NOT NULL, amount numeric, tax numeric)
PARTITION BY RANGE (day);
CREATE TABLE ops.t_0 PARTITION OF ops.t FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE ops.t_1 PARTITION OF ops.t FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
INSERT INTO ops.t SELECT g, date '2024-01-01' + (g % 2), g, NULL FROM generate_series(1, 20) g;
});
($ret, $out, $err) = try_as('alice',
	"SET ROLE owners; SELECT backfill.start('nologin owner', 'ops.t', \$s\$SELECT id, day,"
	  . " amount, round(amount * 0.08, 2) FROM ops.t WHERE day >= \$1 AND day < \$2\$s\$)");
if ($ret != 0)
{
	like($err, qr/log ?in/i,
		'start by a NOLOGIN role is refused with an error about logging in');
	is(sql("SELECT count(*) FROM backfill.jobs WHERE name = 'nologin owner'"),
		'0', 'and creates nothing');
}
else
{
	ok( poll_until($node, 
			"SELECT state FROM backfill.jobs WHERE name = 'nologin owner'",
			'completed', 15),
		'a job started by a NOLOGIN role (SET ROLE) completes')
	  or diag(
		sql("SELECT state, workers, interrupted, last_error FROM backfill.jobs"
			  . " WHERE name = 'nologin owner'") . "\n"
		  . join("\n",
			grep { /not permitted to log in/ } split /\n/, slurp_file($node->logfile)));
	is(sql("SELECT count(*) FILTER (WHERE tax IS NOT NULL) FROM ops.t"),
		'20', 'and corrected the rows');
}

log_lacks($node, qr/terminated by signal|PANIC|TRAP:/, 'no backend crashed');

$node->stop('fast', fail_ok => 1);
done_testing();

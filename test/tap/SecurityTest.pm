
# Shared helpers of the security suites (040_security.pl, 042_security_ownership.pl):
# a cluster with an attacker role "mallory", a victim role "alice", a schema
# "vault" only superusers can write, and mallory's malicious functions.
#
# mallory.evil(tag) is what every attack tries to get run with someone
# else's rights: it writes a line "bf-evil tag=... user=... super=..." to the
# server log (super=t when it runs as a superuser), then tries
# ALTER ROLE mallory SUPERUSER and CREATE TABLE vault.pwned_<tag>. Run as
# mallory both fail (and are swallowed); run as a superuser both succeed.
# gained_nothing() checks all three traces, and undoes any success so that
# the next attack starts clean.

package SecurityTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use BackfillTest;

our @EXPORT = qw(
  sec_node
  cs
  q_as
  su
  as_role
  log_pos
  gained_nothing
  make_table
  plain_source
  norm_err
  poll_as
);

my $node;

# sec_node(NAME): the started cluster with the roles, schemas and functions.
sub sec_node
{
	my ($name) = @_;
	$node = new_backfill_node($name, qq{
max_worker_processes = 16
restart_after_crash = on
});
	$node->safe_psql('postgres', q{
CREATE ROLE mallory LOGIN;
CREATE ROLE alice LOGIN;
CREATE ROLE minion NOLOGIN;
GRANT minion TO mallory;
CREATE SCHEMA mallory AUTHORIZATION mallory;
CREATE SCHEMA alice AUTHORIZATION alice;
-- only superusers can create here: a table in it proves superuser rights
CREATE SCHEMA vault;
-- a schema shared by tenants
CREATE SCHEMA common;
GRANT USAGE, CREATE ON SCHEMA common TO alice, mallory;
});
	$node->safe_psql('postgres', q{
CREATE FUNCTION mallory.evil(tag text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
DECLARE su boolean;
BEGIN
    SELECT r.rolsuper INTO su FROM pg_catalog.pg_roles r
     WHERE r.rolname OPERATOR(pg_catalog.=) current_user;
    RAISE LOG 'bf-evil tag=% user=% session=% super=%', tag, current_user, session_user, su;
    BEGIN
        EXECUTE 'ALTER ROLE mallory SUPERUSER';
    EXCEPTION WHEN others THEN NULL;
    END;
    BEGIN
        EXECUTE pg_catalog.format('CREATE TABLE vault.%I (x int)', 'pwned_' || tag);
    EXCEPTION WHEN others THEN NULL;
    END;
    RETURN true;
END
$f$;
-- usable where only IMMUTABLE functions are (index expressions, CHECK)
CREATE FUNCTION mallory.evil_imm(x bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
    PERFORM mallory.evil('imm');
    RETURN x;
END
$f$;
-- operators shadowing the ones backfill's control-table SQL uses, once
-- mallory's schema comes before pg_catalog in search_path
CREATE FUNCTION mallory.eq_int8(a bigint, b bigint) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM mallory.evil('op_int8');
    RETURN a OPERATOR(pg_catalog.=) b;
END
$f$;
CREATE OPERATOR mallory.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = mallory.eq_int8);
CREATE FUNCTION mallory.eq_text(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM mallory.evil('op_text');
    RETURN a OPERATOR(pg_catalog.=) b;
END
$f$;
CREATE OPERATOR mallory.= (LEFTARG = text, RIGHTARG = text, FUNCTION = mallory.eq_text);
CREATE FUNCTION mallory.eq_int4(a int, b int) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM mallory.evil('op_int4');
    RETURN a OPERATOR(pg_catalog.=) b;
END
$f$;
CREATE OPERATOR mallory.= (LEFTARG = int, RIGHTARG = int, FUNCTION = mallory.eq_int4);
}, connstr => cs('mallory'));
	return $node;
}

# The connection string of a role (undef: the bootstrap superuser).
sub cs
{
	my ($role) = @_;
	return $node->connstr('postgres') . (defined $role ? " user=$role" : '');
}

# q_as(ROLE, SQL[, timeout => S, stop => 0|1]): (rc, stdout, stderr),
# never dies; rc is 'timeout' when the psql did not end within S seconds.
sub q_as
{
	my ($role, $sql, %o) = @_;
	my $to = 0;
	my ($rc, $out, $err) = $node->psql(
		'postgres', $sql,
		connstr       => cs($role),
		on_error_stop => ($o{stop} // 1),
		timeout       => ($o{timeout} // 90),
		timed_out     => \$to);
	$rc = 'timeout' if $to;
	return ($rc, $out // '', $err // '');
}

# SQL as the superuser; dies on error.
sub su
{
	return $node->safe_psql('postgres', $_[0]);
}

# SQL as a role; dies on error.
sub as_role
{
	my ($role, $sql) = @_;
	return $node->safe_psql('postgres', $sql, connstr => cs($role));
}

# The current end of the server log, to look at what follows it.
sub log_pos
{
	return -s $node->logfile;
}

# gained_nothing(WHAT, LOG_POS): mallory is no superuser, nothing was created
# in vault, and mallory.evil never ran as a superuser since LOG_POS. Undoes
# any escalation afterwards, so that each attack is judged on its own.
sub gained_nothing
{
	my ($what, $from) = @_;
	is(su("SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"),
		'f', "$what: mallory is still no superuser");
	is( su( "SELECT coalesce(string_agg(relname, ','), '') FROM pg_class c"
			  . " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'vault'"),
		'', "$what: mallory's code created nothing in the superuser-only schema");
	my $log = slurp_file($node->logfile);
	my @hits = grep { /bf-evil .*super=t/ } split /\n/, substr($log, $from // 0);
	ok(!@hits, "$what: mallory's code never ran with superuser rights")
	  or diag("ran as superuser:\n" . join("\n", @hits[ 0 .. ($#hits < 4 ? $#hits : 4) ]));
	su(q{
ALTER ROLE mallory NOSUPERUSER;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'vault' AND c.relkind = 'r' LOOP
        EXECUTE format('DROP TABLE vault.%I', r.relname);
    END LOOP;
END
$$;});
	return;
}

# make_table(ROLE, QNAME, NPARTS[, ROWS_PER_PART, EXTRA_COLUMNS]): a table
# RANGE-partitioned by day from 2024-01-01, partitions <name>_p0 .. ,
# columns (id bigint, day date, amount numeric, amount2 numeric[, extra]).
sub make_table
{
	my ($role, $qname, $nparts, $per, $extra) = @_;
	$per //= 3;
	my ($schema, $name) = split /\./, $qname;
	my $rows = $nparts * $per;
	my $cols = $extra ? ", $extra" : '';
	as_role($role, qq{
CREATE TABLE $qname (id bigint NOT NULL, day date NOT NULL, amount numeric NOT NULL,
                     amount2 numeric$cols, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 0 .. $nparts - 1 LOOP
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF $qname FOR VALUES FROM (%L) TO (%L)',
                   '$schema', '${name}_p' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO $qname (id, day, amount, amount2)
SELECT g, date '2024-01-01' + (g % $nparts), g, g FROM generate_series(1, $rows) g;
});
	return;
}

# The source recomputing amount2 = amount * 2; EXTRA is ANDed to the WHERE.
sub plain_source
{
	my ($qname, $extra) = @_;
	return "SELECT id, day, amount, amount * 2 FROM $qname WHERE day >= \$1 AND day < \$2"
	  . (defined $extra ? " AND $extra" : '');
}

# An error text with the given names replaced by NAME, without psql's
# line prefixes, for comparing two errors.
sub norm_err
{
	my ($err, @names) = @_;
	for my $n (@names)
	{
		$err =~ s/\Q$n\E/NAME/g;
	}
	$err =~ s/^psql:[^:]*:\d+: //mg;
	return $err;
}

# poll_as(ROLE, SQL, CODE, SECONDS): runs SQL every 100 ms until CODE(out)
# is true; returns the last output (CODE decides) or undef on timeout.
sub poll_as
{
	my ($role, $sql, $code, $seconds) = @_;
	my $deadline = time + $seconds;
	my $last;
	while (time < $deadline)
	{
		my ($rc, $out, $err) = q_as($role, $sql);
		$last = $out;
		return $out if $rc eq '0' && $code->($out);
		usleep(100_000);
	}
	diag("poll_as: gave up after $seconds s on [$sql], last output [" . ($last // '') . "]");
	return undef;
}

1;

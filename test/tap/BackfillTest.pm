
# Shared helpers for backfill's Perl TAP tests (test/tap/*.pl).
#
# Loaded with "use BackfillTest;" (test.sh runs prove with -I test/tap).
# Every helper dies or fails with a message that says what was waited for,
# so a hung or broken run reads clearly in the regress log.

package BackfillTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(
  new_backfill_node
  create_events
  events_source
  table_checksum
  partition_figures
  wait_for
  wait_for_query
  start_psql
  finish_psql
  shadow_tables
  job_state
  backend_pid_of
  activity_report
  poll_until
  dump_state
  log_lacks
);

# The upper limit of every wait, in seconds.
our $TIMEOUT = $PostgreSQL::Test::Utils::timeout_default;

# new_backfill_node(NAME, EXTRA_CONF): a started cluster with the backfill
# extension created in database "postgres".
sub new_backfill_node
{
	my ($name, $extra) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf(
		'postgresql.conf', qq{
max_connections = 40
fsync = off
log_min_messages = warning
log_statement = 'none'
log_line_prefix = '%m [%p] %a '
lock_timeout = 0
} . ($extra // ''));
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION backfill');
	return $node;
}

# create_events(NODE, DB, PARTITIONS, ROWS_PER_PARTITION): the table the
# tests backfill, RANGE-partitioned by day from 2024-01-01, one partition per
# day, named events_YYYYMMDD; amount2 starts equal to amount, so a source
# computing amount * 2 changes every row.
sub create_events
{
	my ($node, $db, $parts, $per_part) = @_;
	my $total = $parts * $per_part;
	$node->safe_psql(
		$db, qq{
CREATE TABLE events (
    id      bigint NOT NULL,
    day     date NOT NULL,
    amount  numeric(12,2) NOT NULL,
    amount2 numeric(14,2),
    note    text DEFAULT 'orig',
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE INDEX events_amount2_idx ON events (amount2);
DO \$\$
DECLARE d date;
BEGIN
    FOR i IN 0 .. $parts - 1 LOOP
        d := date '2024-01-01' + i;
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                       'events_' || to_char(d, 'YYYYMMDD'), d, d + 1);
    END LOOP;
END
\$\$;
INSERT INTO events (id, day, amount, amount2)
SELECT g, date '2024-01-01' + (g % $parts), (g % 1000) / 10.0 + 1, (g % 1000) / 10.0 + 1
FROM generate_series(1, $total) g;
ANALYZE events;
});
	return;
}

# The source that the tests use unless they need another one: every column
# as it is, amount2 recomputed. EXTRA is appended to the WHERE clause.
sub events_source
{
	my ($extra) = @_;
	return 'SELECT id, day, amount, amount * 2, note FROM events'
	  . ' WHERE day >= $1 AND day < $2'
	  . (defined $extra ? " AND $extra" : '');
}

# table_checksum(NODE, DB[, TABLE]): md5 of every row of the table in key
# order, plus the row count, "count:md5".
sub table_checksum
{
	my ($node, $db, $table) = @_;
	$table //= 'events';
	return $node->safe_psql($db,
		"SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY id, day)) FROM $table t"
	);
}

# partition_figures(NODE, DB, EXPR): { partition => "count:sum(EXPR)" } as
# seen through the parent.
sub partition_figures
{
	my ($node, $db, $expr) = @_;
	my $out = $node->safe_psql($db,
		"SELECT tableoid::regclass || '|' || count(*) || ':' || sum($expr) FROM events GROUP BY tableoid"
	);
	my %fig;
	for my $line (split /\n/, $out)
	{
		my ($p, $v) = split /\|/, $line;
		$fig{$p} = $v;
	}
	return \%fig;
}

# wait_for(WHAT, CODE[, TIMEOUT]): calls CODE every 50 ms until it returns
# true; dies with "timed out after N s waiting for WHAT" otherwise.
sub wait_for
{
	my ($what, $code, $timeout) = @_;
	$timeout //= $TIMEOUT;
	my $deadline = time + $timeout;
	while (time < $deadline)
	{
		my $r = $code->();
		return $r if $r;
		usleep(50_000);
	}
	die "timed out after $timeout s waiting for $what\n";
}

# wait_for_query(NODE, DB, QUERY, EXPECTED, WHAT[, TIMEOUT]): polls QUERY
# until its output equals EXPECTED; dies with the last output otherwise.
sub wait_for_query
{
	my ($node, $db, $query, $expected, $what, $timeout) = @_;
	my $last = '';
	eval {
		wait_for(
			$what,
			sub {
				my ($rc, $out, $err) = $node->psql($db, $query);
				$last = $rc == 0 ? $out : "error: $err";
				return $rc == 0 && $out eq $expected;
			},
			$timeout);
	};
	die "$@  last output of [$query]: [$last], expected [$expected]\n"
	  . activity_report($node, $db)
	  if $@;
	return $last;
}

# activity_report(NODE, DB): what every session is doing and waiting for,
# and the chunks' states, for failure messages.
sub activity_report
{
	my ($node, $db) = @_;
	my ($rc, $out, $err) = $node->psql(
		$db, q{
SELECT 'session ' || pid || ' ' || coalesce(application_name, '') || ' ' || coalesce(state, '')
       || ' wait=' || coalesce(wait_event_type || ':' || wait_event, '-')
       || ' blocked_by=' || pg_blocking_pids(pid)::text || ' query=' || left(query, 120)
FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid();
SELECT 'lock ' || pid || ' ' || locktype || ' ' || coalesce(relation::regclass::text, '') || ' ' || mode
       || CASE WHEN granted THEN '' ELSE ' WAITING' END
FROM pg_locks WHERE locktype = 'relation' AND pid <> pg_backend_pid() AND relation::regclass::text NOT LIKE 'pg_%';
SELECT 'chunk ' || job_name || ' ' || chunk_no || ' ' || state || ' attempts=' || attempts
       || coalesce(' error=' || error, '') FROM backfill.chunks;});
	return "activity:\n$out$err\n";
}

# start_psql(NODE, DB, SQL, NAME): a psql process in the background running
# SQL (written to a file) with ON_ERROR_STOP; returns a handle for
# finish_psql. Its stdout and stderr are collected in the handle.
sub start_psql
{
	my ($node, $db, $sql, $name) = @_;
	my $file = "$PostgreSQL::Test::Utils::tmp_check/$name.sql";
	open my $fh, '>', $file or die "cannot write $file: $!";
	print $fh $sql;
	close $fh;
	my %h = (name => $name, out => '', err => '');
	$h{timer} = IPC::Run::timeout($TIMEOUT, name => "psql $name");
	$h{run} = IPC::Run::start(
		[
			'psql', '-X', '-A', '-t', '-q',
			'-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr($db) . " application_name=$name",
			'-f', $file
		],
		'<', \undef, '>', \$h{out}, '2>', \$h{err}, $h{timer});
	return \%h;
}

# finish_psql(HANDLE): waits for the psql to end; returns its exit code (or
# "timeout"/"killed: N"). Output stays in $h->{out} and $h->{err}.
sub finish_psql
{
	my ($h) = @_;
	my $ok = eval { $h->{run}->finish; 1 };
	if (!$ok)
	{
		my $e = $@;
		$h->{run}->kill_kill;
		return "timeout ($e)";
	}
	my $res = $h->{run}->full_result(0);
	return ($res & 127) ? 'killed: ' . ($res & 127) : ($res >> 8);
}

# shadow_tables(NODE, DB): names of leftover shadow tables (…_bf<job>_<chunk>_new).
sub shadow_tables
{
	my ($node, $db) = @_;
	return $node->safe_psql($db,
		q{SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname ~ '_bf[0-9]+_[0-9]+_new$' AND relkind = 'r'}
	);
}

sub job_state
{
	my ($node, $db, $job) = @_;
	return $node->safe_psql($db, "SELECT state FROM backfill.jobs WHERE name = '$job'");
}

# backend_pid_of(NODE, DB, APPLICATION_NAME): the pid of the one backend
# with that application_name, waiting for it to show up.
sub backend_pid_of
{
	my ($node, $db, $appname) = @_;
	my $pid;
	wait_for(
		"a backend with application_name $appname",
		sub {
			$pid = $node->safe_psql($db,
				"SELECT pid FROM pg_stat_activity WHERE application_name = '$appname'");
			return $pid =~ /^\d+$/;
		});
	return $pid;
}


# poll_until(NODE, QUERY, EXPECTED, SECONDS): polls QUERY in database
# "postgres" every 50 ms until its output equals EXPECTED; returns the
# seconds it took ("%.2f"), or undef after SECONDS, when it shows the last
# output and the jobs' state. Unlike wait_for_query it does not die, for
# tests that go on to check what happened instead.
sub poll_until
{
	my ($node, $query, $expected, $seconds) = @_;
	my $t0       = time();
	my $deadline = $t0 + $seconds;
	my ($ret, $out, $err);
	for (;;)
	{
		($ret, $out, $err) = $node->psql('postgres', $query);
		return sprintf('%.2f', time() - $t0) if $ret == 0 && $out eq $expected;
		last if time() > $deadline;
		usleep(50_000);
	}
	diag("poll_until: no '$expected' within ${seconds}s from: $query\n"
		  . "last output: '$out', stderr: '$err'");
	dump_state($node);
	return undef;
}

# dump_state(NODE[, DB]): the jobs, unfinished chunks, last events, sessions and
# lock waits of database DB ["postgres"], as a diagnostic.
sub dump_state
{
	my ($node, $db) = @_;
	my (undef, $out, $err) = $node->psql($db // 'postgres', q{
SELECT 'job', name, state, workers, interrupted, chunks_done, chunks_total, last_error
FROM backfill.jobs ORDER BY id;
SELECT 'chunk', job_name, chunk_no, state, attempts, error FROM backfill.chunks
WHERE state <> 'published';
SELECT 'event', job_name, at, chunk_no, event, detail FROM backfill.log
ORDER BY at DESC LIMIT 30;
SELECT 'activity', pid, backend_type, wait_event_type, wait_event, state, query
FROM pg_stat_activity WHERE backend_type LIKE 'backfill%' OR backend_type = 'client backend';
SELECT 'lock', l.pid, l.locktype, l.relation::regclass, l.mode, l.granted
FROM pg_locks l WHERE NOT l.granted;
});
	diag("state dump:\n$out\n$err");
	return;
}

# log_lacks(NODE, RE, LABEL): passes when no line of the server log matches
# RE; shows the lines that do.
sub log_lacks
{
	my ($node, $re, $label) = @_;
	my @hits = grep { /$re/ } split /\n/, slurp_file($node->logfile);
	ok(!@hits, $label) or diag(join("\n", @hits));
	return;
}

1;


# Copyright (c) backfill authors
#
# max_replication_lag_bytes and max_replication_lag against a real
# streaming standby: with replay paused on the standby, the primary's jobs
# are held (throttled_by names replication_lag); once replay resumes they
# complete, and after the standby caught up the targets are identical on
# both nodes.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use Time::HiRes qw(usleep time);

my $NPARTS = 4;
my $PER    = 500;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
# allows_streaming keeps the cluster tiny (max_connections 10, 1MB of
# shared_buffers); the worker and the test's sessions need a bit more.
$primary->append_conf('postgresql.conf', q{
max_connections = 30
shared_buffers = 16MB
max_worker_processes = 16
log_statement = none
});
$primary->start;

$primary->safe_psql('postgres', qq{
CREATE EXTENSION backfill;
CREATE TABLE events (id bigint NOT NULL, day date NOT NULL, amount numeric,
                     tax numeric, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 0 .. $NPARTS - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                   'events_' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO events SELECT g, date '2024-01-01' + (g % $NPARTS), (g * 37 % 1000) / 10.0, NULL
FROM generate_series(1, $NPARTS * $PER) g;
-- the same for the job held by the time lag
CREATE TABLE events2 (LIKE events INCLUDING ALL) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 0 .. $NPARTS - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF events2 FOR VALUES FROM (%L) TO (%L)',
                   'events2_' || i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
  END LOOP;
END \$\$;
INSERT INTO events2 SELECT * FROM events;
});

$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

my $checksum  = q{SELECT md5(string_agg(t::text, ',' ORDER BY id, day)) FROM events t};
my $checksum2 = q{SELECT md5(string_agg(t::text, ',' ORDER BY id, day)) FROM events2 t};
is($standby->safe_psql('postgres', $checksum),
	$primary->safe_psql('postgres', $checksum), 'standby has the table before the job');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_replication'),
	'1', 'one standby streams from the primary');

sub sql
{
	return $primary->safe_psql('postgres', $_[0]);
}

sub progress
{
	my ($name, $cols) = @_;
	return sql("SELECT $cols FROM backfill.progress WHERE name = '$name'");
}

# ---------------------------------------------------------------- replay paused

$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
ok( defined poll_until(
		$standby, 'SELECT pg_get_wal_replay_pause_state()', 'paused', 30),
	'replay paused on the standby');

# Some WAL the standby receives but does not replay.
sql(q{CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g});
ok( defined poll_until(
		$primary,
		'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) > 100000'
		  . ' FROM pg_stat_replication', 't', 30),
	'the standby replay_lsn fell behind by more than 100 kB');
note('replication: '
	  . sql(
		'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), replay_lag'
		  . ' FROM pg_stat_replication'));

my $src = 'SELECT id, day, amount, round(amount * 0.08, 2) FROM events'
  . ' WHERE day >= $1 AND day < $2';
like( sql(
		"SELECT backfill.start('lag', 'events', \$src\$$src\$src\$, NULL, NULL,"
		  . " '{\"max_replication_lag_bytes\": 1000}')"),
	qr/^\d+$/, 'job started with max_replication_lag_bytes 1000');
ok( defined poll_until(
		$primary,
		"SELECT throttled_by LIKE 'replication_lag%' FROM backfill.progress WHERE name = 'lag'",
		't', 10),
	"throttled_by starts with 'replication_lag'");
my $reason = progress('lag', 'throttled_by');
note("throttled_by: $reason");
like($reason, qr/^replication_lag_bytes \d+ > 1000$/, 'the reason gives the lag in bytes');

my @seen;
for my $i (1 .. 4)
{
	push @seen, progress('lag', 'chunks_done');
	sleep 1;
}
is("@seen", '0 0 0 0', 'no progress while the standby does not replay (4 samples over 4 s)');
is(progress('lag', 'state'), 'running', 'the job is running (held)');
like( sql(
		"SELECT detail FROM backfill.log WHERE job_name = 'lag' AND event = 'throttle_hold'"
		  . ' ORDER BY at LIMIT 1'),
	qr/^replication_lag_bytes \d+ > 1000$/, 'throttle_hold logged with the reason');

# The time lag: pg_stat_replication.replay_lag is only refreshed by a reply
# from the standby, which comes when it receives WAL; write a little until
# it shows more than 2 s.
my $lag_ok = 0;
for my $i (1 .. 100)
{
	sql('INSERT INTO filler VALUES (0, NULL)');
	if (sql("SELECT replay_lag > interval '2s' FROM pg_stat_replication") eq 't')
	{
		$lag_ok = 1;
		last;
	}
	usleep(200_000);
}
ok($lag_ok, 'replay_lag exceeds 2 s');
$src =~ s/FROM events /FROM events2 /;
like( sql(
		"SELECT backfill.start('lagtime', 'events2', \$src\$$src\$src\$, NULL, NULL,"
		  . " '{\"max_replication_lag\": \"1s\"}')"),
	qr/^\d+$/, 'second job started with max_replication_lag 1s');
ok( defined poll_until(
		$primary,
		"SELECT throttled_by LIKE 'replication_lag %' FROM backfill.progress WHERE name = 'lagtime'",
		't', 10),
	"max_replication_lag: throttled_by starts with 'replication_lag '");
$reason = progress('lagtime', 'throttled_by');
note("throttled_by: $reason");
like($reason, qr/^replication_lag [\d.]+s > 1s$/, 'the reason gives the lag in seconds');
sleep 2;
is(progress('lagtime', 'chunks_done') . '|' . progress('lag', 'chunks_done'),
	'0|0', 'neither job made progress while replay is paused');

# ---------------------------------------------------------------- replay resumed

my $t_resume = time();
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
is(sql("SELECT backfill.wait('lag', '120s')"), 'completed',
	'replay resumed: the job completes');
note(sprintf('completed %.1f s after replay resumed', time() - $t_resume));
is(sql("SELECT backfill.wait('lagtime', '120s')"), 'completed',
	'replay resumed: the job held by the time lag completes too');
note('events: '
	  . sql(
		"SELECT string_agg(event || coalesce(' ' || chunk_no, '') || coalesce(' (' || nullif(detail, '') || ')', ''), ', ' ORDER BY at)"
		  . " FROM backfill.log WHERE job_name = 'lag' AND event NOT IN ('created', 'launched')"));
cmp_ok(
	sql("SELECT count(*) FROM backfill.log WHERE job_name = 'lag' AND event = 'throttle_release'"),
	'>=', 1, 'throttle_release logged');
is(progress('lag', "coalesce(throttled_by, '<null>')"), '<null>', 'throttled_by cleared');
for my $t ('events', 'events2')
{
	is( sql(
			'SELECT count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)), count(*)'
			  . " FROM $t"),
		'0|' . ($NPARTS * $PER), "primary: every row of $t corrected, none lost");
}

$primary->wait_for_catchup($standby);
my $sum_p = $primary->safe_psql('postgres', $checksum);
my $sum_s = $standby->safe_psql('postgres', $checksum);
is($sum_s, $sum_p, 'the target is identical on primary and standby');
is($standby->safe_psql('postgres', $checksum2),
	$primary->safe_psql('postgres', $checksum2),
	'the second target is identical on primary and standby');
isnt($sum_p, $primary->safe_psql('postgres', $checksum =~ s/FROM events t/FROM (SELECT id, day, amount, NULL::numeric FROM events) t/r),
	'(the checksum covers the recomputed column)');
is( $standby->safe_psql('postgres',
		"SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass"),
	$NPARTS, 'standby: every partition attached');

$standby->stop;
$primary->stop;
done_testing();


# Copyright (c) backfill authors
#
# CALL backfill.run(name, max_chunks => 2) from pg_cron: a 4-partition job
# scheduled every minute completes over several runs, each chunk built once.
# pg_cron 1.4 schedules by the minute, so this takes two to three minutes.
# Skipped when pg_cron is not installed.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $NPARTS = 4;
my $PER    = 100;

my $sharedir = `pg_config --sharedir`;
my $pkglibdir = `pg_config --pkglibdir`;
chomp($sharedir, $pkglibdir);
if (!-f "$sharedir/extension/pg_cron.control" || !-f "$pkglibdir/pg_cron.so")
{
	plan skip_all => "pg_cron is not installed (no $sharedir/extension/pg_cron.control)";
}

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
# pg_cron connects through libpq to cron.host (default localhost, which the
# test node does not listen on): point it to the node's socket directory.
my $host = $node->host;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '$host'
max_worker_processes = 16
log_statement = none
});
$node->start;

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

sql(qq{
CREATE EXTENSION pg_cron;
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
});
note('pg_cron ' . sql("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'"));

like( sql(
		q{SELECT backfill.create('job', 'events',
  $$SELECT id, day, amount, round(amount * 0.08, 2) FROM events WHERE day >= $1 AND day < $2$$)}
	),
	qr/^\d+$/, 'job created');
is(sql("SELECT chunks_total FROM backfill.jobs WHERE name = 'job'"), $NPARTS, "$NPARTS chunks");

my $t0 = time();
my $cron_id =
  sql(q{SELECT cron.schedule('bf', '* * * * *', $$CALL backfill.run('job', max_chunks => 2)$$)});
like($cron_id, qr/^\d+$/, 'scheduled every minute');

my $state;
while (time() - $t0 < 200)
{
	$state = sql("SELECT state FROM backfill.jobs WHERE name = 'job'");
	last if $state eq 'completed' || $state eq 'failed' || $state eq 'cancelled';
	sleep 2;
}
my $took = time() - $t0;
is($state, 'completed', 'the job completed within 200 s');
note(sprintf('completed %.0f s after cron.schedule', $took));
sql(q{SELECT cron.unschedule('bf')});

my $runs = sql(
	"SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed')"
	  . " FROM cron.job_run_details WHERE jobid = $cron_id");
note("cron.job_run_details (succeeded|failed): $runs");
my ($ok_runs, $failed_runs) = split /\|/, $runs;
cmp_ok($ok_runs, '>=', 2, 'pg_cron ran the call at least twice, successfully');
is($failed_runs, '0', 'no failed cron run');
note('cron runs: '
	  . sql(
		"SELECT string_agg(start_time::time(0) || ' ' || status || ' ' || coalesce(return_message, ''),"
		  . " '; ' ORDER BY runid) FROM cron.job_run_details WHERE jobid = $cron_id"));
note('backfill.log: '
	  . sql(
		"SELECT string_agg(at::time(0) || ' ' || event || coalesce(' ' || chunk_no, ''), ', ' ORDER BY at)"
		  . " FROM backfill.log WHERE job_name = 'job'"));
cmp_ok(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'job' AND event = 'run'"),
	'>=', 2, 'backfill.log shows at least two runs');
is( sql(
		q{SELECT count(*), count(*) FILTER (WHERE attempts = 1 AND state = 'published')
          FROM backfill.chunks WHERE job_name = 'job'}),
	"$NPARTS|$NPARTS", 'every chunk published at its first attempt');

# Between two consecutive 'run' events at most two chunks were published.
is( sql(
		q{WITH r AS (SELECT at, lead(at) OVER (ORDER BY at) AS next_at
                     FROM backfill.log WHERE job_name = 'job' AND event = 'run')
          SELECT coalesce(max(n), 0) FROM (
            SELECT count(l.*) AS n FROM r LEFT JOIN backfill.log l ON l.job_name = 'job'
              AND l.event = 'chunk_published' AND l.at >= r.at
              AND (r.next_at IS NULL OR l.at < r.next_at)
            GROUP BY r.at) s}),
	'2', 'each run published at most max_chunks = 2 chunks');
# The run that publishes the last chunk completes the job: it does not stay
# 'running' (all chunks published) until the next cron run a minute later.
is( sql(
		q{SELECT (SELECT max(at) FROM backfill.log WHERE job_name = 'job' AND event = 'job_completed')
               - (SELECT max(at) FROM backfill.log WHERE job_name = 'job' AND event = 'chunk_published')
               < interval '10s'}),
	't', 'the job completed in the run that published its last chunk');
is( sql(
		'SELECT count(*) FILTER (WHERE tax IS DISTINCT FROM round(amount * 0.08, 2)), count(*)'
		  . ' FROM events'),
	'0|' . ($NPARTS * $PER), 'every row corrected, none lost');

$node->stop;
done_testing();


# Readers never see an empty partition (issue 9, item 11). A REPEATABLE
# READ transaction whose snapshot is older than a build would find the
# swapped-in partition empty; publication waits for it, bounded by
# snapshot_wait:
#   A  backfill.publish() (publish = manual) waits for such a reader; past
#      snapshot_wait it publishes nothing and says why in a WARNING naming
#      the reader's pid; once the reader ends, it publishes;
#   B  a REPEATABLE READ transaction that called backfill.wait() is waited
#      for like any other reader (only READ COMMITTED waiters, whose next
#      statement takes a fresh snapshot, are exempt);
#   C  with hot_standby_feedback, a REPEATABLE READ reader on a streaming
#      standby (its xmin reported through pg_stat_replication.backend_xmin)
#      holds publication too.
# 0.1.0 published at once in A, did not wait for wait() callers in B, and
# never looked at standbys in C: the readers saw empty partitions.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $PARTS    = 3;
my $PER_PART = 400;
my $db       = 'postgres';

my $primary = PostgreSQL::Test::Cluster->new('readers');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', q{
max_connections = 30
shared_buffers = 16MB
max_worker_processes = 16
fsync = off
log_statement = none
lock_timeout = 0
});
$primary->start;
$primary->safe_psql($db, 'CREATE EXTENSION backfill');
create_events($primary, $db, $PARTS, $PER_PART);

sub sql { return $primary->safe_psql($db, $_[0]); }

# "partition|count|sum" per partition, as a reader printed them.
my $FIGURES = 'SELECT tableoid::regclass, count(*), sum(amount2) FROM events GROUP BY 1 ORDER BY 1';

sub open_reader
{
	my ($node) = @_;
	my $reader = $node->background_psql($db);
	$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1;');
	my $pid = $reader->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	return ($reader, $pid);
}

sub source_times
{
	my ($k) = @_;
	return "SELECT id, day, amount, amount * $k, note FROM events WHERE day >= \$1 AND day < \$2";
}

# ------------------------------------------------------------------ A
subtest 'A: backfill.publish() waits for older snapshots' => sub {
	my $old = sql($FIGURES);
	my ($reader, $reader_pid) = open_reader($primary);
	my $src = source_times(2);
	sql("SELECT backfill.start('man', 'events', \$src\$$src\$src\$, NULL, NULL,"
		  . " '{\"publish\": \"manual\", \"snapshot_wait\": \"2s\"}')");
	wait_for_query($primary, $db,
		"SELECT state || '/' || (SELECT count(*) FROM backfill.chunks WHERE job_name = 'man' AND state = 'built')"
		  . " FROM backfill.jobs WHERE name = 'man'",
		"paused/$PARTS", 'every chunk to be built, the job awaiting publication');

	my ($rc, $out, $err) = $primary->psql($db, "SELECT backfill.publish('man')");
	is($rc,  0,   'publish() returns');
	is($out, '0', 'publish() published nothing while an older snapshot lives');
	like($err, qr/WARNING:  nothing was published: .*pid $reader_pid/,
		'a WARNING says why, naming the reader');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'man' AND state = 'built'"),
		$PARTS, 'the chunks stay built');
	is($reader->query_safe($FIGURES), $old, 'the reader sees the old rows of every partition');

	# With a longer bound, publish() waits until the reader ends, then publishes.
	sql(q{SELECT backfill.set('man', '{"snapshot_wait": "60s"}')});
	my $publisher = start_psql($primary, $db, "SELECT backfill.publish('man');\n", 'publisher');
	wait_for_query($primary, $db,
		"SELECT query LIKE '%waiting for transactions older than the build%(pid $reader_pid)%'"
		  . " FROM pg_stat_activity WHERE application_name = 'publisher'",
		't', 'publish() to wait for the reader');
	is($reader->query_safe($FIGURES), $old, 'the reader still sees every row while publish() waits');
	$reader->query_safe('COMMIT;');
	$reader->quit;
	is(finish_psql($publisher), 0, 'publish() finished') or diag($publisher->{err});
	is($publisher->{out} =~ s/\s+\z//r, $PARTS, 'and published every chunk once the reader ended');
	is(sql("SELECT state FROM backfill.jobs WHERE name = 'man'"), 'completed', 'the job completed');
	is(sql('SELECT count(*) FROM events WHERE amount2 <> amount * 2'), '0', 'with the new rows');
};

# ------------------------------------------------------------------ B
subtest 'B: a REPEATABLE READ transaction that calls wait() is waited for' => sub {
	my $cur = sql($FIGURES);
	# The job exists before the reader's snapshot (which would not see it
	# otherwise) and runs after it.
	my $src = source_times(3);
	sql("SELECT backfill.create('rrwait', 'events', \$src\$$src\$src\$, NULL, NULL, '{\"snapshot_wait\": \"1s\"}')");
	my ($reader, $reader_pid) = open_reader($primary);
	sql("SELECT backfill.resume('rrwait')");
	is($reader->query_safe("SELECT backfill.wait('rrwait', '6s')"), 'running',
		'wait() in the REPEATABLE READ transaction times out: the job waits for it');
	like(sql("SELECT string_agg(DISTINCT detail, ' / ') FROM backfill.log WHERE job_name = 'rrwait' AND event = 'snapshot_wait_timeout'"),
		qr/pid $reader_pid /, 'the job waited for the snapshot of the wait() caller');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'rrwait' AND state = 'published'"),
		'0', 'nothing was published meanwhile');
	is($reader->query_safe($FIGURES), $cur, 'after wait() the reader sees every row of every partition');
	$reader->query_safe('COMMIT;');
	$reader->quit;
	is(sql("SELECT backfill.wait('rrwait', '60s')"), 'completed', 'the job completes once the reader ends');
	is(sql('SELECT count(*) FROM events WHERE amount2 <> amount * 3'), '0', 'with the new rows');
};

# ------------------------------------------------------------------ C
subtest 'C: a REPEATABLE READ reader on a hot standby with hot_standby_feedback' => sub {
	$primary->backup('b');
	my $standby = PostgreSQL::Test::Cluster->new('standby');
	$standby->init_from_backup($primary, 'b', has_streaming => 1);
	$standby->append_conf('postgresql.conf', q{
hot_standby_feedback = on
wal_receiver_status_interval = 1s
max_standby_streaming_delay = -1
});
	$standby->start;
	$primary->wait_for_catchup($standby);

	my $cur = sql($FIGURES);
	my ($reader, $reader_pid) = open_reader($standby);
	# It reads nothing yet: a lock on the table would hold up the replay of a
	# swap instead of showing an empty partition.
	my $walsender = sql('SELECT pid FROM pg_stat_replication');
	wait_for_query($primary, $db, 'SELECT count(*) FROM pg_stat_replication WHERE backend_xmin IS NOT NULL',
		'1', 'the standby to report its xmin');

	my $src = source_times(4);
	sql("SELECT backfill.start('standby', 'events', \$src\$$src\$src\$, NULL, NULL, '{\"snapshot_wait\": \"2s\"}')");
	wait_for_query($primary, $db,
		"SELECT count(*) > 0 FROM backfill.log WHERE job_name = 'standby' AND event = 'snapshot_wait_timeout'"
		  . " AND detail LIKE '%pid $walsender%'",
		't', 'the job to wait for the standby (its walsender)');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'standby' AND state = 'published'"),
		'0', 'nothing published while the standby reader lives');
	$primary->wait_for_catchup($standby);
	is($reader->query_safe($FIGURES), $cur, 'the standby reader sees every row of every partition');

	$reader->query_safe('COMMIT;');
	$reader->quit;
	is(sql("SELECT backfill.wait('standby', '60s')"), 'completed', 'the job completes once the standby reader ends');
	$primary->wait_for_catchup($standby);
	is($standby->safe_psql($db, 'SELECT count(*) FROM events WHERE amount2 <> amount * 4'), '0',
		'the standby has the new rows');
	is($standby->safe_psql($db, 'SELECT count(*) FROM events'), $PARTS * $PER_PART, 'and every row');
	$standby->stop;
};

$primary->stop;
done_testing();

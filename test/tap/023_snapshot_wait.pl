
# Publishing waits, like CREATE INDEX CONCURRENTLY, for transactions whose
# snapshot is older than the build; an idle REPEATABLE READ transaction of
# another role must not stall the job for ever. With "snapshot_wait": "2s":
#   - while it waits, backfill.progress.throttled_by names the reader's pid
#     and when its transaction began;
#   - past the bound an event is logged, the chunk stays built (not failed,
#     no attempt counted), the worker builds the other chunks and tries
#     again: the job never hangs and keeps its worker;
#   - the reader's snapshot still sees the old rows of every partition;
#   - once the reader commits, the job completes with every row correct.
# Then a job paused while it waits stops waiting at once and publishes
# nothing, and completes once resumed.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use BackfillTest;

my $PARTS    = 3;
my $PER_PART = 1000;

my $node = new_backfill_node('snapwait');
create_events($node, 'postgres', $PARTS, $PER_PART);
$node->safe_psql('postgres', 'CREATE ROLE tenant LOGIN; GRANT SELECT ON events TO tenant;');

my $old    = partition_figures($node, 'postgres', 'amount2');
my $new    = partition_figures($node, 'postgres', 'amount * 2');
my $source = events_source();

sub sql { return $node->safe_psql('postgres', $_[0]); }

# The figures "partition|count|sum" a session printed, as a hash.
sub figures_of
{
	my ($listing) = @_;
	my %fig;
	for my $row (split /\n/, $listing)
	{
		my ($p, $n, $s) = split /\|/, $row;
		$fig{$p} = "$n:$s";
	}
	return \%fig;
}

# An idle REPEATABLE READ transaction of the tenant, returning its pid.
sub open_reader
{
	my $reader = $node->background_psql('postgres', extra_params => [ '-U', 'tenant' ]);
	$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1;');
	my $pid = $reader->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	return ($reader, $pid);
}

sub start_job
{
	my ($name, $options) = @_;
	return sql("SELECT backfill.start('$name', 'events', \$src\$$source\$src\$, NULL, NULL,"
		  . " '$options')");
}

# --- the option is checked like the others --------------------------------------

my ($rc, $out, $err) = $node->psql('postgres',
	"SELECT backfill.plan('events', \$src\$$source\$src\$, NULL, NULL, '{\"snapshot_wait\": \"forever\"}')"
);
like($err, qr/option "snapshot_wait" must be a duration/, 'a bad snapshot_wait is refused, naming the key');

# --- an idle REPEATABLE READ reader holds publication at most 2s at a time ------

my ($reader, $reader_pid) = open_reader();
like($reader_pid, qr/^\d+$/, "the tenant's reader is backend $reader_pid");

start_job('sw', '{"snapshot_wait": "2s"}');
my $t0 = time;
wait_for_query($node, 'postgres',
	"SELECT throttled_by ~ '^waiting for snapshot of pid $reader_pid \\(since ' FROM backfill.progress WHERE name = 'sw'",
	't', 'throttled_by to name the reader', 20);
note(sprintf('throttled_by named the reader after %.1f s', time - $t0));
like(
	sql("SELECT throttled_by FROM backfill.progress WHERE name = 'sw'"),
	qr/^waiting for snapshot of pid $reader_pid \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/,
	'throttled_by says since when the reader waits');
is(sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
		  . " AND query LIKE '%waiting for transactions older than the build%'"),
	'1', 'the worker says in pg_stat_activity what it waits for');

wait_for_query($node, 'postgres',
	"SELECT count(*) > 0 FROM backfill.log WHERE job_name = 'sw' AND event = 'snapshot_wait_timeout'"
	  . " AND detail LIKE '%pid $reader_pid %'",
	't', 'the end of snapshot_wait to be logged', 20);
note(sprintf('first snapshot_wait_timeout after %.1f s', time - $t0));

# The runner goes on building the other chunks, publishes none of them.
wait_for_query($node, 'postgres',
	"SELECT count(*) FROM backfill.chunks WHERE job_name = 'sw' AND state = 'built'",
	$PARTS, 'every chunk to be built while publication waits', 30);
is(sql("SELECT count(*) FILTER (WHERE state IN ('failed', 'published')) || '/' || max(attempts)"
		  . " FROM backfill.chunks WHERE job_name = 'sw'"),
	'0/1', 'no chunk failed or published, no attempt counted');

# It does not hang nor leave: it waits again, and times out again.
wait_for_query($node, 'postgres',
	"SELECT count(*) >= 2 FROM backfill.log WHERE job_name = 'sw' AND event = 'snapshot_wait_timeout'",
	't', 'a second wait to end at the bound', 20);
is(sql("SELECT state FROM backfill.jobs WHERE name = 'sw'"), 'running', 'the job is still running');
is(sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"),
	'1', 'its worker is still there');
wait_for_query($node, 'postgres',
	"SELECT throttled_by ~ '^waiting for snapshot of pid $reader_pid ' FROM backfill.progress WHERE name = 'sw'",
	't', 'throttled_by to name the reader again', 20);
is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'sw' AND state = 'built'"),
	$PARTS, 'the chunks are still built');

# The reader's snapshot never sees a partition emptied by a swap.
is_deeply(
	figures_of($reader->query_safe(
		'SELECT tableoid::regclass, count(*), sum(amount2) FROM events GROUP BY 1')),
	$old,
	'the REPEATABLE READ reader sees the old rows of every partition');

$reader->query_safe('COMMIT;');
$t0 = time;
is(sql("SELECT backfill.wait('sw', '60s')"), 'completed', 'the job completes once the reader commits');
note(sprintf('completed %.1f s after the commit', time - $t0));
is_deeply(partition_figures($node, 'postgres', 'amount2'), $new, 'every partition holds the new rows');
is(sql("SELECT count(*) FROM events WHERE amount2 <> amount * 2"), '0', 'no row kept its old value');
is(sql("SELECT count(*) FILTER (WHERE state = 'published' AND attempts = 1) FROM backfill.chunks"
		  . " WHERE job_name = 'sw'"),
	$PARTS, 'every chunk published at its first attempt');
is(sql("SELECT throttled_by IS NULL FROM backfill.job WHERE name = 'sw'"),
	't', 'throttled_by is cleared');
is(shadow_tables($node, 'postgres'), '', 'no shadow table left');
$reader->quit;

# --- a job paused while it waits stops waiting and publishes nothing -----------

my $cur  = partition_figures($node, 'postgres', 'amount2');
my $new3 = partition_figures($node, 'postgres', 'amount * 3');
$source = 'SELECT id, day, amount, amount * 3, note FROM events WHERE day >= $1 AND day < $2';
($reader, $reader_pid) = open_reader();
start_job('sw_pause', '{"snapshot_wait": "10min"}');
wait_for_query($node, 'postgres',
	"SELECT throttled_by ~ '^waiting for snapshot of pid $reader_pid ' FROM backfill.progress WHERE name = 'sw_pause'",
	't', 'the second job to wait for the reader', 20);
sql("SELECT backfill.pause('sw_pause')");
wait_for_query($node, 'postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'",
	'0', 'the worker to leave once the job is paused', 10);
is(sql("SELECT state FROM backfill.jobs WHERE name = 'sw_pause'"), 'paused', 'the job is paused');
is(sql("SELECT count(*) FILTER (WHERE state = 'published') || '/' || count(*) FILTER (WHERE state = 'built')"
		  . " || '/' || max(attempts) FROM backfill.chunks WHERE job_name = 'sw_pause'"),
	'0/1/1', 'nothing published, the chunk stays built');
is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'sw_pause' AND event = 'snapshot_wait_timeout'"),
	'0', 'the pause is not a timeout');
is_deeply(
	figures_of($reader->query_safe(
		'SELECT tableoid::regclass, count(*), sum(amount2) FROM events GROUP BY 1')),
	$cur,
	'the reader still sees the rows of its snapshot');
$reader->query_safe('COMMIT;');
$reader->quit;
sql("SELECT backfill.resume('sw_pause')");
is(sql("SELECT backfill.wait('sw_pause', '60s')"), 'completed', 'the resumed job completes');
is_deeply(partition_figures($node, 'postgres', 'amount2'), $new3, 'and publishes its rows');
is(sql("SELECT count(*) FILTER (WHERE attempts = 1) FROM backfill.chunks WHERE job_name = 'sw_pause'"),
	$PARTS, 'each chunk built once');

$node->stop;
done_testing();

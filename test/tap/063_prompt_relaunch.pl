
# Issue 9, point 13: with shared_preload_libraries = 'backfill' and the
# default launcher naptime (10 s), an interrupted job has a worker again
# within 5 s of the server accepting connections: after a kill -9 of its
# worker (crash and reinitialization), after an immediate shutdown and
# restart, and after a fast shutdown and restart. The job then completes
# with every chunk published once.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use BackfillTest;

my $LIMIT = 5.0;

my $node = new_backfill_node(
	'relaunch', q{
shared_preload_libraries = 'backfill'
max_worker_processes = 16
restart_after_crash = on
});
is($node->safe_psql('postgres', 'SHOW backfill.launcher_naptime'),
	'10s', 'the launcher runs with its default naptime');
$node->safe_psql('postgres', q{
CREATE FUNCTION slow_pass(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
});
create_events($node, 'postgres', 20, 10);
$node->safe_psql('postgres',
	"SELECT backfill.start('slow', 'events', \$src\$"
	  . events_source('slow_pass(0.15)')
	  . "\$src\$, NULL, NULL, '{}')");

# The pid of a worker of the job, once one works on it.
sub worker_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'backfill worker' LIMIT 1");
}

# Polls every 50 ms until the job has a worker again; returns the seconds
# waited since $t0 (the moment the server accepted connections).
sub seconds_until_worker
{
	my ($t0) = @_;
	wait_for('a backfill worker after the restart', sub { worker_pid() ne '' });
	return time() - $t0;
}

# Waits until the server accepts connections and returns that moment.
sub accepting_since
{
	wait_for('the server to accept connections',
		sub { ($node->psql('postgres', 'SELECT 1', on_error_stop => 0))[0] == 0 });
	return time();
}

wait_for('the first worker', sub { worker_pid() ne '' });

# (a) kill -9 of the worker: the postmaster reinitializes.
my $offset = -s $node->logfile;
ok(kill('KILL', worker_pid()), 'kill -9 of the worker');
$node->wait_for_log(qr/database system is ready to accept connections/, $offset);
my $waited = seconds_until_worker(accepting_since());
note(sprintf('(a) worker again %.2f s after the server accepted connections', $waited));
cmp_ok($waited, '<', $LIMIT, "(a) after a crash, a worker within $LIMIT s");

# (b) immediate shutdown, then start.
$node->stop('immediate');
$node->start;
$waited = seconds_until_worker(accepting_since());
note(sprintf('(b) worker again %.2f s after the server accepted connections', $waited));
cmp_ok($waited, '<', $LIMIT, "(b) after an immediate shutdown, a worker within $LIMIT s");

# (c) fast shutdown (workers are told to stop), then start.
$node->stop('fast');
$node->start;
$waited = seconds_until_worker(accepting_since());
note(sprintf('(c) worker again %.2f s after the server accepted connections', $waited));
cmp_ok($waited, '<', $LIMIT, "(c) after a fast shutdown, a worker within $LIMIT s");

is($node->safe_psql('postgres', "SELECT backfill.wait('slow', '120s')"),
	'completed', 'the job completes');
is( $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE state = 'published'), count(*) FROM backfill.chunks"),
	'20|20', 'every chunk published');
is( $node->safe_psql('postgres',
		"SELECT coalesce(max(n), 1) FROM (SELECT count(*) n FROM backfill.log"
		  . " WHERE event = 'chunk_published' GROUP BY chunk_no) s"),
	'1', 'no chunk published twice');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM events WHERE amount2 IS DISTINCT FROM amount * 2"),
	'0', 'every row corrected');

$node->stop('fast');
done_testing();

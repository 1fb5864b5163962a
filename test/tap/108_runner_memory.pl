# Issue 14, point 1: a runner's memory does not grow with the job. A run
# lasts as long as its CALL (or its worker), and its current memory context
# is SPI's procedure context, freed only at the end: each statement's tuple
# table and copied result used to stay there (about 250 kB per chunk: 78 MB
# half-way through 730 chunks, and SPI walked every kept tuple table at
# each subtransaction's end). The test asks the running backend to log its
# memory contexts (pg_log_backend_memory_contexts) early in a job and near
# its end, and compares what SPI's procedure context holds, children
# included.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use BackfillTest;

my $node = new_backfill_node('runner_memory');
create_events($node, 'postgres', 60, 20);

my $source = events_source();
$node->safe_psql('postgres',
	"SELECT backfill.create('mem', 'events', \$q\$$source\$q\$, options => '{\"sleep\": \"60ms\"}')");
# The bytes SPI's procedure context and every context under it hold, from
# the last memory context dump of backend PID in the server log after
# OFFSET: the "SPI Proc" line and the deeper lines that follow it, except
# the statement running at that instant (SPI Exec, reset after each one).
sub spi_proc_bytes
{
	my ($pid, $offset) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @lines = grep { /\[$pid\]/ && /level: \d+;/ } split /\n/, $log;
	my ($bytes, $level, $skip_below);
	for my $line (@lines)
	{
		my ($l, $rest) = $line =~ /level: (\d+); (.*)$/;
		if ($rest =~ /^SPI Proc: (\d+) total/)
		{
			($bytes, $level) = ($1, $l);
			next;
		}
		next unless defined $level;
		if ($l <= $level)
		{
			undef $level;
			next;
		}
		next if defined $skip_below && $l > $skip_below;
		undef $skip_below;
		if ($rest =~ /^SPI Exec:/)
		{
			$skip_below = $l;
			next;
		}
		$bytes += $1 if $rest =~ /(\d+) total in/;
	}
	return $bytes;
}

# Logs the memory contexts of backend PID once CHUNKS chunks are published
# and returns what SPI's procedure context holds.
sub sample_at
{
	my ($pid, $chunks) = @_;
	wait_for_query($node, 'postgres',
		"SELECT count(*) >= $chunks FROM backfill.chunks WHERE job_name = 'mem' AND state = 'published'",
		't', "$chunks chunks published");
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres', "SELECT pg_log_backend_memory_contexts($pid)");
	my $bytes;
	wait_for("the memory context dump of backend $pid",
		sub { $bytes = spi_proc_bytes($pid, $offset); return defined $bytes; });
	return $bytes;
}

my $run = start_psql($node, 'postgres', "CALL backfill.run('mem');", 'mem_run');
my $pid = backend_pid_of($node, 'postgres', 'mem_run');
my $early = sample_at($pid, 5);
my $late  = sample_at($pid, 50);
is(finish_psql($run), 0, 'the run ends without error') or diag($run->{err});
is(job_state($node, 'postgres', 'mem'), 'completed', 'the job completed');

note("SPI procedure context: $early bytes after 5 chunks, $late after 50");
cmp_ok($late - $early, '<', 256 * 1024,
	'45 more chunks leave less than 256 kB more in the run\'s memory');

done_testing();

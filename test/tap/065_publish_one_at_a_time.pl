
# Issue 14, the publishing race: with max_concurrency > 1, two runners could
# both plan and publish the same swap unit, one of them reading a catalog
# the other was changing, and die with "unexpected definition of index".
# One runner of a job publishes at a time (the job's publisher lock); one
# that skipped publishing because another held it publishes what is left
# before it leaves. Many short chunks with a primary key and an index, 3
# and 4 workers, publication "each" and "batch": every job completes, no
# worker fails, every chunk is published once, every row is corrected.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node(
	'publish_one', q{
max_worker_processes = 16
});

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

# The indexes of the partitions attached to events now (the retained
# originals keep theirs, and are not counted).
my $partition_indexes = q{SELECT count(*) FROM pg_index x
JOIN pg_inherits h ON h.inhrelid = x.indrelid WHERE h.inhparent = 'events'::regclass};

# Runs job NAME over a fresh table of PARTS partitions of 5 rows with
# WORKERS workers and the given publication options, and checks its outcome.
sub run_job
{
	my ($name, $workers, $parts, $publication) = @_;
	create_events($node, 'postgres', $parts, 5);
	my $rows = $parts * 5;
	my $before = sql($partition_indexes);
	sql("SELECT backfill.start('$name', 'events', \$src\$"
		  . events_source()
		  . "\$src\$, NULL, NULL, '{\"max_concurrency\": $workers, $publication}')");
	is(sql("SELECT backfill.wait('$name', '120s')"), 'completed', "$name: the job completed");
	is( sql(
			"SELECT count(*) FILTER (WHERE event = 'worker_error'),"
			  . " count(*) FILTER (WHERE event = 'chunk_failed'),"
			  . " count(DISTINCT chunk_no) FILTER (WHERE event = 'chunk_published'),"
			  . " count(*) FILTER (WHERE event = 'chunk_published')"
			  . " FROM backfill.log WHERE job_name = '$name'"),
		"0|0|$parts|$parts",
		"$name: no worker or chunk failed, each chunk published once");
	is( sql(
			"SELECT count(*), count(*) FILTER (WHERE amount2 = amount * 2) FROM events"),
		"$rows|$rows", "$name: every row there and corrected");
	is(sql($partition_indexes),
		$before, "$name: every partition has its indexes");
	sql("SELECT backfill.purge('$name'); DROP TABLE events");
	return;
}

for my $workers (3, 4)
{
	run_job("each_$workers", $workers, 60, '"publish": "each"');
	run_job("batch_$workers", $workers, 60,
		'"publish": "batch", "partitions_per_batch": 3');
}

$node->stop('fast');
done_testing();

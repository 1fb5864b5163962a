# The daily row budget (option max_rows_per_day, issue 13 item 7), in a
# background worker: a budget smaller than the job's rows holds the job once
# the rows written today reach it, throttled_by says so, and nothing more
# is written; a larger budget lets it finish. (The release at midnight is
# the core's decision: test/unit/test_daily_budget.cpp, on a fake clock.)

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('daily_budget', "max_worker_processes = 16\n");
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 6, 100);

foreach my $mode ('swap', 'merge')
{
	subtest "$mode: a budget of 250 rows holds a job of 600" => sub {
		# each job changes every row: amount2 doubled, then tripled
		my $src = 'SELECT id, day, amount, amount * ' . ($mode eq 'swap' ? 2 : 3)
		  . ', note FROM events WHERE day >= $1 AND day < $2';
		my $name = "budget_$mode";
		my $extra = $mode eq 'merge' ? ', "mode": "merge"' : '';
		sql(qq{SELECT backfill.start('$name', 'events', \$\$$src\$\$, NULL, NULL,
		        '{"max_rows_per_day": 250$extra}')});
		wait_for_query($node, $db,
			"SELECT throttled_by FROM backfill.progress WHERE name = '$name'",
			'daily budget 250 rows reached (resumes at 00:00)', 'throttled_by names the budget');
		my $done = sql("SELECT chunks_done FROM backfill.jobs WHERE name = '$name'");
		is($done, '3', 'three chunks of 100 rows: the budget was reached at the third');
		sleep 2;
		is(sql("SELECT chunks_done || '/' || state FROM backfill.jobs WHERE name = '$name'"),
			"$done/running", 'held, the job writes nothing more and stays running');
		is(sql("SELECT count(*) FROM backfill.log WHERE job_name = '$name' AND event = 'throttle_hold'"),
			'1', 'the hold is logged');
		sql("SELECT backfill.set('$name', '{\"max_rows_per_day\": 100000}')");
		wait_for_query($node, $db, "SELECT state FROM backfill.jobs WHERE name = '$name'",
			'completed', 'a larger budget lets it finish');
		is(sql("SELECT rows_written FROM backfill.jobs WHERE name = '$name'"),
			'600', 'every row written');
	};
}

done_testing();

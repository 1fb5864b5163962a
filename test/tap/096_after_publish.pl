# The after_publish hook (issue 13 item 5), in background workers.
#
#  a  A hook that refreshes a materialized view over the target: after the job the view shows the corrected rows; the
#     hook ran as the job's owner, once per publication unit, with the
#     unit's bounds.
#  b  A hook that fails, on_failure stop: the unit stays published, the
#     failure is logged (hook_failed) and the job pauses; resumed, it pauses
#     again after the next unit. With on_failure continue it completes.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('after_publish', "max_worker_processes = 16\n");
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 4, 100);
sql(q{
CREATE ROLE hook_owner LOGIN;
ALTER TABLE events OWNER TO hook_owner;
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO hook_owner', p);
    END LOOP;
END $$;
GRANT CREATE ON SCHEMA public TO hook_owner;
SET ROLE hook_owner;
CREATE MATERIALIZED VIEW daily AS SELECT day, sum(amount2) AS total FROM events GROUP BY day;
CREATE UNIQUE INDEX ON daily (day);
CREATE TABLE hook_runs (who name, range_from text, range_to text);
});

subtest 'a: refresh a materialized view after each unit' => sub {
	my $src = events_source();
	$node->safe_psql($db, qq{SET ROLE hook_owner;
SELECT backfill.start('hook_mv', 'events', \$\$$src\$\$, NULL, NULL,
  '{"partitions_per_batch": 2, "after_publish":
    "REFRESH MATERIALIZED VIEW daily; INSERT INTO hook_runs VALUES (current_user, {range_from}, {range_to})"}')});
	wait_for_query($node, $db, "SELECT state FROM backfill.jobs WHERE name = 'hook_mv'",
		'completed', 'the job completes');
	my $fresh = sql(q{SELECT string_agg(day || ':' || total, ',' ORDER BY day) FROM
	  (SELECT day, sum(amount2) AS total FROM events GROUP BY day) x});
	is(sql(q{SELECT string_agg(day || ':' || total, ',' ORDER BY day) FROM daily}),
		$fresh, 'the materialized view shows the corrected rows');
	is(sql(q{SELECT string_agg(who || ' ' || range_from || ' ' || range_to, ',' ORDER BY range_from) FROM hook_runs}),
		'hook_owner 2024-01-01 2024-01-03,hook_owner 2024-01-03 2024-01-05',
		'once per unit, as the owner, with the unit bounds');
	is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'hook_mv' AND event = 'hook_failed'"),
		'0', 'no hook failed');
};

subtest 'b: a failing hook pauses the job (on_failure stop)' => sub {
	my $src = 'SELECT id, day, amount, amount * 3, note FROM events WHERE day >= $1 AND day < $2';
	$node->safe_psql($db, qq{SET ROLE hook_owner;
SELECT backfill.start('hook_fail', 'events', \$\$$src\$\$, NULL, NULL,
  '{"after_publish": "INSERT INTO no_such_table VALUES ({range_from})"}')});
	wait_for_query($node, $db,
		"SELECT state || '/' || workers FROM backfill.jobs WHERE name = 'hook_fail'",
		'paused/0', 'the job pauses after its first unit');
	is(sql("SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'hook_fail'"),
		'published,pending,pending,pending', 'the unit stays published, no other is');
	like(sql("SELECT detail FROM backfill.log WHERE job_name = 'hook_fail' AND event = 'hook_failed'"),
		qr/after_publish failed: relation "no_such_table" does not exist/, 'hook_failed is logged');
	like(sql("SELECT last_error FROM backfill.jobs WHERE name = 'hook_fail'"),
		qr/after_publish failed/, 'last_error says why');
	$node->safe_psql($db, "SET ROLE hook_owner; SELECT backfill.resume('hook_fail')");
	wait_for_query($node, $db,
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'hook_fail' AND state = 'published'",
		'2', 'resumed, it publishes the next unit');
	wait_for_query($node, $db,
		"SELECT state || '/' || workers FROM backfill.jobs WHERE name = 'hook_fail'",
		'paused/0', 'and pauses again');
	$node->safe_psql($db, q{SET ROLE hook_owner;
SELECT backfill.set('hook_fail', '{"on_failure": "continue"}');
SELECT backfill.resume('hook_fail')});
	wait_for_query($node, $db, "SELECT state FROM backfill.jobs WHERE name = 'hook_fail'",
		'completed', 'with on_failure continue it completes');
	is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'hook_fail' AND event = 'hook_failed'"),
		'4', 'every unit logged its failed hook');
};

done_testing();

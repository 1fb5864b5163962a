
# Session settings never lose a row (issue 9, items 3, 5, 6 and 12).
#
#   3  With default_transaction_isolation = 'repeatable read' for the
#      database, a row written to a partition during its build, by a
#      transaction that commits only after the build while the runner waits
#      to publish, forces a rebuild and is in the final table: in a
#      background worker (backfill.start) and in the foreground (CALL
#      backfill.run). 0.1.0 checked for such writes with the transaction
#      snapshot taken before that wait, missed the write and lost the row.
#      A backfill.wait() whose statement snapshot predates the rebuild, and
#      which marks itself a waiter only later, does not hold the
#      publication up (0.2 once waited for it until wait() timed out).
#   5  rollback, cancel or pause while a runner waits for an older snapshot
#      to publish: once the reader ends nothing is published and the table
#      is intact (0.1.0 only re-checked for "cancelled" and published after
#      a rollback or a pause).
#   6  A job created in a session with TimeZone 'Asia/Kolkata' and DateStyle
#      'SQL, DMY' and run by a worker in UTC / ISO (and the other way
#      round) keeps every bound of a timestamptz table exactly: no row is
#      lost or moved; plan() gives the same chunks and bounds under every
#      TimeZone / DateStyle / IntervalStyle / extra_float_digits (0.1.0
#      rendered bounds in the session's style and read them back in the
#      worker's).
#  12  set() refuses a broken throttle_query and bad validate rules, like
#      create(), and changes nothing (0.1.0 stored them).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('settings');

sub sql { my ($db, $q) = @_; return $node->safe_psql($db, $q); }

# ------------------------------------------------------------------ item 3
subtest 'item 3: REPEATABLE READ by default, a write committed while the runner waits' => sub {
	my $db = 'rr';
	sql('postgres', "CREATE DATABASE $db");
	sql('postgres', "ALTER DATABASE $db SET default_transaction_isolation = 'repeatable read'");
	sql($db, 'CREATE EXTENSION backfill');
	create_events($node, $db, 2, 500);
	sql($db, q{
CREATE TABLE gate_closed (day date PRIMARY KEY);
CREATE FUNCTION gate(d date) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    WHILE EXISTS (SELECT FROM public.gate_closed WHERE day = d) LOOP
        PERFORM pg_sleep(0.02);
    END LOOP;
    RETURN true;
END
$$;});
	is(sql($db, 'SHOW default_transaction_isolation'), 'repeatable read', 'the database defaults to REPEATABLE READ');
	my $source = events_source('(SELECT gate($1))');

	for my $mode ('background', 'foreground')
	{
		my $job = "rr_$mode";
		my $id  = $mode eq 'background' ? 800001 : 800002;
		sql($db, "INSERT INTO gate_closed VALUES ('2024-01-01')");
		sql($db,
			"SELECT backfill.create('$job', 'events', \$src\$$source\$src\$, NULL, NULL,"
			  . " '{\"lock_timeout\": \"200ms\", \"swap_retries\": 300}')");
		my $runner;
		if ($mode eq 'background') { sql($db, "SELECT backfill.resume('$job')"); }
		else { $runner = start_psql($node, $db, "CALL backfill.run('$job');\n", "runner_$mode"); }
		wait_for_query($node, $db,
			"SELECT state || '/' || attempts FROM backfill.chunks WHERE job_name = '$job' AND chunk_no = 1",
			'running/1', "$mode: chunk 1 to be in its build");
		wait_for_query($node, $db,
			"SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = '$db'",
			'1', "$mode: the runner to wait in gate()");

		# The write happens during the build; its transaction commits after.
		my $writer = $node->background_psql($db);
		$writer->query_safe(
			"BEGIN; INSERT INTO events (id, day, amount, amount2) VALUES ($id, '2024-01-01', 3, 3);");
		sql($db, "DELETE FROM gate_closed WHERE day = '2024-01-01'");
		wait_for_query($node, $db,
			"SELECT state FROM backfill.chunks WHERE job_name = '$job' AND chunk_no = 1",
			'built', "$mode: chunk 1 to be built, its publication held by the writer");
		sleep 1;
		# In the background, wait() is called just before the commit, and its
		# statement's snapshot is taken 3 s before it marks itself a waiter:
		# the publication that follows the rebuild must not wait for it.
		my $waiter;
		$waiter = start_psql($node, $db, "SELECT pg_sleep(3), backfill.wait('$job', '60s');\n",
			"waiter_$mode")
		  if $mode eq 'background';
		$writer->query_safe('COMMIT;');
		$writer->quit;

		if ($mode eq 'background')
		{
			my $t0 = time;
			is(finish_psql($waiter), 0, "$mode: wait() returned") or diag($waiter->{err});
			like($waiter->{out}, qr/\|completed$/m, "$mode: the job completes")
			  or dump_state($node, $db);
			cmp_ok(time - $t0, '<', 30, "$mode: not held up by the wait() that waits for it");
		}
		else
		{
			is(finish_psql($runner), 0, "$mode: CALL backfill.run finished") or diag($runner->{err});
			is(job_state($node, $db, $job), 'completed', "$mode: the job completes");
		}
		is( sql($db, "SELECT amount || ',' || amount2 FROM events WHERE id = $id"),
			'3.00,6.00', "$mode: the row written during the build is there, recomputed");
		is(sql($db, "SELECT attempts FROM backfill.chunks WHERE job_name = '$job' AND chunk_no = 1"),
			'2', "$mode: chunk 1 was built again");
		like(
			sql($db,
				"SELECT string_agg(detail, ' / ') FROM backfill.log WHERE job_name = '$job' AND chunk_no = 1 AND event = 'chunk_retry'"),
			qr/written/, "$mode: the retry says the partition was written to");
		is(sql($db, 'SELECT count(*) FROM events'), 1000 + ($mode eq 'background' ? 1 : 2),
			"$mode: no row lost");
	}
	is(shadow_tables($node, $db), '', 'no shadow table left');
};

# ------------------------------------------------------------------ item 5
subtest 'item 5: rollback, cancel, pause while a runner waits to publish' => sub {
	create_events($node, 'postgres', 3, 300);
	my $before = table_checksum($node, 'postgres');
	my $source = events_source();
	for my $command ('rollback', 'cancel', 'pause')
	{
		my $job    = "wait_$command";
		my $reader = $node->background_psql('postgres');
		$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1;');
		my $reader_pid = $reader->query_safe('SELECT pg_backend_pid()');
		chomp $reader_pid;
		sql('postgres',
			"SELECT backfill.start('$job', 'events', \$src\$$source\$src\$, NULL, NULL, '{\"snapshot_wait\": \"1h\"}')"
		);
		wait_for_query($node, 'postgres',
			"SELECT count(*) FROM backfill.chunks WHERE job_name = '$job' AND state = 'built'",
			'1', "$command: the first chunk to be built");
		wait_for_query($node, 'postgres',
			"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'"
			  . " AND query LIKE '%waiting for transactions older than the build%(pid $reader_pid)%'",
			'1', "$command: the worker to wait for the reader");
		# A running job is paused before it is rolled back; the rollback
		# comes while the runner may still be in its wait.
		if ($command eq 'rollback')
		{
			sql('postgres', "SELECT backfill.pause('$job'); SELECT backfill.rollback('$job');");
		}
		else { sql('postgres', "SELECT backfill.$command('$job')"); }
		$reader->query_safe('COMMIT;');
		$reader->quit;
		wait_for_query($node, 'postgres',
			"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'backfill worker'",
			'0', "$command: the worker to leave");
		my %state = (rollback => 'rolled_back', cancel => 'cancelled', pause => 'paused');
		is(job_state($node, 'postgres', $job), $state{$command}, "$command: the job is $state{$command}");
		is( sql('postgres',
				"SELECT count(*) FROM backfill.log WHERE job_name = '$job' AND event = 'chunk_published'"),
			'0', "$command: nothing was published");
		is(sql('postgres', "SELECT count(*) FROM backfill.chunks WHERE job_name = '$job' AND state = 'published'"),
			'0', "$command: no chunk is published");
		is(table_checksum($node, 'postgres'), $before, "$command: the table is intact");
		is( sql('postgres',
				"SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass"),
			'3', "$command: the table still has its three partitions");
	}
	# The paused job finishes once resumed.
	sql('postgres', "SELECT backfill.resume('wait_pause')");
	is(sql('postgres', "SELECT backfill.wait('wait_pause', '60s')"), 'completed', 'the paused job completes once resumed');
	is(sql('postgres', 'SELECT count(*) FROM events WHERE amount2 <> amount * 2'), '0', 'with every row recomputed');
	is(sql('postgres', 'SELECT count(*) FROM events'), '900', 'and none lost');
};

# ------------------------------------------------------------------ item 6
# Partitions bounded at midnight UTC and at midnight in Kolkata (18:30 UTC).
my @tz_bounds = (
	'2024-01-01 00:00:00+00', '2024-01-01 18:30:00+00', '2024-01-02 00:00:00+00',
	'2024-01-02 18:30:00+00', '2024-01-03 00:00:00+00');

subtest 'item 6: Kolkata and SQL, DMY on one side, UTC and ISO on the other' => sub {
	my $db = 'tz';
	sql('postgres', "CREATE DATABASE $db");
	sql($db, 'CREATE EXTENSION backfill');
	my $ddl = "SET TimeZone = 'UTC'; CREATE TABLE m (id bigint NOT NULL, ts timestamptz NOT NULL,"
	  . " v int NOT NULL, v2 int, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);\n";
	for my $i (0 .. $#tz_bounds - 1)
	{
		$ddl .= "CREATE TABLE m_$i PARTITION OF m FOR VALUES FROM ('$tz_bounds[$i]') TO ('$tz_bounds[$i+1]');\n";
	}
	# A row every 10 minutes, plus one at and one microsecond before each bound.
	$ddl .= q{
INSERT INTO m SELECT g, timestamptz '2024-01-01 00:00:00+00' + g * interval '10 minutes', g % 97, g % 97
FROM generate_series(0, 6 * 48 - 1) g;
INSERT INTO m SELECT 100000 + row_number() OVER (), b, 1, 1
FROM unnest(ARRAY['2024-01-01 18:30:00+00', '2024-01-02 18:30:00+00']::timestamptz[]) b;
INSERT INTO m SELECT 200000 + row_number() OVER (), b - interval '1 microsecond', 2, 2
FROM unnest(ARRAY['2024-01-01 18:30:00+00', '2024-01-02 00:00:00+00', '2024-01-02 18:30:00+00',
                  '2024-01-03 00:00:00+00']::timestamptz[]) b;
};
	sql($db, $ddl);
	my $layout_q =
	    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SELECT tableoid::regclass || ':' || count(*) || ':'"
	  . " || min(ts) || ':' || max(ts) FROM m GROUP BY tableoid ORDER BY 1";
	my $bounds_q = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SELECT string_agg(c.relname || ' '"
	  . " || pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY c.relname) FROM pg_class c"
	  . " JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = 'm'::regclass";
	my $layout = sql($db, $layout_q);
	my $bounds = sql($db, $bounds_q);
	my $rows   = sql($db, 'SELECT count(*) FROM m');
	my $expected_chunks = join("\n",
		map { ($_ + 1) . "|m_$_|$tz_bounds[$_]|$tz_bounds[$_+1]" } 0 .. $#tz_bounds - 1);

	my @sides = (
		[ 'worker in UTC, job created in Kolkata', "'UTC'", "'ISO, MDY'", "'Asia/Kolkata'", "'SQL, DMY'", 'v * 2' ],
		[ 'worker in Kolkata, job created in UTC', "'Asia/Kolkata'", "'SQL, DMY'", "'UTC'", "'ISO, MDY'", 'v * 3' ]);
	for my $side (@sides)
	{
		my ($what, $db_tz, $db_style, $s_tz, $s_style, $expr) = @$side;
		my $job = $expr eq 'v * 2' ? 'tz_a' : 'tz_b';
		sql('postgres', "ALTER DATABASE $db SET TimeZone = $db_tz");
		sql('postgres', "ALTER DATABASE $db SET DateStyle = $db_style");
		sql($db,
			"SET TimeZone = $s_tz; SET DateStyle = $s_style;"
			  . " SELECT backfill.create('$job', 'm', \$src\$SELECT id, ts, v, $expr FROM m"
			  . " WHERE ts >= \$1 AND ts < \$2\$src\$, NULL, NULL, '{}');"
			  . " SELECT backfill.resume('$job');");
		is(sql($db, "SELECT backfill.wait('$job', '60s')"), 'completed', "$what: the job completes")
		  or diag(activity_report($node, $db)
			  . sql($db, "SELECT string_agg(event || ': ' || coalesce(detail, ''), E'\\n' ORDER BY at) FROM backfill.log WHERE job_name = '$job'")
			  . "\n" . sql($db, "SELECT coalesce(throttled_by, '-') || ' ' || coalesce(last_error, '-') FROM backfill.jobs WHERE name = '$job'"));
		is( sql($db,
				"SET DateStyle = 'ISO'; SELECT chunk_no || '|' || partition::regclass || '|' || (lower_bound::timestamptz AT TIME ZONE 'UTC')::text || '+00|'"
				  . " || (upper_bound::timestamptz AT TIME ZONE 'UTC')::text || '+00' FROM backfill.chunks"
				  . " WHERE job_name = '$job' ORDER BY chunk_no"),
			$expected_chunks, "$what: the chunks have the partitions' bounds");
		is(sql($db, 'SELECT count(*) FROM m'), $rows, "$what: no row lost");
		is(sql($db, "SELECT count(*) FROM m WHERE v2 IS DISTINCT FROM $expr"), '0', "$what: every row recomputed");
		is(sql($db, $layout_q), $layout, "$what: every row in its partition, as before");
		is(sql($db, $bounds_q), $bounds, "$what: every partition bound as before");
	}
};

subtest 'item 6: plan() is the same under every session setting' => sub {
	my $db = 'tz';
	sql($db, q{
CREATE TABLE d (x date NOT NULL, v int) PARTITION BY RANGE (x);
CREATE TABLE d_0 PARTITION OF d FOR VALUES FROM ('2024-01-02') TO ('2024-02-01');
CREATE TABLE d_1 PARTITION OF d FOR VALUES FROM ('2024-02-01') TO ('2024-12-13');
CREATE TABLE t (x timestamp NOT NULL, v int) PARTITION BY RANGE (x);
CREATE TABLE t_0 PARTITION OF t FOR VALUES FROM ('2024-03-04 05:06:07.123456') TO ('2024-04-05 00:00:00');
CREATE TABLE t_1 PARTITION OF t FOR VALUES FROM ('2024-04-05 00:00:00') TO ('2024-11-12 23:59:59.999999');
CREATE TABLE n (x numeric NOT NULL, v int) PARTITION BY RANGE (x);
CREATE TABLE n_0 PARTITION OF n FOR VALUES FROM (0.1) TO (0.30000000000000004);
CREATE TABLE n_1 PARTITION OF n FOR VALUES FROM (0.30000000000000004) TO (12345678901234567890.5);
INSERT INTO d VALUES ('2024-01-05', 1), ('2024-03-01', 2);
INSERT INTO t VALUES ('2024-03-05', 1), ('2024-05-01', 2);
INSERT INTO n VALUES (0.2, 1), (7, 2);
});
	my %plan_q = map {
		my ($t, $cols) = @$_;
		$t => "SELECT chunk_no || '|' || partition || '|' || lower_bound || '|' || upper_bound FROM"
		  . " backfill.plan('$t', 'SELECT $cols FROM $t WHERE "
		  . ($t eq 'm' ? 'ts' : 'x') . " >= \$1 AND " . ($t eq 'm' ? 'ts' : 'x')
		  . " < \$2') ORDER BY chunk_no"
	} ([ 'm', 'id, ts, v, v AS v2' ], [ 'd', 'x, v' ], [ 't', 'x, v' ], [ 'n', 'x, v' ]);
	my $base_settings = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1;";
	my %base = map { $_ => sql($db, "$base_settings $plan_q{$_}") } keys %plan_q;
	is(scalar(split /\n/, $base{$_}), { m => 4, d => 2, t => 2, n => 2 }->{$_}, "plan($_) lists every partition")
	  for sort keys %plan_q;
	my $all_q = join('; ', map { $plan_q{$_} } sort keys %plan_q);
	my $all   = sql($db, "$base_settings $all_q");
	my $differ = 0;
	for my $tz ("'UTC'", "'Asia/Kolkata'", "'America/St_Johns'")
	{
		for my $style ("'ISO, MDY'", "'SQL, DMY'", "'German'", "'Postgres, YMD'")
		{
			for my $istyle ('postgres', 'iso_8601', 'sql_standard', 'postgres_verbose')
			{
				for my $digits (-15, 0, 3)
				{
					my $settings = "SET TimeZone = $tz; SET DateStyle = $style; SET IntervalStyle = $istyle; SET extra_float_digits = $digits;";
					my $got = sql($db, "$settings $all_q");
					next if $got eq $all;
					$differ++;
					diag("plan() under [$settings]:\n$got\nexpected\n$all") if $differ <= 3;
				}
			}
		}
	}
	is($differ, 0, 'plan() gives the same chunks and bounds under 144 combinations of settings');
	# The bounds plan() shows read back as the partitions' own bounds.
	is( sql($db, "SET TimeZone = 'Asia/Kolkata'; SET DateStyle = 'SQL, DMY'; SELECT string_agg((lower_bound::timestamptz = b::timestamptz)::text, ',' ORDER BY chunk_no) FROM backfill.plan('m', 'SELECT id, ts, v, v AS v2 FROM m WHERE ts >= \$1 AND ts < \$2') p"
			  . " JOIN unnest(ARRAY['" . join("','", @tz_bounds[0 .. 3]) . "']) WITH ORDINALITY AS u(b, n) ON u.n = p.chunk_no"),
		'true,true,true,true', 'the lower bounds read back exactly in another zone and style');
};

# ------------------------------------------------------------------ item 12
subtest 'item 12: set() checks its options like create()' => sub {
	my $source = events_source();
	sql('postgres',
		"SELECT backfill.create('opts', 'events', \$src\$$source\$src\$, NULL, NULL, '{\"sleep\": \"1s\"}')");
	my $options = sql('postgres', "SELECT options::text FROM backfill.job WHERE name = 'opts'");
	my %bad = (
		'a throttle_query that does not run'    => '{"throttle_query": "SELECT no_such_column FROM no_such_table"}',
		'a validate rule on a missing column'   => '{"validate": {"not_null": ["no_such_column"]}}',
		'a validate aggregate that does not run' => '{"validate": {"aggregates": [{"expr": "sum(no_such_column)"}]}}',
		'a validate query that does not run'    => '{"validate": {"query": "SELECT FROM no_such_table"}}');
	for my $what (sort keys %bad)
	{
		my ($rc_c, $out_c, $err_c) = $node->psql('rr',
			"SELECT backfill.create('opts_c', 'events', \$src\$$source\$src\$, NULL, NULL, '$bad{$what}')");
		isnt($rc_c, 0, "create() refuses $what");
		my ($rc, $out, $err) = $node->psql('postgres', "SELECT backfill.set('opts', '$bad{$what}')");
		isnt($rc, 0, "set() refuses $what") or diag($out);
		like($err, qr/ERROR/, "set() says why ($what)");
		is(sql('postgres', "SELECT options::text FROM backfill.job WHERE name = 'opts'"),
			$options, "set() changed nothing ($what)");
	}
	is(sql('postgres', "SELECT count(*) FROM backfill.log WHERE job_name = 'opts' AND event = 'options_changed'"),
		'0', 'no options_changed event');
	is(sql('rr', "SELECT count(*) FROM backfill.jobs WHERE name = 'opts_c'"), '0', 'create() made no job');
	sql('postgres', "SELECT backfill.set('opts', '{\"throttle_query\": \"SELECT 0\"}')");
	like(sql('postgres', "SELECT options ->> 'throttle_query' FROM backfill.job WHERE name = 'opts'"),
		qr/SELECT 0/, 'a good throttle_query is accepted');
	sql('postgres', "SELECT backfill.cancel('opts')");
};

$node->stop;
done_testing();

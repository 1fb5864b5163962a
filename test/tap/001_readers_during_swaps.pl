
# Readers querying the target while CALL backfill.run() swaps every one of
# its partitions: no reader gets an error, and every result a reader sees is,
# partition by partition, either entirely the old data or entirely the new
# data (no mixed or missing partition, constant row counts), never going
# back from new to old.
#
# Three readers run side by side, each a psql running a long script of the
# same query with ON_ERROR_STOP, until the test tells them to stop:
#   generic  - a PREPAREd statement with a forced generic plan, through the
#              parent (the cached plan must be replanned after each swap);
#   indexed  - an ad-hoc query through the parent with sequential and bitmap
#              scans off, so the new partitions' indexes are used at once;
#   by_name  - every partition queried by its own name (the name must lead
#              to the new table as soon as the swap commits).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use BackfillTest;

my $PARTS    = 12;
my $PER_PART = 20_000;

my $node = new_backfill_node('readers');
create_events($node, 'postgres', $PARTS, $PER_PART);
$node->safe_psql('postgres', 'CREATE TABLE reader_stop (x int)');

my $old = partition_figures($node, 'postgres', 'amount2');
my $new = partition_figures($node, 'postgres', 'amount * 2');
is(scalar(keys %$old), $PARTS, "$PARTS partitions to start with");
is(join(',', grep { $old->{$_} eq $new->{$_} } sort keys %$old),
	'', 'the source changes the figures of every partition');

# The catalog facts a swap must keep: partition names and bounds, index
# names per partition, validity of every index.
my $layout_sql = q{
SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) || ' ['
       || (SELECT string_agg(i.relname || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END, ','
                             ORDER BY i.relname)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid)
       || ']', E'\n' ORDER BY c.relname)
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
WHERE h.inhparent = 'events'::regclass};
my $layout_before = $node->safe_psql('postgres', $layout_sql);

my $source = events_source();
$node->safe_psql('postgres',
	    "SELECT backfill.create('j', 'events', \$src\$$source\$src\$, NULL, NULL,"
	  . " '{\"sleep\": \"400ms\", \"lock_timeout\": \"100ms\"}')");

# --- the readers -------------------------------------------------------------

my $ITERATIONS = 20_000;    # far more than needed; the readers are stopped
my $per_part_q =
  join(' UNION ALL ',
	map { "SELECT tableoid::regclass, count(*), sum(amount2), " . latency_expr() . " FROM $_ GROUP BY 1" }
	  sort keys %$old);
my %readers = (
	generic => {
		setup => "SET plan_cache_mode = force_generic_plan;\n"
		  . "PREPARE q AS SELECT tableoid::regclass, count(*), sum(amount2), "
		  . latency_expr()
		  . " FROM events GROUP BY 1;\n",
		query => 'EXECUTE q;',
	},
	indexed => {
		setup => "SET enable_seqscan = off;\nSET enable_bitmapscan = off;\n"
		  . "\\set q 'SELECT tableoid::regclass, count(*), sum(amount2), "
		  . latency_expr()
		  . " FROM events GROUP BY 1'\n",
		query => ':q;',
	},
	by_name => {
		setup => "\\set q '$per_part_q'\n",
		query => ':q;',
	},);

for my $name (sort keys %readers)
{
	my $r = $readers{$name};
	my $body =
	    "$r->{query}\n\\echo ==\n"
	  . "SELECT EXISTS (SELECT FROM reader_stop) AS stop \\gset\n"
	  . "\\if :stop\n\\q\n\\endif\n";
	$r->{h} =
	  start_psql($node, 'postgres', $r->{setup} . ($body x $ITERATIONS),
		"reader_$name");
}

# Each reader has seen the table as it was before the run starts.
wait_for(
	'every reader to finish a first query',
	sub {
		for my $r (values %readers)
		{
			$r->{h}{run}->pump_nb;
			return 0 unless $r->{h}{out} =~ /^==$/m;
			die "reader $r->{h}{name} failed early: $r->{h}{err}\n"
			  if $r->{h}{err} ne '';
		}
		return 1;
	});

# --- the run -------------------------------------------------------------------

my $t0 = time;
my ($rc, $out, $err) = $node->psql('postgres', "CALL backfill.run('j')");
my $run_secs = time - $t0;
is($rc, 0, 'CALL backfill.run succeeded while readers were querying')
  or diag($err);
diag(sprintf('run took %.1f s', $run_secs));

# Let every reader see the finished table, then stop them.
my %lines_at_end;
for my $name (keys %readers)
{
	$readers{$name}{h}{run}->pump_nb;
	$lines_at_end{$name} = () = $readers{$name}{h}{out} =~ /^==$/mg;
}
wait_for(
	'every reader to finish a query after the run',
	sub {
		for my $name (keys %readers)
		{
			my $h = $readers{$name}{h};
			$h->{run}->pump_nb if $h->{run}->pumpable;
			my $n = () = $h->{out} =~ /^==$/mg;
			return 0 unless $n >= $lines_at_end{$name} + 2 || !$h->{run}->pumpable;
		}
		return 1;
	});
$node->safe_psql('postgres', 'INSERT INTO reader_stop VALUES (1)');

# --- what the readers saw -----------------------------------------------------

my ($mixed, $max_ms) = (0, 0);
for my $name (sort keys %readers)
{
	my $h    = $readers{$name}{h};
	my $exit = finish_psql($h);
	is($exit, 0, "reader $name exited cleanly");
	is($h->{err}, '', "reader $name got no error or warning");

	my @results = grep { $_ ne '' } split /^==\n/m, $h->{out};
	my ($bad, $first_all_old, $last_all_new, $went_back) = (0, undef, undef, 0);
	my %seen_new;
	for my $i (0 .. $#results)
	{
		my %got;
		for my $row (split /\n/, $results[$i])
		{
			my ($p, $n, $s, $ms) = split /\|/, $row;
			$got{$p} = "$n:$s";
			$max_ms = $ms if $ms > $max_ms;
		}
		my ($n_old, $n_new) = (0, 0);
		my @problems;
		push @problems, 'partitions ' . join(',', sort keys %got)
		  if join(',', sort keys %got) ne join(',', sort keys %$old);
		for my $p (sort keys %$old)
		{
			my $v = $got{$p} // 'missing';
			if ($v eq $old->{$p})
			{
				$n_old++;
				push @problems, "$p went back from new to old" if $seen_new{$p};
			}
			elsif ($v eq $new->{$p})
			{
				$n_new++;
				$seen_new{$p} = 1;
			}
			else
			{
				push @problems, "$p = $v (old $old->{$p}, new $new->{$p})";
			}
		}
		if (@problems)
		{
			diag("reader $name, result $i: " . join('; ', @problems))
			  if $bad++ < 5;
		}
		$first_all_old = ($n_old == $PARTS) if $i == 0;
		$last_all_new = ($n_new == $PARTS) if $i == $#results;
		$mixed++ if $n_old > 0 && $n_new > 0;
	}
	cmp_ok(scalar(@results), '>=', 3, "reader $name ran queries (" . scalar(@results) . ')');
	is($bad, 0, "reader $name: every partition was wholly old or wholly new in every result");
	ok($first_all_old, "reader $name saw the old table before the run");
	ok($last_all_new,  "reader $name saw the new table after the run");
}
cmp_ok($mixed, '>', 0,
	"readers saw the table mid-run ($mixed results with old and new partitions)");
diag("longest reader query: $max_ms ms");
cmp_ok($max_ms, '<', 10_000, 'no reader query was held up for long');

# --- the table after the run ----------------------------------------------------

is(job_state($node, 'postgres', 'j'), 'completed', 'job completed');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FILTER (WHERE state = 'published' AND attempts = 1 AND retained IS NOT NULL AND swap_ms IS NOT NULL)"
		  . " || '/' || count(*) FROM backfill.chunks WHERE job_name = 'j'"),
	"$PARTS/$PARTS",
	'every chunk published at the first attempt, original retained');
is_deeply(partition_figures($node, 'postgres', 'amount2'),
	$new, 'every partition holds the new rows');
is($node->safe_psql('postgres', 'SELECT count(*) FROM events WHERE amount2 <> amount * 2'),
	'0', 'no row was left with the old value');
is($node->safe_psql('postgres', $layout_sql),
	$layout_before, 'partition names, bounds and index names are unchanged, indexes valid');
is($node->safe_psql('postgres', "SELECT count(*) FROM events WHERE note = 'orig'"),
	$PARTS * $PER_PART, 'untouched column kept');
is(shadow_tables($node, 'postgres'), '', 'no shadow table left');

# The retained originals still hold the old data (rollback material).
my $retained_ok = 1;
for my $row (split /\n/,
	$node->safe_psql('postgres', "SELECT partition, retained FROM backfill.chunks WHERE job_name = 'j'"))
{
	my ($part, $ret) = split /\|/, $row;
	(my $short = $part) =~ s/^public\.//;
	my $fig = $node->safe_psql('postgres', "SELECT count(*) || ':' || sum(amount2) FROM $ret");
	if ($fig ne $old->{$short})
	{
		$retained_ok = 0;
		diag("retained $ret holds $fig, expected $old->{$short}");
	}
}
ok($retained_ok, 'every retained original holds the old rows');

# --- snapshots older than the shadows ------------------------------------------
# A transaction whose snapshot predates a chunk's build, and which first
# touches the table after the chunk is published, reads the new partition
# through that old snapshot: the shadow's rows were written after it, so
# the partition looks empty (the MVCC hazard of TRUNCATE and table rewrites).
# Two readers of that kind, while a second job (amount * 3) runs:
#   rr  a REPEATABLE READ transaction that took its snapshot before the run;
#   rc  a READ COMMITTED statement that took its parse-time snapshot, then
#       waited for a lock on a table listed before events in its FROM
#       clause.
# Publishing waits, like CREATE INDEX CONCURRENTLY, for every transaction
# whose snapshot is older than the build: nothing is published while they
# run, both see the old rows, and the run completes once they end.
my $cur  = partition_figures($node, 'postgres', 'amount2');
my $new3 = partition_figures($node, 'postgres', 'amount * 3');
$node->safe_psql('postgres', 'CREATE TABLE lockme (x int); INSERT INTO lockme VALUES (1);');
$node->safe_psql('postgres',
	    "SELECT backfill.create('j3', 'events', \$src\$"
	  . 'SELECT id, day, amount, amount * 3, note FROM events WHERE day >= $1 AND day < $2'
	  . "\$src\$)");

my $rr = $node->background_psql('postgres');
$rr->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1;');

my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE lockme IN ACCESS EXCLUSIVE MODE;');
my $rc_reader = start_psql($node, 'postgres',
	"SELECT e.tableoid::regclass, count(*), sum(e.amount2) FROM lockme l, events e GROUP BY 1;\n",
	'rc_reader');
wait_for_query($node, 'postgres',
	"SELECT wait_event_type FROM pg_stat_activity WHERE application_name = 'rc_reader'",
	'Lock', 'the READ COMMITTED reader to wait for lockme');

my $runner = start_psql($node, 'postgres', "CALL backfill.run('j3');\n", 'j3_runner');
wait_for_query($node, 'postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'j3_runner'"
	  . " AND query LIKE '%waiting for transactions older than the build%'",
	'1', 'the run to wait for the older snapshots');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM backfill.chunks WHERE job_name = 'j3' AND state = 'published'"),
	'0', 'nothing is published while older snapshots are alive');

my $rr_out = $rr->query_safe(
	'SELECT tableoid::regclass, count(*), sum(amount2) FROM events GROUP BY 1;');
$rr->query_safe('COMMIT;');
$rr->quit;
$locker->query_safe('COMMIT;');
$locker->quit;
is(finish_psql($rc_reader), 0, 'READ COMMITTED reader finished') or diag($rc_reader->{err});
is(finish_psql($runner), 0, 'second job ran once the older snapshots were gone')
  or diag($runner->{err});
is_deeply(partition_figures($node, 'postgres', 'amount2'), $new3, 'second job published its rows');

is(snapshot_problems($rc_reader->{out}, $cur, $new3), '',
	'READ COMMITTED statement queued before the run sees old or new rows, none missing');
is(snapshot_problems($rr_out, $cur, $new3), '',
	'REPEATABLE READ transaction older than the run sees old or new rows, none missing');

$node->stop;
done_testing();

# What is wrong with a "partition|count|sum" listing, given the old and new
# "count:sum" of every partition; '' when nothing is.
sub snapshot_problems
{
	my ($listing, $old_fig, $new_fig) = @_;
	my %got;
	for my $row (split /\n/, $listing)
	{
		my ($p, $n, $s) = split /\|/, $row;
		$got{$p} = "$n:$s";
	}
	my @problems;
	for my $p (sort keys %$old_fig)
	{
		my $v = $got{$p} // 'missing (no row)';
		push @problems, "$p: $v" if $v ne $old_fig->{$p} && $v ne $new_fig->{$p};
	}
	return join('; ', @problems);
}

# The time the statement has run so far, in ms, computed after the scan
# (aggregate output), so it includes any wait for locks.
sub latency_expr
{
	return 'round(1000 * extract(epoch FROM clock_timestamp() - statement_timestamp()))';
}

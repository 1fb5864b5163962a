
# Copyright (c) backfill authors
#
# Publication units seen by readers: with "publish": "batch" the chunks of a
# batch are swapped in ONE transaction, and with "publish": "end" every
# chunk is. Readers querying the table while background workers run the
# job never see a batch half published.
#
# The table has 6 daily partitions; the source adds 1000 to v, so each
# partition's sum(v) is either its old or its new figure (anything else
# would be a partition half rebuilt). Two readers loop (thousands of
# queries, each its own statement and snapshot) while the job runs:
#   parent   - per-partition sums through the partitioned table;
#   by_name  - the same sums, each partition read by its own name.
# Every observation is classified partition by partition as O (old) or
# N (new):
#   (a) batch, partitions_per_batch 3: partitions 1-3 are all O or all N in
#       every observation, and so are 4-6; the readers see the state
#       between the two batches (NNNOOO) and the final state; one release
#       per batch ({1,2,3} and {4,5,6});
#   (b) end (a job started from a specification document): all 6 flip at
#       once; one release ({1,...,6});
#   (c) each (the control): the same readers do see partitions of one
#       group flip separately, so the checks above are not vacuous.
# In every case no partition ever goes back from new to old, no reader
# gets an error, and the data ends up the source's.

use strict;
use warnings;

use File::Temp ();
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $PARTS    = 6;
my $PER_PART = 2000;

my $node = PostgreSQL::Test::Cluster->new('batch_atomic');
$node->init;
$node->append_conf('postgresql.conf', q{
max_worker_processes = 16
max_connections = 40
log_statement = none
lock_timeout = 0
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION backfill;
-- one sleep per chunk: STABLE and without column references, the planner
-- evaluates it once per execution (a one-time filter)
CREATE FUNCTION slow_pass(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
CREATE TABLE reader_stop (x int);
});

my $tmpdir = PostgreSQL::Test::Utils::tempdir();

# ---------------------------------------------------------------- helpers

sub sql
{
	return $node->safe_psql('postgres', $_[0]);
}

# A table $tbl (id, day, v) with $PARTS daily partitions ${tbl}_1 ..
# ${tbl}_$PARTS from 2024-01-01, $PER_PART rows in each.
sub make_table
{
	my ($tbl) = @_;
	sql(qq{
CREATE TABLE $tbl (id int NOT NULL, day date NOT NULL, v int NOT NULL,
                   PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
DO \$\$ BEGIN
  FOR i IN 1 .. $PARTS LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF $tbl FOR VALUES FROM (%L) TO (%L)',
                   '${tbl}_' || i, date '2024-01-01' + i - 1, date '2024-01-01' + i);
  END LOOP;
END \$\$;
INSERT INTO $tbl SELECT g, date '2024-01-01' + (g - 1) / $PER_PART, g
FROM generate_series(1, $PARTS * $PER_PART) g;
ANALYZE $tbl;
});
	return;
}

# The source: every v + 1000, one sleep of $sleep seconds per chunk.
sub source_of
{
	my ($tbl, $sleep) = @_;
	return "SELECT id, day, v + 1000 FROM $tbl WHERE day >= \$1 AND day < \$2"
	  . " AND slow_pass($sleep)";
}

# The old and the new sum(v) of every partition, in partition order.
sub expected_sums
{
	my ($tbl) = @_;
	my @old = split /\n/, sql(qq{
SELECT sum(v) FROM $tbl GROUP BY tableoid ORDER BY min(day)});
	my @new = map { $_ + 1000 * $PER_PART } @old;
	return (\@old, \@new);
}

# The two reader queries for $tbl: one line, the partitions' sums in
# partition order, comma-separated.
sub reader_queries
{
	my ($tbl) = @_;
	my $by_name = join(', ',
		map { "coalesce((SELECT sum(v) FROM ${tbl}_$_)::text, 'none')" } 1 .. $PARTS);
	return (
		parent => "SELECT string_agg(s::text, ',' ORDER BY d) FROM"
		  . " (SELECT min(day) AS d, sum(v) AS s FROM $tbl GROUP BY tableoid) x",
		by_name => "SELECT concat_ws(',', $by_name)",);
}

# Starts a psql that runs $query over and over (each time its own
# statement, autocommit), printing one line per result, until a row is put
# in reader_stop. Script and output are files, so the reader never waits
# for this script to read its output.
sub start_reader
{
	my ($label, $query) = @_;
	my $script = "$tmpdir/$label.sql";
	my $out    = "$tmpdir/$label.out";
	my $err    = "$tmpdir/$label.err";
	my $body =
	    "SELECT ($query) AS o, EXISTS (SELECT FROM reader_stop) AS stop \\gset\n"
	  . "\\echo :o\n\\if :stop\n\\q\n\\endif\n";
	open my $fh, '>', $script or die "cannot write $script: $!";
	print $fh "SET application_name = 'reader_$label';\n";
	print $fh $body x 50_000;
	close $fh;
	my $h = IPC::Run::start(
		[
			$node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr('postgres'), '-f', $script
		],
		'<', \undef, '>', $out, '2>', $err);
	return { label => $label, h => $h, out => $out, err => $err };
}

sub slurp_lines
{
	my ($file) = @_;
	open my $fh, '<', $file or return ();
	my @lines = <$fh>;
	close $fh;
	chomp @lines;
	return @lines;
}

# Waits until every reader has printed at least $n lines (or ended).
sub wait_lines
{
	my ($readers, $n, $what) = @_;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	for (;;)
	{
		my $short = 0;
		for my $r (@$readers)
		{
			my @l = slurp_lines($r->{out});
			$short++ if @l < $n && $r->{h}->pumpable;
		}
		return 1 unless $short;
		if (time() > $deadline)
		{
			diag("timed out waiting for the readers: $what");
			return 0;
		}
		usleep(20_000);
	}
}

# Polls the job (short statements: a session waiting inside one statement
# would hold a snapshot older than the builds) until it ends; its state.
sub job_end
{
	my ($job) = @_;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my $state;
	for (;;)
	{
		$state = sql("SELECT state FROM backfill.jobs WHERE name = '$job'");
		return $state
		  if $state =~ /^(completed|failed|cancelled|rolled_back)$/
		  || time() > $deadline;
		usleep(100_000);
	}
}

# Runs one scenario: readers on, the job ($start_sql, which starts it in
# background workers) to its end, readers off; returns per reader the
# observations as strings of O/N (X for a figure that is neither).
sub observe
{
	my ($tbl, $job, $start_sql) = @_;
	my ($old, $new) = expected_sums($tbl);
	my %q = reader_queries($tbl);
	sql('TRUNCATE reader_stop');
	my @readers = map { start_reader("${tbl}_$_", $q{$_}) } sort keys %q;

	ok(wait_lines(\@readers, 1, 'a first result'), "$tbl: readers are running");
	ok(sql($start_sql) > 0, "$tbl: job $job started");
	is(job_end($job), 'completed', "$tbl: job $job completed");

	# Each reader sees the table after the job too, then stops.
	my %at_end = map { $_->{label} => scalar(my @l = slurp_lines($_->{out})) } @readers;
	my $max = 0;
	$max = $_ > $max ? $_ : $max for values %at_end;
	wait_lines(\@readers, $max + 20, 'results after the job');
	sql('INSERT INTO reader_stop VALUES (1)');

	my %seen;
	for my $r (@readers)
	{
		$r->{h}->finish;
		is($r->{h}->result(0), 0, "$tbl: reader $r->{label} exited cleanly");
		my @err = slurp_lines($r->{err});
		is(join("\n", @err), '', "$tbl: reader $r->{label} got no error");
		my @obs;
		for my $line (slurp_lines($r->{out}))
		{
			my @v = split /,/, $line, -1;
			my $s = '';
			for my $i (0 .. $PARTS - 1)
			{
				my $x = $v[$i] // 'missing';
				$s .=
				    $x eq $old->[$i] ? 'O'
				  : $x eq $new->[$i] ? 'N'
				  :                    'X';
			}
			$s .= 'X' if @v != $PARTS;
			push @obs, $s;
		}
		$seen{ $r->{label} } = \@obs;
	}
	return \%seen;
}

# Checks common to every scenario, for each reader: every figure old or
# new, old first and new last, no partition back from new to old.
sub check_common
{
	my ($tbl, $seen) = @_;
	my $all_old = 'O' x $PARTS;
	my $all_new = 'N' x $PARTS;
	for my $label (sort keys %$seen)
	{
		my @obs = @{ $seen->{$label} };
		cmp_ok(scalar(@obs), '>=', 100,
			"$label: the reader ran many queries (" . scalar(@obs) . ')');
		my @bad = grep { /X/ } @obs;
		is(scalar(@bad), 0, "$label: every partition was old or new in every result")
		  or diag("first bad results: @bad[0 .. ($#bad < 4 ? $#bad : 4)]");
		is($obs[0],  $all_old, "$label: the first result saw the old table");
		is($obs[-1], $all_new, "$label: the last result saw the new table");
		my $back = 0;
		for my $i (1 .. $#obs)
		{
			for my $p (0 .. $PARTS - 1)
			{
				$back++
				  if substr($obs[ $i - 1 ], $p, 1) eq 'N'
				  && substr($obs[$i], $p, 1) eq 'O';
			}
		}
		is($back, 0, "$label: no partition went back from new to old");
	}
	return;
}

# The distinct states, in the order first seen.
sub states
{
	my ($obs) = @_;
	my (%s, @order);
	for (@$obs) { push @order, $_ unless $s{$_}++ }
	return \%s, \@order;
}

# The data is the source's: every v is id + 1000.
sub data_is_new
{
	my ($tbl) = @_;
	return sql("SELECT count(*) FILTER (WHERE v <> id + 1000) || '/' || count(*) FROM $tbl");
}

# ------------------------------------- (a) publish batch, 3 per batch

make_table('bt');
my $seen = observe(
	'bt', 'bt_batch',
	"SELECT backfill.start('bt_batch', 'bt', \$src\$"
	  . source_of('bt', 0.8)
	  . "\$src\$, NULL, NULL,"
	  . " '{\"publish\": \"batch\", \"partitions_per_batch\": 3, \"max_concurrency\": 2}')");
check_common('bt', $seen);
my $intermediate = 0;
for my $label (sort keys %$seen)
{
	my ($s, $order) = states($seen->{$label});
	diag("$label states: @$order");
	my @torn = grep { !/^(OOO|NNN)(OOO|NNN)$/ } keys %$s;
	is(join(' ', sort @torn), '',
		"$label: partitions 1-3 were all old or all new, and so were 4-6, in every result");
	ok($s->{'NNNNNN'}, "$label: the reader saw the final state");
	ok($s->{'NNNOOO'} || $s->{'NNNNNN'},
		"$label: the reader saw the intermediate state or at least the final one");
	$intermediate++ if $s->{'NNNOOO'};
}
cmp_ok($intermediate, '>', 0,
	'a reader saw the table between the two batches (first published, second not)');
is(data_is_new('bt'), "0/" . $PARTS * $PER_PART, 'bt: every row is the source\'s');
is( sql(q{SELECT string_agg(chunks::text, ' ' ORDER BY id) FROM backfill.releases
          WHERE job_name = 'bt_batch' AND action = 'publish'}),
	'{1,2,3} {4,5,6}',
	'bt: one release per batch');
is( sql(q{SELECT count(DISTINCT swap_ms) || ' ' || count(DISTINCT (chunk_no - 1) / 3)
          FROM backfill.chunks WHERE job_name = 'bt_batch'}),
	'2 2',
	'bt: the chunks of a batch were swapped together (one swap_ms per batch)');
is( sql(q{SELECT string_agg(DISTINCT chunk_no::text, ',')
          FROM backfill.log WHERE job_name = 'bt_batch' AND event = 'chunk_published'
           AND detail LIKE '% (with 2 more)'}),
	'1,2,3,4,5,6',
	'bt: every chunk was published with the two others of its batch');

# ------------------------------------- (b) publish end, from a spec document

make_table('et');
my $spec_source = source_of('et', 0.3);
$seen = observe(
	'et', 'et_end',
	qq{SELECT backfill.start(\$spec\${"backfill_id": "et_end",
  "target": {"table": "public.et", "partition_key": "day"},
  "source_range": {"start": "2024-01-01", "end": "2024-01-06"},
  "source": "$spec_source",
  "reason": {"issue": "OPS-1", "change": "v + 1000"},
  "execution": {"publish": "end", "max_concurrency": 2},
  "code_version": "t030", "approved_by": "tester"}\$spec\$::jsonb)});
check_common('et', $seen);
for my $label (sort keys %$seen)
{
	my ($s, $order) = states($seen->{$label});
	diag("$label states: @$order");
	is(join(' ', sort keys %$s), 'NNNNNN OOOOOO',
		"$label: all 6 partitions flipped at once (only all old or all new seen)");
}
is(data_is_new('et'), "0/" . $PARTS * $PER_PART, 'et: every row is the source\'s');
is( sql(q{SELECT string_agg(chunks::text || ' ' || reason || ' ' || code_version
                            || ' ' || approved_by, '; ')
          FROM backfill.releases WHERE job_name = 'et_end'}),
	'{1,2,3,4,5,6} OPS-1: v + 1000 t030 tester',
	'et: one release with every chunk and the document\'s release record');
is(sql(q{SELECT range_to FROM backfill.jobs WHERE name = 'et_end'}),
	'2024-01-07', 'et: source_range.end is inclusive');

# ------------------------------------- (c) publish each: the control

make_table('ct');
$seen = observe(
	'ct', 'ct_each',
	"SELECT backfill.start('ct_each', 'ct', \$src\$"
	  . source_of('ct', 0.4)
	  . "\$src\$, NULL, NULL, '{\"publish\": \"each\"}')");
check_common('ct', $seen);
my $torn = 0;
for my $label (sort keys %$seen)
{
	my ($s, $order) = states($seen->{$label});
	diag("$label states: @$order");
	$torn += grep { !/^(OOO|NNN)(OOO|NNN)$/ } keys %$s;
}
cmp_ok($torn, '>', 0,
	'with publish each, the readers do see the partitions of a group flip separately');
is( sql(q{SELECT count(*) FROM backfill.releases WHERE job_name = 'ct_each'}),
	$PARTS, 'ct: one release per chunk');

# Nothing was left behind.
is( sql(q{SELECT count(*) FROM pg_class WHERE relname ~ '_bf[0-9]+_[0-9]+_new$'}),
	'0', 'no shadow is left');

$node->stop;
done_testing();

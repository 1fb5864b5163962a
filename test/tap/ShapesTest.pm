
# Shared by the TAP tests of partitioned shapes (080-089): one run of a swap
# job on table "t" of any shape, with readers querying t throughout, a write
# routed through t into the leaf of chunk 1 while that chunk is built, the
# exact content checked after the run, and an exact rollback.
#
# Table t has columns (id int, <keys>, v int); the source gives v + 1000, so
# a rewritten row has v >= 1000 and an original one v < 1000. The job
# publishes everything at once (publish end): every reader result counts
# either no rewritten row or all of them, whichever level the leaves sit at.

package ShapesTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

our @EXPORT = qw(shape_test);

# The partition tree of t: every relation under it with its parent and its
# bound, one per line.
my $tree_sql = q{
SELECT string_agg(c.relname || ' < ' || p.relname || ' ' || pg_get_expr(c.relpartbound, c.oid),
                  E'\n' ORDER BY c.relname)
FROM pg_partition_tree('t') t JOIN pg_class c ON c.oid = t.relid
JOIN pg_class p ON p.oid = t.parentrelid};

# Rows of t (with the partition each lives in) that differ from table
# other's, both ways; 0 when t holds exactly other's rows.
sub differing
{
	my ($node, $other) = @_;
	return $node->safe_psql('postgres', qq{
SELECT count(*) FROM (
    (SELECT tableoid::regclass::text AS part, * FROM t EXCEPT SELECT * FROM $other)
    UNION ALL (SELECT * FROM $other EXCEPT SELECT tableoid::regclass::text AS part, * FROM t)) d});
}

# A reader: the same query over and over until told to stop, each result
# followed by "==".
sub start_reader
{
	my ($node) = @_;
	my $body =
	    "SELECT count(*) FILTER (WHERE v >= 1000) || ':' || count(*) FROM t;\n\\echo ==\n"
	  . "SELECT EXISTS (SELECT FROM reader_stop) AS stop \\gset\n\\if :stop\n\\q\n\\endif\n";
	return start_psql($node, 'postgres', $body x 20_000, 'reader');
}

# shape_test(NAME, SETUP, SOURCE, RANGE_FROM, RANGE_TO, OPTIONS): SETUP
# creates t and its rows (ids unique across t, v below 500); SOURCE gets the
# gate added to its WHERE clause; RANGE_FROM and RANGE_TO are SQL
# ('NULL', a literal); OPTIONS are JSON members added to the job's options
# ('"include_default": true') or ''. Returns the node (still running).
sub shape_test
{
	my ($name, $setup, $source, $range_from, $range_to, $options) = @_;
	my $node = new_backfill_node($name);
	my $db   = 'postgres';
	$node->safe_psql(
		$db, $setup . q{
CREATE TABLE reader_stop (x int);
CREATE TABLE gate_closed (x int);
CREATE FUNCTION gate() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    WHILE EXISTS (SELECT FROM public.gate_closed) LOOP
        PERFORM pg_sleep(0.02);
    END LOOP;
    RETURN true;
END
$$;
INSERT INTO gate_closed VALUES (1);
CREATE TABLE original AS SELECT tableoid::regclass::text AS part, * FROM t;
});
	my $tree_before = $node->safe_psql($db, $tree_sql);
	my $total       = $node->safe_psql($db, 'SELECT count(*) FROM t');
	my $opts = '{"publish": "end", "max_attempts": 3' . ($options ? ", $options" : '') . '}';
	# (SELECT gate()) is an InitPlan: evaluated once per build, after the
	# load took its snapshot
	my $src = $source . ($source =~ /\bWHERE\b/ ? ' AND' : ' WHERE') . ' (SELECT gate())';
	$node->safe_psql($db,
		"SELECT backfill.create('j', 't', \$src\$$src\$src\$, $range_from, $range_to, '$opts')");
	my $first = $node->safe_psql($db,
		"SELECT partition::regclass::text FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 1");

	my $reader = start_reader($node);
	my $runner = start_psql($node, $db, "CALL backfill.run('j');\n", 'runner');
	wait_for_query($node, $db,
		"SELECT state FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 1",
		'running', 'chunk 1 to be built');
	wait_for_query($node, $db,
		"SELECT wait_event FROM pg_stat_activity WHERE application_name = 'runner'",
		'PgSleep', 'the build of chunk 1 to wait in gate()');
	# a write routed through the top-level table into chunk 1's leaf
	my $write = "UPDATE %s SET v = v + 1 WHERE id = (SELECT min(id) FROM $first)";
	$node->safe_psql($db, sprintf($write, 't'));
	$node->safe_psql($db, "UPDATE original SET v = v + 1 WHERE part = '$first'"
		  . " AND id = (SELECT min(id) FROM original WHERE part = '$first')");
	$node->safe_psql($db, 'DELETE FROM gate_closed');
	is(finish_psql($runner), 0, "$name: the run succeeded") or diag($runner->{err});
	is(job_state($node, $db, 'j'), 'completed', "$name: the job completed");
	my $retries = $node->safe_psql($db,
		"SELECT count(*) FROM backfill.log WHERE job_name = 'j' AND event = 'chunk_retry'");
	cmp_ok($retries, '>=', 1, "$name: the write during the build sent chunk 1 back to be rebuilt");

	# exact content: the rows of the chosen leaves rewritten (the write
	# included), every other row as it was, each in its own partition
	$node->safe_psql($db, q{
CREATE TABLE expected AS SELECT * FROM original;
UPDATE expected SET v = v + 1000
WHERE part IN (SELECT partition::regclass::text FROM backfill.chunks WHERE job_name = 'j');});
	is(differing($node, 'expected'), 0, "$name: exact content after the run");
	is($node->safe_psql($db, $tree_sql), $tree_before,
		"$name: every partition is back at its parent with its bound");

	$node->safe_psql($db, 'INSERT INTO reader_stop VALUES (1)');
	is(finish_psql($reader), 0, "$name: the reader ran without error")
	  or diag($reader->{err});
	my $rewritten = $node->safe_psql($db, 'SELECT count(*) FROM t WHERE v >= 1000');
	cmp_ok($rewritten, '>', 0, "$name: rows were rewritten");
	my @results = grep { $_ ne '' } split /\n?==\n?/, $reader->{out};
	my @bad = grep { $_ ne "0:$total" && $_ ne "$rewritten:$total" } @results;
	is(scalar(@bad), 0,
		"$name: every reader result saw no rewritten row or all of them (" . scalar(@results)
		  . ' results)')
	  or diag(join(', ', @bad[0 .. ($#bad < 4 ? $#bad : 4)]));
	is($results[0],  "0:$total",          "$name: the reader saw the table before");
	is($results[-1], "$rewritten:$total", "$name: the reader saw the table after");

	is($node->safe_psql($db, "SELECT backfill.rollback('j') > 0"), 't', "$name: rolled back");
	is(differing($node, 'original'), 0, "$name: exact content after the rollback");
	is($node->safe_psql($db, $tree_sql), $tree_before, "$name: every level restored exactly");
	is($node->safe_psql($db, "SELECT backfill.purge('j') > 0"), 't', "$name: purged");
	is(shadow_tables($node, $db), '', "$name: no shadow left");
	return $node;
}

1;

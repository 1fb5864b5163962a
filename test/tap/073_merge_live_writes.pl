
# Live ingest keeps writing while a merge job corrects the same table
# (issue 11, item 4), under each conflict rule, with exact results.
#
# t_<rule> (id, v, ver) and the corrected history fixes (every id of
# 1-10 and 101-110: 'fixed', ver 2). Two chunks, [1, 101) and [101, 201).
# Before the job: ids 1-8 and 101-108 exist; 1 already equals the source,
# 5 has the source's version with another value, 6 a newer version; the
# others 'old', ver 1. The source waits at a gate at the start of each
# chunk, i.e. inside the chunk's transaction, while other sessions write:
#
#   committed while chunk 1 waits:  2 -> live/3, 3 -> live/1, insert 50 live/7
#                                   (a key the source does not produce)
#   uncommitted, held until the merge meets them:
#                                   4 -> live4/9, insert 9 live9/5 (a key
#                                   the source produces: the merge's insert
#                                   runs into it)
#   uncommitted, held while chunk 1 runs to its end: 101 -> live5/1 (chunk
#                                   2's range: chunk 1 must not need it),
#                                   committed before chunk 2 compares
#
# Expected (id: value/ver):
#               source_wins   live_wins     newer_wins
#   1           fixed/2       fixed/2       fixed/2     (unchanged)
#   2           fixed/2       live/3        live/3
#   3           fixed/2       live/1        fixed/2
#   4           fixed/2       live4/9       live4/9     (written after the live update)
#   5           fixed/2       other/2       fixed/2     (equal version: the source's)
#   6           fixed/2       newer/4       newer/4
#   7, 8        fixed/2       old/1         fixed/2
#   9           live9/5       live9/5       live9/5     (inserted concurrently: kept)
#   10          fixed/2       fixed/2       fixed/2     (missing: inserted)
#   50          live50/7      live50/7      live50/7    (not in the source, no delete_missing)
#   101         fixed/2       live5/1       fixed/2
#   102-108     fixed/2       old/1         fixed/2
#   109, 110    fixed/2       fixed/2       fixed/2
# and no other row.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_live');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

install_gate($node, $db);
sql(q{
CREATE TABLE fixes (id bigint PRIMARY KEY, v text NOT NULL, ver int NOT NULL);
INSERT INTO fixes SELECT g, 'fixed', 2 FROM generate_series(1, 10) g;
INSERT INTO fixes SELECT g, 'fixed', 2 FROM generate_series(101, 110) g;
});

my %expected = (
	source_wins => { 4 => 'fixed:2', 5 => 'fixed:2', 6 => 'fixed:2', 2 => 'fixed:2', 3 => 'fixed:2', 7 => 'fixed:2', 101 => 'fixed:2', old => 'fixed:2' },
	live_wins   => { 4 => 'live4:9', 5 => 'other:2', 6 => 'newer:4', 2 => 'live:3', 3 => 'live:1', 7 => 'old:1', 101 => 'live5:1', old => 'old:1' },
	newer_wins  => { 4 => 'live4:9', 5 => 'fixed:2', 6 => 'newer:4', 2 => 'live:3', 3 => 'fixed:2', 7 => 'fixed:2', 101 => 'fixed:2', old => 'fixed:2' });

# The expected rows of a rule, "id:v:ver,..." in id order.
sub expected_rows
{
	my ($rule) = @_;
	my $e = $expected{$rule};
	my %row = (1 => 'fixed:2', 9 => 'live9:5', 10 => 'fixed:2', 50 => 'live50:7', 109 => 'fixed:2', 110 => 'fixed:2');
	$row{$_} = $e->{$_} for 2 .. 6, 101;
	$row{$_} = $e->{7}   for 7, 8;
	$row{$_} = $e->{old} for 102 .. 108;
	return join(',', map { "$_:$row{$_}" } sort { $a <=> $b } keys %row);
}

# A session of its own holding an uncommitted write; returns the session
# and its backend's pid.
sub hold
{
	my ($statement) = @_;
	my $s = $node->background_psql($db);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	$s->query_safe("BEGIN; $statement;");
	return [ $s, $pid ];
}

for my $rule (qw(source_wins live_wins newer_wins))
{
	my $t = "t_$rule";
	sql(qq{
CREATE TABLE $t (id bigint PRIMARY KEY, v text NOT NULL, ver int NOT NULL);
INSERT INTO $t SELECT g, 'old', 1 FROM generate_series(1, 8) g;
INSERT INTO $t SELECT g, 'old', 1 FROM generate_series(101, 108) g;
UPDATE $t SET v = 'fixed', ver = 2 WHERE id = 1;
UPDATE $t SET v = 'other', ver = 2 WHERE id = 5;
UPDATE $t SET v = 'newer', ver = 4 WHERE id = 6;
INSERT INTO gate_closed VALUES ('$rule:1'), ('$rule:101');
});
	my $options = qq{"chunk_by": "id", "chunk_size": 100, "conflict": "$rule"}
	  . ($rule eq 'newer_wins' ? ', "version_column": "ver"' : '');
	create_merge_job($node, $db, $rule, $t,
		'SELECT id, v, ver FROM fixes WHERE id >= $1 AND id < $2 AND ' . gated_source_filter("$rule:"),
		'1', '201', $options);
	my $runner = start_psql($node, $db, "CALL backfill.run('$rule');\n", "runner_$rule");
	my $pid    = backend_pid_of($node, $db, "runner_$rule");
	wait_for_query($node, $db, "SELECT wait_event FROM pg_stat_activity WHERE pid = $pid",
		'PgSleep', "$rule: the runner to wait at the gate of chunk 1");

	sql("UPDATE $t SET v = 'live', ver = 3 WHERE id = 2");
	sql("UPDATE $t SET v = 'live', ver = 1 WHERE id = 3");
	sql("INSERT INTO $t VALUES (50, 'live50', 7)");
	my $w4  = hold("UPDATE $t SET v = 'live4', ver = 9 WHERE id = 4");
	my $w9  = hold("INSERT INTO $t VALUES (9, 'live9', 5)");
	my $w101 = hold("UPDATE $t SET v = 'live5', ver = 1 WHERE id = 101");
	sql("DELETE FROM gate_closed WHERE k = '$rule:1'");

	for my $holder ($w4, $w9)
	{
		wait_until_blocked_or_done($node, $db, $pid, $holder->[1], $rule, 1);
		$holder->[0]->query_safe('COMMIT;');
		$holder->[0]->quit;
	}
	# Chunk 1 ends although 101 stays locked: it locks nothing outside its range.
	wait_for_query($node, $db,
		"SELECT state FROM backfill.chunks WHERE job_name = '$rule' AND chunk_no = 1",
		'published', "$rule: chunk 1 to be published while row 101 is locked");
	wait_for_query($node, $db, "SELECT wait_event FROM pg_stat_activity WHERE pid = $pid",
		'PgSleep', "$rule: the runner to wait at the gate of chunk 2");
	$w101->[0]->query_safe('COMMIT;');
	$w101->[0]->quit;
	sql("DELETE FROM gate_closed WHERE k = '$rule:101'");

	is(finish_psql($runner), 0, "$rule: CALL backfill.run finished") or diag($runner->{err});
	is(job_state($node, $db, $rule), 'completed', "$rule: the job completes");
	is(rows_of($node, $db, $t, 'v, ver'), expected_rows($rule), "$rule: every row as the rule says");
}

$node->stop;
done_testing();

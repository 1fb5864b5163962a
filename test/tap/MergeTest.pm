
# Helpers of the mode merge tests (test/tap/07*.pl), on top of BackfillTest.
#
# Loaded with "use MergeTest;". The tests read what a job did only through
# the contract: the views backfill.jobs, backfill.chunks and backfill.log.

package MergeTest;

use strict;
use warnings;

use Exporter 'import';
use Test::More;
use Time::HiRes qw(time usleep);
use BackfillTest;

our @EXPORT = qw(
  merge_counts
  install_gate
  gated_source_filter
  rows_of
  create_merge_job
  wait_until_blocked_or_done
  changed_rows
);

# merge_counts(NODE, DB, JOB): one line per chunk,
# "chunk_no|state|rows_inserted|rows_updated|rows_deleted|rows_unchanged",
# in chunk order: what each chunk wrote, as backfill.chunks reports it.
sub merge_counts
{
	my ($node, $db, $job) = @_;
	return $node->safe_psql($db,
		"SELECT concat_ws('|', chunk_no, state, rows_inserted, rows_updated, rows_deleted, rows_unchanged)"
		  . " FROM backfill.chunks WHERE job_name = '$job' ORDER BY chunk_no");
}

# install_gate(NODE, DB): a table gate_closed(k text) and a function
# gate(k text) that sleeps while k is listed there. A source calling
# gate(...) holds its chunk's transaction at a known point until the test
# deletes the row, so that other sessions can write meanwhile.
sub install_gate
{
	my ($node, $db) = @_;
	$node->safe_psql(
		$db, q{
CREATE TABLE gate_closed (k text PRIMARY KEY);
CREATE FUNCTION gate(k text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    WHILE EXISTS (SELECT FROM public.gate_closed g WHERE g.k = gate.k) LOOP
        PERFORM pg_sleep(0.02);
    END LOOP;
    RETURN true;
END
$$;});
	return;
}

# gated_source_filter(TAG): a WHERE condition for a source whose chunk
# waits at gate(TAG || lower bound), evaluated once per chunk.
sub gated_source_filter
{
	my ($tag) = @_;
	return "(SELECT gate('$tag' || \$1::text))";
}

# rows_of(NODE, DB, TABLE, COLUMNS): the table's rows as one string,
# "id:col:col,..." in id order, for exact comparisons of small tables.
sub rows_of
{
	my ($node, $db, $table, $columns) = @_;
	my $expr = join(" || ':' || ", map { "coalesce(${_}::text, 'NULL')" } split /,\s*/, $columns);
	return $node->safe_psql($db,
		"SELECT string_agg(id || ':' || $expr, ',' ORDER BY id) FROM $table");
}

# create_merge_job(NODE, DB, JOB, TABLE, SOURCE, FROM, TO, OPTIONS_JSON): a
# job of mode merge (OPTIONS_JSON without "mode"), not started.
sub create_merge_job
{
	my ($node, $db, $job, $table, $source, $from, $to, $options) = @_;
	my $json = '{"mode": "merge"' . ($options ne '' ? ", $options" : '') . '}';
	my $lit  = sub { defined $_[0] ? "'$_[0]'" : 'NULL' };
	return $node->safe_psql($db,
		"SELECT backfill.create('$job', '$table', \$src\$$source\$src\$, "
		  . $lit->($from) . ', ' . $lit->($to) . ", '$json')");
}

# wait_until_blocked_or_done(NODE, DB, PID, HOLDER_PID, JOB, CHUNK): waits
# (at most 5 s, then goes on) until the runner PID waits for a lock held by
# the session HOLDER_PID, or chunk CHUNK of JOB is no longer running or was
# tried again. The test then releases what HOLDER_PID holds: whatever the
# merge does with a locked row (wait, or give up and retry the chunk), it
# meets the release.
sub wait_until_blocked_or_done
{
	my ($node, $db, $pid, $holder_pid, $job, $chunk) = @_;
	my $deadline = time + 5;
	while (time < $deadline)
	{
		my $r = $node->safe_psql($db,
			"SELECT $holder_pid = ANY (pg_blocking_pids($pid))"
			  . " OR (SELECT state <> 'running' OR attempts > 1 FROM backfill.chunks"
			  . " WHERE job_name = '$job' AND chunk_no = $chunk)");
		return 1 if $r eq 't';
		usleep(50_000);
	}
	note("runner $pid not blocked by $holder_pid, chunk $chunk of $job still running after 5 s");
	return 0;
}

# changed_rows(NODE, DB, TABLE, SNAPSHOT): how many rows of TABLE are not
# physically the same as in SNAPSHOT (a table of id, xmin taken earlier):
# new rows and rows whose xmin changed, i.e. rows some write touched.
sub changed_rows
{
	my ($node, $db, $table, $snapshot) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) FROM $table t LEFT JOIN $snapshot s USING (id)"
		  . " WHERE s.id IS NULL OR s.x <> t.xmin::text");
}

1;

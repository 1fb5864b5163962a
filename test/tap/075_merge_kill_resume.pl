
# kill -9 of a merge runner in the middle of a chunk, and resume (issue 11,
# item 7): a chunk is one transaction, so the killed attempt leaves nothing
# behind; running the job on gives exactly the uninterrupted result, with
# no duplicate, the same counts, and a before-image that rolls back exactly.
#
# Three databases of one cluster hold the same table k (ids 1-4000) and the
# same job over [1, 5001) in five chunks of 1000 (every 10th row changed,
# ids 2001-2010 gone with delete_missing, ids 4001-4005 new):
#   a  the reference, uninterrupted;
#   b  killed while chunk 3's source runs (held at a gate);
#   c  killed while chunk 3 writes: a row trigger holds the update of id
#      2500 inside the chunk's transaction, once the chunk began writing.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_kill', "restart_after_crash = on\n");

sub setup_db
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION backfill');
	install_gate($node, $db);
	$node->safe_psql(
		$db, q{
CREATE TABLE k (id bigint PRIMARY KEY, v int NOT NULL, note text NOT NULL);
CREATE INDEX k_v_idx ON k (v);
INSERT INTO k SELECT g, g, 'n' || g FROM generate_series(1, 4000) g;
CREATE TABLE k_fixed AS
SELECT id, CASE WHEN id % 10 = 0 THEN v * 3 ELSE v END AS v, note FROM k WHERE id NOT BETWEEN 2001 AND 2010
UNION ALL SELECT g, g, 'new' FROM generate_series(4001, 4005) g;
CREATE FUNCTION k_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM public.gate('row:' || NEW.id); RETURN NEW; END $$;
CREATE TRIGGER k_hold BEFORE UPDATE ON k FOR EACH ROW EXECUTE FUNCTION k_hold();
});
	create_merge_job($node, $db, 'j', 'k',
		'SELECT id, v, note FROM k_fixed WHERE id >= $1 AND id < $2 AND ' . gated_source_filter('chunk:'),
		'1', '5001', '"chunk_by": "id", "chunk_size": 1000, "delete_missing": true');
	return;
}

my $digest = "SELECT count(*) || ':' || md5(string_agg(k::text, ',' ORDER BY id)) FROM k";

setup_db($_) for qw(a b c);
my $original = $node->safe_psql('a', $digest);
$node->safe_psql('a', "CALL backfill.run('j')");
is(job_state($node, 'a', 'j'), 'completed', 'a: the uninterrupted run completes');
my $reference = $node->safe_psql('a', $digest);
my $counts    = merge_counts($node, 'a', 'j');
is($counts,
	"1|published|0|100|0|900\n2|published|0|100|0|900\n3|published|0|99|10|891\n4|published|0|100|0|900\n5|published|5|0|0|0",
	'a: what each chunk wrote')
  or diag('the chunks: ' . $node->safe_psql('a', "SELECT string_agg(lower_bound || '-' || upper_bound, ',') FROM backfill.chunks"));

my %hold = (b => "chunk:2001", c => "row:2500");
for my $db (qw(b c))
{
	$node->safe_psql($db, "INSERT INTO gate_closed VALUES ('$hold{$db}')");
	my $runner = start_psql($node, $db, "CALL backfill.run('j');\n", "runner_$db");
	my $pid    = backend_pid_of($node, $db, "runner_$db");
	wait_for_query($node, $db,
		"SELECT (SELECT state FROM backfill.chunks WHERE job_name = 'j' AND chunk_no = 3) || '/'"
		  . " || (SELECT wait_event FROM pg_stat_activity WHERE pid = $pid)",
		'running/PgSleep', "$db: the runner to be held inside chunk 3");
	ok(kill('KILL', $pid), "$db: kill -9 of the runner's backend");
	$node->poll_query_until($db, 'SELECT true')
	  or die "$db: the server did not accept connections again after the crash\n";
	isnt(finish_psql($runner), 0, "$db: the killed run ended with an error");
	is( $node->safe_psql($db, "SELECT count(*) FROM k WHERE id BETWEEN 2001 AND 3000 AND v <> id"),
		'0', "$db: nothing of chunk 3 was written");
	is( $node->safe_psql($db,
			"SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
		'published,published,running,pending,pending', "$db: chunks 1-2 published, 3 left running");

	$node->safe_psql($db, 'DELETE FROM gate_closed');
	$node->safe_psql($db, "CALL backfill.run('j')");
	is(job_state($node, $db, 'j'), 'completed', "$db: the job completes when run again");
	is($node->safe_psql($db, $digest), $reference, "$db: the table is identical to the uninterrupted run");
	is( $node->safe_psql($db, 'SELECT count(*) - count(DISTINCT id) FROM k'), '0', "$db: no duplicate id");
	is(merge_counts($node, $db, 'j'), $counts, "$db: the same counts per chunk");
	is( $node->safe_psql($db,
			"SELECT string_agg(chunk_no || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
		'1:1,2:1,3:2,4:1,5:1', "$db: chunk 3 was tried again, the others once");
	is($node->safe_psql($db, "SELECT backfill.rollback('j')"), '5', "$db: rollback restores the five chunks");
	is($node->safe_psql($db, $digest), $original, "$db: the table is the original again");
}

$node->stop;
done_testing();

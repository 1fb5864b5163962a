
# Rollback of mode merge (issue 11, item 6).
#
#  1  A job that updates, deletes (delete_missing) and inserts rows in three
#     chunks; retained_bytes reports its before-image; rollback restores
#     all three chunks in one go and the table equals the original
#     (checksum); purge then works.
#  2  The same correction again; later live changes to a row the job did
#     not write and to a row it updated: rollback refuses, says why and
#     changes nothing; force => true then restores the job's rows
#     (overwriting the change to the updated row) and keeps the other.
#  3  A later delete of a row the job inserted, and a later insert of a key
#     the job deleted, also make rollback refuse; a later change to rows
#     the job did not write does not.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_rollback');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

sql(q{
CREATE TABLE r (id bigint PRIMARY KEY, v numeric(10,2) NOT NULL, note text);
CREATE INDEX r_v_idx ON r (v);
INSERT INTO r SELECT g, g / 3.0, CASE WHEN g % 5 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 3000) g
WHERE g NOT BETWEEN 2991 AND 2995;
-- updates in every chunk, ids 1001-1003 gone, ids 2991-2995 new
CREATE TABLE r_fixed AS
SELECT id, CASE WHEN id % 9 = 0 THEN v + 1 ELSE v END AS v, CASE WHEN id % 11 = 0 THEN 'fixed' ELSE note END AS note
FROM r WHERE id NOT BETWEEN 1001 AND 1003
UNION ALL SELECT g, 0, 'new' FROM generate_series(2991, 2995) g;
});
my $digest = "SELECT count(*) || ':' || md5(string_agg(r::text, ',' ORDER BY id)) FROM r";
my $source = 'SELECT id, v, note FROM r_fixed WHERE id >= $1 AND id < $2';
my $options = '"chunk_by": "id", "chunk_size": 1000, "delete_missing": true';
# rows the job updates (in both tables, with other values)
my $written = sql(q{SELECT count(*) FROM r JOIN r_fixed f USING (id) WHERE (r.v, r.note) IS DISTINCT FROM (f.v, f.note)});

subtest '1: rollback is exact' => sub {
	my $original = sql($digest);
	create_merge_job($node, $db, 'r1', 'r', $source, '1', '3001', $options);
	sql("CALL backfill.run('r1')");
	is(job_state($node, $db, 'r1'), 'completed', 'the job completes');
	is( sql("SELECT sum(rows_updated) || '/' || sum(rows_deleted) || '/' || sum(rows_inserted) FROM backfill.chunks WHERE job_name = 'r1'"),
		"$written/3/5", 'the job updated, deleted and inserted the expected rows');
	isnt(sql($digest), $original, 'the table changed');
	cmp_ok(sql("SELECT retained_bytes FROM backfill.jobs WHERE name = 'r1'"), '>', 0,
		'retained_bytes reports the before-image');
	is(sql("SELECT backfill.rollback('r1')"), '3', 'rollback restores the three chunks');
	is(job_state($node, $db, 'r1'), 'rolled_back', 'the job is rolled_back');
	is(sql($digest), $original, 'the table equals the original');
	is( sql("SELECT string_agg(DISTINCT state, ',') FROM backfill.chunks WHERE job_name = 'r1'"),
		'rolled_back', 'every chunk is rolled_back');
	my ($rc, $out, $err) = $node->psql($db, "SELECT backfill.purge('r1')");
	is($rc, 0, 'purge works after the rollback') or diag($err);
};

subtest '2: refused after a later change, then forced' => sub {
	my $before_job = sql($digest);
	create_merge_job($node, $db, 'r2', 'r', $source, '1', '3001', $options);
	sql("CALL backfill.run('r2')");
	is(job_state($node, $db, 'r2'), 'completed', 'the job completes');
	# id 1 is not written by the job (1 % 9, 1 % 11 <> 0): changing it
	# later does not stand in the way of a rollback.
	sql("UPDATE r SET note = 'later' WHERE id = 1");
	# id 18 was updated by the job (18 % 9 = 0).
	sql("UPDATE r SET v = 777 WHERE id = 18");
	my $changed = sql($digest);
	my ($rc, $out, $err) = $node->psql($db, "SELECT backfill.rollback('r2')");
	isnt($rc, 0, 'rollback is refused after a later change to a row the job wrote');
	like($err, qr/changed|force/i, 'it says why') or diag($err);
	is(job_state($node, $db, 'r2'), 'completed', 'the job stays completed');
	is(sql($digest), $changed, 'the refused rollback changed nothing');

	is(sql("SELECT backfill.rollback('r2', force => true)"), '3', 'rollback with force restores the three chunks');
	is(job_state($node, $db, 'r2'), 'rolled_back', 'the job is rolled_back');
	is(sql("SELECT note FROM r WHERE id = 1"), 'later', 'the row the job did not write keeps its later change');
	sql("UPDATE r SET note = 'n1' WHERE id = 1");
	is(sql($digest), $before_job, 'every other row is as before the job (the later change to id 18 undone)');
};

subtest '3: which later changes make rollback refuse' => sub {
	my @cases = (
		[ 'r3', "DELETE FROM r WHERE id = 2993",               1, 'an inserted row deleted since' ],
		[ 'r4', "INSERT INTO r VALUES (1002, 5, 'again')",     1, 'a deleted key inserted again' ],
		[ 'r5', "UPDATE r SET v = 5 WHERE id IN (1, 2, 3)",    0, 'rows the job did not write changed since' ]);
	for my $case (@cases)
	{
		my ($job, $change, $refused, $what) = @$case;
		create_merge_job($node, $db, $job, 'r', $source, '1', '3001', $options);
		sql("CALL backfill.run('$job')");
		is(job_state($node, $db, $job), 'completed', "$what: the job completes");
		sql($change);
		my $changed = sql($digest);
		my ($rc, $out, $err) = $node->psql($db, "SELECT backfill.rollback('$job')");
		if ($refused)
		{
			isnt($rc, 0, "$what: rollback is refused");
			is(sql($digest), $changed, "$what: the refused rollback changed nothing");
			is(sql("SELECT backfill.rollback('$job', force => true)"), '3', "$what: rollback with force goes through");
		}
		else
		{
			is($rc, 0, "$what: rollback goes through") or diag($err);
			is(sql("SELECT string_agg(v::text, ',' ORDER BY id) FROM r WHERE id IN (1, 2, 3)"),
				'5.00,5.00,5.00', "$what: the later change stays");
		}
		is(job_state($node, $db, $job), 'rolled_back', "$what: the job is rolled_back");
	}
};

$node->stop;
done_testing();

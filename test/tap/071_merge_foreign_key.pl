
# Mode merge on a table referenced by a foreign key (issue 11, item 2).
#
# parent (ids 1-300) is referenced by child. The corrected history renames
# ten parents per chunk and drops one parent per chunk (delete_missing):
# chunks 1 and 3 drop an unreferenced parent, chunk 2 drops parent 150,
# which a child references. With on_failure = continue:
#   - chunk 2 fails at once (no retry: the foreign key will not change its
#     mind), its error names the constraint, and nothing of it is written:
#     not its renames either;
#   - chunks 1 and 3 are published with exact contents and counts;
#   - the job ends failed, with one failed chunk.
# Once the child row is gone, retry publishes chunk 2 and the job completes.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_fk');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

sql(q{
CREATE TABLE parent (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 300) g;
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint NOT NULL,
                    CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));
INSERT INTO child SELECT g, g FROM generate_series(140, 160) g;
CREATE TABLE parent_fixed AS SELECT id, CASE WHEN id % 10 = 5 THEN 'renamed ' || id ELSE name END AS name
FROM parent WHERE id NOT IN (50, 150, 250);
});
my $original = rows_of($node, $db, 'parent', 'name');
my $range_q  = sub {
	my ($lo, $hi) = @_;
	return rows_of($node, $db, "(SELECT * FROM parent WHERE id >= $lo AND id < $hi) r", 'name');
};
my $chunk2_before = $range_q->(101, 201);

create_merge_job($node, $db, 'fk', 'parent', 'SELECT id, name FROM parent_fixed WHERE id >= $1 AND id < $2',
	'1', '301', '"chunk_by": "id", "chunk_size": 100, "delete_missing": true, "on_failure": "continue"');
my ($rc, $out, $err) = $node->psql($db, "CALL backfill.run('fk')");
is(job_state($node, $db, 'fk'), 'failed', 'the job ends failed') or diag($err);
is(sql("SELECT chunks_failed FROM backfill.jobs WHERE name = 'fk'"), '1', 'one chunk failed');
is( sql("SELECT string_agg(chunk_no || ':' || state || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'fk'"),
	'1:published:1,2:failed:1,3:published:1',
	'chunk 2 failed at its first attempt, chunks 1 and 3 published');
like(sql("SELECT error FROM backfill.chunks WHERE job_name = 'fk' AND chunk_no = 2"),
	qr/child_parent_fk/, "chunk 2's error names the foreign key");
is( sql("SELECT count(*) FROM backfill.log WHERE job_name = 'fk' AND chunk_no = 2 AND event = 'chunk_failed'"),
	'1', 'one chunk_failed event for chunk 2');
is($range_q->(101, 201), $chunk2_before, 'nothing of chunk 2 was written: its renames are not there');
is( sql("SELECT string_agg(chunk_no || ':' || rows_inserted || '/' || rows_updated || '/' || rows_deleted || '/' || rows_unchanged, ',' ORDER BY chunk_no)"
		  . " FROM backfill.chunks WHERE job_name = 'fk' AND state = 'published'"),
	'1:0/10/1/89,3:0/10/1/89', 'chunks 1 and 3 renamed ten parents and deleted one');
is($range_q->(1, 101) . ',' . $range_q->(201, 301),
	rows_of($node, $db, '(SELECT * FROM parent_fixed WHERE id < 101 OR id >= 201) r', 'name'),
	'chunks 1 and 3 hold exactly the corrected rows');
is(sql('SELECT count(*) FROM child c JOIN parent p ON p.id = c.parent_id'), '21', 'every child keeps its parent');

# The child goes; retry applies chunk 2.
sql('DELETE FROM child WHERE parent_id = 150');
is(sql("SELECT backfill.retry('fk')"), '1', 'retry takes the failed chunk back');
is(sql("SELECT backfill.wait('fk', '60s')"), 'completed', 'the job completes');
is(rows_of($node, $db, 'parent', 'name'), rows_of($node, $db, 'parent_fixed', 'name'),
	'the table holds exactly the corrected rows');
isnt(rows_of($node, $db, 'parent', 'name'), $original, 'which differ from the original');
is(merge_counts($node, $db, 'fk') =~ s/\n.*//sr, '1|published|0|10|1|89', 'chunk 1 was not written again');
is( sql("SELECT concat_ws('|', state, rows_inserted, rows_updated, rows_deleted, rows_unchanged) FROM backfill.chunks WHERE job_name = 'fk' AND chunk_no = 2"),
	'published|0|10|1|89', 'chunk 2 renamed ten parents and deleted one');

$node->stop;
done_testing();

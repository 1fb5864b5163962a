
# The watermark of mode merge (issue 11, item 5).
#
# w (ids 1-1000) is corrected in four chunks of 250 ids: every v + 1, and
# ids divisible by 100 are gone from the source (delete_missing). Live
# ingest owns the ids at or above its watermark, kept in ingest_state.
# The watermark is 600 while chunks 1 and 2 run, then ingest moves it to
# 700 before the rest runs; the job must read it before every chunk:
#   chunk 3 [501, 751) straddles 700: processed below it only, upper_bound
#     shown as 700 (with 600, read once, it would stop at 600);
#   chunk 4 [751, 1001) lies above it: skipped, event
#     skipped_above_watermark, and the job still completes;
#   rows 700-1000 are untouched (700, 800, 900 and 1000 are not deleted
#   although the source lacks them), the watermark is unchanged.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_watermark');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

sql(q{
CREATE TABLE w (id bigint PRIMARY KEY, v int NOT NULL);
INSERT INTO w SELECT g, g FROM generate_series(1, 1000) g;
CREATE TABLE w_fixed AS SELECT id, v + 1 AS v FROM w WHERE id % 100 <> 0;
CREATE TABLE ingest_state (watermark bigint NOT NULL);
INSERT INTO ingest_state VALUES (600);
CREATE TABLE w_before AS SELECT id, xmin::text AS x FROM w;
});
my $above = rows_of($node, $db, '(SELECT * FROM w WHERE id >= 700) a', 'v');

create_merge_job($node, $db, 'wm', 'w', 'SELECT id, v FROM w_fixed WHERE id >= $1 AND id < $2',
	'1', '1001',
	'"chunk_by": "id", "chunk_size": 250, "delete_missing": true, "watermark": "SELECT watermark FROM ingest_state"');
sql("CALL backfill.run('wm', 2)");
is( sql("SELECT string_agg(chunk_no || ':' || state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'wm'"),
	'1:published,2:published,3:pending,4:pending', 'two chunks processed below the watermark 600');
sql('UPDATE ingest_state SET watermark = 700');
sql("CALL backfill.run('wm')");

is(job_state($node, $db, 'wm'), 'completed', 'the job completes');
is( sql("SELECT string_agg(concat_ws('|', chunk_no, lower_bound, upper_bound, state), ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'wm'"),
	'1|1|251|published,2|251|501|published,3|501|700|published,4|751|1001|skipped',
	'chunk 3 clamped to the watermark read before it, chunk 4 skipped');
is( sql("SELECT string_agg(chunk_no::text, ',' ORDER BY chunk_no) FROM backfill.log WHERE job_name = 'wm' AND event = 'skipped_above_watermark'"),
	'4', 'one skipped_above_watermark event, for chunk 4');
is( sql("SELECT string_agg(concat_ws('/', chunk_no, rows_inserted, rows_updated, rows_deleted, rows_unchanged), ',' ORDER BY chunk_no)"
		  . " FROM backfill.chunks WHERE job_name = 'wm' AND state = 'published'"),
	'1/0/248/2/0,2/0/247/3/0,3/0/198/1/0', 'what each chunk wrote, below the watermark only');
is(rows_of($node, $db, '(SELECT * FROM w WHERE id >= 700) a', 'v'), $above, 'rows at or above 700 are untouched');
is( sql('SELECT count(*) FROM w_before b JOIN w USING (id) WHERE id >= 700 AND w.xmin::text <> b.x'),
	'0', 'not even rewritten');
is( rows_of($node, $db, '(SELECT * FROM w WHERE id < 700) a', 'v'),
	rows_of($node, $db, '(SELECT * FROM w_fixed WHERE id < 700) a', 'v'),
	'rows below 700 hold exactly the corrected rows');
is(sql('SELECT watermark FROM ingest_state'), '700', 'the job left the watermark alone');

$node->stop;
done_testing();


# Mode merge on plain (not partitioned) tables (issue 11, items 1-3).
#
#  a  A table chunked by its bigint id, four chunks: one chunk with updated
#     rows, one whose source drops rows (delete_missing), one with rows
#     missing from the target, one unchanged. Exact final contents, the
#     per-chunk rows_inserted/updated/deleted/unchanged and rows_before/
#     rows_after, and only written rows touched: a row equal to the source
#     keeps its physical version (xmin) and fires no trigger.
#  b  A table chunked by a timestamptz column (chunk_size "1 day"), rows on
#     and one microsecond before every bound; the source is sloppy and
#     produces rows of the neighbouring days too: each chunk writes only
#     the rows of its own range, rows outside [range_from, range_to) stay.
#  c  Partitioned targets: HASH-partitioned, every chunk spanning all the
#     partitions; RANGE-partitioned with chunk_by and chunk_size defaulted.
#  d  A source that moves a row into another chunk's range (chunk_by not
#     part of the key) fails that chunk at once, writing nothing.
#  e  A source that returns a key twice in a chunk (a key of two columns,
#     one of them NULL in both rows) fails that chunk at once, writing
#     nothing, and names the key.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_plain');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

subtest 'a: chunked by id' => sub {
	sql(q{
CREATE TABLE p (id bigint PRIMARY KEY, grp int NOT NULL, amount numeric(10,2), note text);
CREATE INDEX p_grp_idx ON p (grp);
INSERT INTO p SELECT g, g % 7, g / 4.0, 'n' || g FROM generate_series(1, 1000) g WHERE g NOT BETWEEN 700 AND 704;
-- The corrected history: ids 1-250 with id % 10 = 0 get another amount,
-- ids 251-260 are gone, ids 700-704 exist, 751-1000 as they are.
CREATE TABLE p_fixed AS SELECT g AS id, g % 7 AS grp,
    (CASE WHEN g <= 250 AND g % 10 = 0 THEN g / 2.0 ELSE g / 4.0 END)::numeric(10,2) AS amount,
    'n' || g AS note
FROM generate_series(1, 1000) g WHERE g NOT BETWEEN 251 AND 260;
CREATE TABLE p_writes (op text, n int);
-- qualified: the merge writes on backfill's safe search_path, and the
-- triggers it fires run there too
CREATE FUNCTION p_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.p_writes VALUES (TG_OP, 1); RETURN NULL; END $$;
CREATE TRIGGER p_count AFTER INSERT OR UPDATE OR DELETE ON p FOR EACH ROW EXECUTE FUNCTION p_count();
CREATE TABLE p_before AS SELECT id, xmin::text AS x FROM p;
});
	create_merge_job($node, $db, 'by_id', 'p',
		'SELECT id, grp, amount, note FROM p_fixed WHERE id >= $1 AND id < $2',
		'1', '1001', '"key": ["id"], "chunk_by": "id", "chunk_size": 250, "delete_missing": true');
	is( sql("SELECT string_agg(concat_ws('|', chunk_no, coalesce(partition, 'NULL'), lower_bound, upper_bound, state), ',' ORDER BY chunk_no)"
			  . " FROM backfill.chunks WHERE job_name = 'by_id'"),
		'1|NULL|1|251|pending,2|NULL|251|501|pending,3|NULL|501|751|pending,4|NULL|751|1001|pending',
		'create cuts [1, 1001) into four chunks of 250, partition NULL');
	is(sql("SELECT mode FROM backfill.jobs WHERE name = 'by_id'"), 'merge', 'the job is of mode merge');
	sql("CALL backfill.run('by_id')");
	is(job_state($node, $db, 'by_id'), 'completed', 'the job completes');
	is(merge_counts($node, $db, 'by_id'),
		"1|published|0|25|0|225\n2|published|0|0|10|240\n3|published|5|0|0|245\n4|published|0|0|0|250",
		'rows inserted/updated/deleted/unchanged per chunk');
	is( sql("SELECT string_agg(rows_before || '/' || rows_after, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'by_id'"),
		'250/250,250/240,245/250,250/250', 'rows_before/rows_after count each range');
	is( sql('SELECT count(*) FROM (SELECT * FROM p EXCEPT SELECT * FROM p_fixed) a'
			  . ' FULL JOIN (SELECT * FROM p_fixed EXCEPT SELECT * FROM p) b ON false'),
		'0', 'the table holds exactly the corrected rows');
	is(sql('SELECT count(*) FROM p'), '990', '990 rows');
	is(changed_rows($node, $db, 'p', 'p_before'), '30',
		'only the 25 updated and 5 inserted rows have a new version');
	is(sql("SELECT string_agg(op || '=' || n, ',' ORDER BY op) FROM (SELECT op, sum(n) AS n FROM p_writes GROUP BY op) w"),
		'DELETE=10,INSERT=5,UPDATE=25', 'row triggers fired for the written rows only');
	is(sql("SELECT rows_written FROM backfill.jobs WHERE name = 'by_id'"), '40',
		'rows_written counts the rows written');
};

subtest 'b: chunked by a timestamptz column' => sub {
	sql(q{
SET TimeZone = 'UTC';
CREATE TABLE e (id bigint PRIMARY KEY, ts timestamptz NOT NULL, v int NOT NULL);
CREATE INDEX e_ts_idx ON e (ts);
-- ids 1-72: every hour of three days, on the midnights too
INSERT INTO e SELECT g + 1, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', g FROM generate_series(0, 71) g;
-- one microsecond before each midnight that ends a chunk
INSERT INTO e SELECT 1000 + d, timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day' - interval '1 microsecond', d
FROM generate_series(1, 3) d;
-- outside [range_from, range_to): the last hour before, the first instant after
INSERT INTO e VALUES (0, '2023-12-31 23:00:00+00', 0), (2000, '2024-01-04 00:00:00+00', 0);
CREATE TABLE e_before AS SELECT id, xmin::text AS x FROM e;
});
	my $before = rows_of($node, $db, 'e', 'ts, v');
	# Even ids get v + 1; the source reads a day more on each side.
	create_merge_job($node, $db, 'by_ts', 'e',
		'SELECT id, ts, CASE WHEN id % 2 = 0 THEN v + 1 ELSE v END FROM e'
		  . q{ WHERE ts >= $1 - interval '1 day' AND ts < $2 + interval '1 day'},
		'2024-01-01 05:30:00+05:30', '2024-01-04 00:00:00+00',
		'"chunk_by": "ts", "chunk_size": "1 day"');
	is( sql("SET TimeZone = 'UTC'; SELECT string_agg(chunk_no || '|' || lower_bound::timestamptz || '|' || upper_bound::timestamptz, ',' ORDER BY chunk_no)"
			  . " FROM backfill.chunks WHERE job_name = 'by_ts'"),
		'1|2024-01-01 00:00:00+00|2024-01-02 00:00:00+00,2|2024-01-02 00:00:00+00|2024-01-03 00:00:00+00,'
		  . '3|2024-01-03 00:00:00+00|2024-01-04 00:00:00+00',
		'three chunks of one day');
	sql("SET TimeZone = 'America/St_Johns'; CALL backfill.run('by_ts')");
	is(job_state($node, $db, 'by_ts'), 'completed', 'the job completes');
	# Day 1: ids 1-24 and 1001 (12 even); day 2: 25-48 and 1002 (13 even);
	# day 3: 49-72 and 1003 (12 even).
	is(merge_counts($node, $db, 'by_ts'),
		"1|published|0|12|0|13\n2|published|0|13|0|12\n3|published|0|12|0|13",
		'rows updated/unchanged per day');
	my $expected = join(',',
		map {
			my @f  = split /:/;
			my $id = $f[0];
			$f[-1] += 1 if $id != 0 && $id != 2000 && $id % 2 == 0;
			join(':', @f);
		} split /,/, $before);
	is(rows_of($node, $db, 'e', 'ts, v'), $expected,
		'every even id inside the range is updated, nothing else; no row moved or lost');
	is(changed_rows($node, $db, 'e', 'e_before'), '37', 'only the 37 updated rows have a new version');
};

subtest 'c: partitioned tables, a chunk spanning partitions' => sub {
	# HASH-partitioned by id, chunked by id: every chunk spans the three
	# partitions. RANGE-partitioned by day, chunk_by left to its default
	# (the partition key) and chunk_size to "1 day".
	sql(q{
CREATE TABLE hp (id bigint PRIMARY KEY, v int NOT NULL) PARTITION BY HASH (id);
CREATE TABLE hp_0 PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE hp_1 PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE hp_2 PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO hp SELECT g, g FROM generate_series(1, 300) g WHERE g <> 150;
CREATE TABLE hp_fixed AS SELECT g AS id, CASE WHEN g % 4 = 0 THEN -g ELSE g END AS v
FROM generate_series(1, 300) g WHERE g <> 250;
CREATE TABLE rp (id bigint NOT NULL, day date NOT NULL, v int NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE rp_1 PARTITION OF rp FOR VALUES FROM ('2024-01-01') TO ('2024-01-03');
CREATE TABLE rp_2 PARTITION OF rp FOR VALUES FROM ('2024-01-03') TO ('2024-01-05');
INSERT INTO rp SELECT g, date '2024-01-01' + g % 4, g FROM generate_series(1, 400) g;
});
	create_merge_job($node, $db, 'hash', 'hp', 'SELECT id, v FROM hp_fixed WHERE id >= $1 AND id < $2',
		'1', '301', '"chunk_by": "id", "chunk_size": 100, "delete_missing": true');
	sql("CALL backfill.run('hash')");
	is(job_state($node, $db, 'hash'), 'completed', 'hash: the job completes');
	# chunk 1: 25 negated; chunk 2: 25 negated, 150 inserted; chunk 3: 25
	# negated, 250 deleted
	is(merge_counts($node, $db, 'hash'),
		"1|published|0|25|0|75\n2|published|1|25|0|74\n3|published|0|25|1|74",
		'hash: rows inserted/updated/deleted/unchanged per chunk');
	is(rows_of($node, $db, 'hp', 'v'), rows_of($node, $db, 'hp_fixed', 'v'), 'hash: exactly the corrected rows');
	is(sql('SELECT count(*) FROM hp_0') + sql('SELECT count(*) FROM hp_1') + sql('SELECT count(*) FROM hp_2'),
		'299', 'hash: every row in its partition');

	create_merge_job($node, $db, 'range', 'rp',
		'SELECT id, day, CASE WHEN id % 5 = 0 THEN v + 1 ELSE v END FROM rp WHERE day >= $1 AND day < $2',
		'2024-01-01', '2024-01-05', '');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'range'"), '4',
		'range: one chunk per day by default');
	sql("CALL backfill.run('range')");
	is(job_state($node, $db, 'range'), 'completed', 'range: the job completes');
	is( sql("SELECT string_agg(rows_updated || '/' || rows_unchanged, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'range'"),
		'20/80,20/80,20/80,20/80', 'range: every fifth row updated on each day');
	is(sql('SELECT count(*) FROM rp WHERE v <> id + (id % 5 = 0)::int'), '0', 'range: exactly the corrected rows');
};

subtest 'd: a source that moves a row to another chunk is refused' => sub {
	# Chunked by ts, keyed by id: the source gives id 5 a time on day 2;
	# chunk 2 finds id 5 living on day 1 and fails, writing nothing.
	sql(q{
CREATE TABLE mv (id bigint PRIMARY KEY, ts timestamptz NOT NULL, v int NOT NULL);
INSERT INTO mv SELECT g, timestamptz '2024-01-01 00:00:00+00' + g * interval '4 hours', 0 FROM generate_series(0, 11) g;
});
	create_merge_job($node, $db, 'moved', 'mv',
		q{SELECT id, CASE WHEN id = 5 THEN ts + interval '1 day' ELSE ts END, 1 FROM mv}
		  . q{ WHERE ts + CASE WHEN id = 5 THEN interval '1 day' ELSE interval '0' END >= $1}
		  . q{ AND ts + CASE WHEN id = 5 THEN interval '1 day' ELSE interval '0' END < $2},
		'2024-01-01 00:00:00+00', '2024-01-03 00:00:00+00', '"chunk_by": "ts", "chunk_size": "1 day"');
	$node->psql($db, "CALL backfill.run('moved')");
	is(job_state($node, $db, 'moved'), 'failed', 'the job fails');
	is( sql("SELECT string_agg(chunk_no || ':' || state || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'moved'"),
		'1:published:1,2:failed:1', 'chunk 2 fails at its first attempt');
	like(sql("SELECT error FROM backfill.chunks WHERE job_name = 'moved' AND chunk_no = 2"),
		qr/outside the chunk's range/, 'its error says a key lives outside the range');
	is(sql("SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM mv"),
		'0:1,1:1,2:1,3:1,4:1,5:0,6:0,7:0,8:0,9:0,10:0,11:0',
		'chunk 1 wrote day 1 (but id 5, which the source moved away), chunk 2 nothing');
};

subtest 'e: a source that returns a key twice is refused' => sub {
	# Keyed by (id, tag) with NULLS NOT DISTINCT: (2, NULL) comes twice in
	# chunk 1 and must be named; chunk 2 has no repeat and is written.
	sql(q{
CREATE TABLE dk (id bigint NOT NULL, tag text, v int NOT NULL);
CREATE UNIQUE INDEX dk_key ON dk (id, tag) NULLS NOT DISTINCT;
INSERT INTO dk SELECT g, CASE WHEN g IN (2, 4) THEN NULL ELSE 't' END, 0 FROM generate_series(1, 8) g;
});
	create_merge_job($node, $db, 'twice', 'dk',
		q{SELECT id, tag, 1 FROM dk WHERE id >= $1 AND id < $2}
		  . q{ UNION ALL SELECT 2, NULL, 2 WHERE 2 >= $1 AND 2 < $2},
		'1', '9', '"key": ["id", "tag"], "chunk_by": "id", "chunk_size": 4, "on_failure": "continue"');
	$node->psql($db, "CALL backfill.run('twice')");
	is( sql("SELECT string_agg(chunk_no || ':' || state || ':' || attempts, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'twice'"),
		'1:failed:1,2:published:1', 'chunk 1 fails at its first attempt, chunk 2 is written');
	like(sql("SELECT error FROM backfill.chunks WHERE job_name = 'twice' AND chunk_no = 1"),
		qr/the key \(2,\) more than once/, 'its error names the repeated key');
	is(sql("SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM dk"),
		'1:0,2:0,3:0,4:0,5:1,6:1,7:1,8:1', 'chunk 1 wrote nothing, chunk 2 its rows');
};

$node->stop;
done_testing();

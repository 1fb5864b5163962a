-- 90_shapes: mode swap on every partitioned shape (docs/shapes.md): LIST
-- with a default, HASH, RANGE over LIST, a two-column RANGE key; options
-- partitions and include_default; what each shape refuses.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

-- A LIST table with a default partition; the source knows nothing of the
-- shape (no $1 / $2): each chunk keeps only its partition's rows.
CREATE TABLE sh_list (id int NOT NULL, region text NOT NULL, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE sh_list_eu PARTITION OF sh_list FOR VALUES IN ('eu', 'uk');
CREATE TABLE sh_list_us PARTITION OF sh_list FOR VALUES IN ('us');
CREATE TABLE sh_list_other PARTITION OF sh_list DEFAULT;
INSERT INTO sh_list VALUES (1, 'eu', 1), (2, 'uk', 2), (3, 'us', 3), (4, 'jp', 4), (5, 'br', 5);
\set lsrc 'SELECT id, region, v * 10 FROM sh_list'
SELECT chunk_no, partition, lower_bound, upper_bound, est_rows FROM backfill.plan('sh_list', :'lsrc');
SELECT chunk_no, partition FROM backfill.plan('sh_list', :'lsrc', NULL, NULL,
    '{"include_default": true}');
SELECT backfill.create('sh_list_job', 'sh_list', :'lsrc', NULL, NULL,
    '{"include_default": true}') > 0 AS created;
CALL backfill.run('sh_list_job');
SELECT tableoid::regclass AS part, * FROM sh_list ORDER BY id;
SELECT chunk_no, partition, state, rows_before, rows_after FROM backfill.chunks
    WHERE job_name = 'sh_list_job' ORDER BY chunk_no;
-- Every partition is back at its parent with its own bound.
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'sh_list'::regclass ORDER BY 1;
SELECT backfill.rollback('sh_list_job');
SELECT tableoid::regclass AS part, * FROM sh_list ORDER BY id;

-- A HASH table with 4 partitions.
CREATE TABLE sh_hash (id bigint PRIMARY KEY, v int) PARTITION BY HASH (id);
CREATE TABLE sh_hash_0 PARTITION OF sh_hash FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE sh_hash_1 PARTITION OF sh_hash FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE sh_hash_2 PARTITION OF sh_hash FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE sh_hash_3 PARTITION OF sh_hash FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO sh_hash SELECT g, g FROM generate_series(1, 40) g;
CREATE TABLE sh_hash_before AS SELECT tableoid::regclass::text AS part, * FROM sh_hash;
SELECT backfill.create('sh_hash_job', 'sh_hash', 'SELECT id, v + 1000 FROM sh_hash') > 0 AS created;
CALL backfill.run('sh_hash_job');
SELECT count(*) AS rows, sum(v) AS total, count(*) FILTER (WHERE v > 1000) AS rewritten FROM sh_hash;
-- each row still lives in the partition it lived in
SELECT count(*) AS moved FROM sh_hash h JOIN sh_hash_before b USING (id)
WHERE h.tableoid::regclass::text <> b.part;
SELECT backfill.rollback('sh_hash_job');
SELECT count(*) AS differing FROM (
    (SELECT tableoid::regclass::text, * FROM sh_hash EXCEPT SELECT * FROM sh_hash_before)
    UNION ALL (SELECT * FROM sh_hash_before EXCEPT SELECT tableoid::regclass::text, * FROM sh_hash)) d;

-- RANGE by month over LIST by region: the leaves are the chunks, with the
-- month's bounds ($1 / $2 keep their meaning); option partitions names
-- leaves and intermediate tables; a range and partitions both apply.
CREATE TABLE sh_rl (id int NOT NULL, day date NOT NULL, region text NOT NULL, v int)
    PARTITION BY RANGE (day);
CREATE TABLE sh_rl_01 PARTITION OF sh_rl FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')
    PARTITION BY LIST (region);
CREATE TABLE sh_rl_01_eu PARTITION OF sh_rl_01 FOR VALUES IN ('eu');
CREATE TABLE sh_rl_01_us PARTITION OF sh_rl_01 FOR VALUES IN ('us');
CREATE TABLE sh_rl_01_other PARTITION OF sh_rl_01 DEFAULT;
CREATE TABLE sh_rl_02 PARTITION OF sh_rl FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')
    PARTITION BY LIST (region);
CREATE TABLE sh_rl_02_eu PARTITION OF sh_rl_02 FOR VALUES IN ('eu');
CREATE TABLE sh_rl_02_us PARTITION OF sh_rl_02 FOR VALUES IN ('us');
CREATE TABLE sh_rl_default PARTITION OF sh_rl DEFAULT;
INSERT INTO sh_rl VALUES (1, '2024-01-05', 'eu', 1), (2, '2024-01-06', 'us', 2),
    (3, '2024-01-07', 'jp', 3), (4, '2024-02-05', 'eu', 4), (5, '2024-02-06', 'us', 5),
    (6, '2025-01-01', 'eu', 6);
\set rsrc 'SELECT id, day, region, v + 100 FROM sh_rl WHERE day >= $1 AND day < $2'
SELECT chunk_no, partition, lower_bound, upper_bound FROM backfill.plan('sh_rl', :'rsrc');
SELECT chunk_no, partition FROM backfill.plan('sh_rl', :'rsrc', NULL, NULL,
    '{"partitions": ["sh_rl_01", "public.sh_rl_02_us"], "include_default": false}');
SELECT chunk_no, partition FROM backfill.plan('sh_rl', :'rsrc', '2024-02-01', NULL,
    '{"partitions": ["sh_rl_01", "public.sh_rl_02_us"]}');
SELECT chunk_no, partition FROM backfill.plan('sh_rl', :'rsrc', NULL, '2024-03-01',
    '{"include_default": true}');
SELECT backfill.create('sh_rl_job', 'sh_rl', :'rsrc', NULL, '2024-03-01',
    '{"include_default": true, "publish": "end"}') > 0 AS created;
-- the chosen partitions cannot change after create
SELECT backfill.set('sh_rl_job', '{"partitions": ["sh_rl_01"]}');
CALL backfill.run('sh_rl_job');
SELECT tableoid::regclass AS part, * FROM sh_rl ORDER BY id;
SELECT c.relname, p.relname AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
WHERE c.relname LIKE 'sh\_rl\_%' ORDER BY 1;
SELECT backfill.rollback('sh_rl_job');
SELECT tableoid::regclass AS part, * FROM sh_rl ORDER BY id;

-- A two-column RANGE key: no bounds for $1 / $2, no range.
CREATE TABLE sh_two (a int NOT NULL, b int NOT NULL, v int) PARTITION BY RANGE (a, b);
CREATE TABLE sh_two_1 PARTITION OF sh_two FOR VALUES FROM (0, 0) TO (1, 0);
CREATE TABLE sh_two_2 PARTITION OF sh_two FOR VALUES FROM (1, 0) TO (2, 0);
INSERT INTO sh_two VALUES (0, 5, 1), (1, 7, 2);
SELECT chunk_no, partition, lower_bound, upper_bound FROM backfill.plan('sh_two',
    'SELECT a, b, v FROM sh_two');

-- Refused: $1 / $2 where chunks have no bounds, a range on a top level
-- that is not range-keyed, names that are no partition, a default named
-- without include_default, a top-level default of a range-keyed table, a
-- foreign-table leaf; bad option values.
SELECT * FROM backfill.plan('sh_two', 'SELECT a, b, v FROM sh_two WHERE a >= $1 AND a < $2');
SELECT * FROM backfill.plan('sh_list', 'SELECT id, region, v FROM sh_list', 'eu', 'us');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL, '{"partitions": ["sh_hash_0"]}');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL, '{"partitions": ["sh_nope"]}');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL, '{"partitions": ["sh_list_other"]}');
SELECT * FROM backfill.plan('sh_rl', :'rsrc', NULL, NULL, '{"include_default": true}');
SELECT * FROM backfill.plan('sh_rl_01', :'rsrc');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL, '{"partitions": 3}');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL, '{"partitions": ["sh_list_eu", ""]}');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL, '{"include_default": "yes"}');
SELECT * FROM backfill.plan('sh_list', :'lsrc', NULL, NULL,
    '{"mode": "merge", "partitions": ["sh_list_eu"]}');
CREATE EXTENSION file_fdw;
CREATE SERVER sh_files FOREIGN DATA WRAPPER file_fdw;
CREATE TABLE sh_far (id int NOT NULL, region text NOT NULL, v int) PARTITION BY LIST (region);
CREATE TABLE sh_far_eu PARTITION OF sh_far FOR VALUES IN ('eu');
CREATE FOREIGN TABLE sh_far_remote PARTITION OF sh_far FOR VALUES IN ('us')
    SERVER sh_files OPTIONS (filename '/dev/null');
SELECT * FROM backfill.plan('sh_far', 'SELECT id, region, v FROM sh_far');
SELECT chunk_no, partition FROM backfill.plan('sh_far', 'SELECT id, region, v FROM sh_far',
    NULL, NULL, '{"partitions": ["sh_far_eu"]}');

-- Purged, nothing is left behind.
SELECT name, backfill.purge(name) > 0 AS dropped FROM backfill.jobs WHERE name LIKE 'sh\_%'
ORDER BY name;
SELECT count(*) AS leftovers FROM pg_class WHERE relname ~ '^sh_.*_bf[0-9]+_';
SELECT name, state FROM backfill.jobs WHERE name LIKE 'sh\_%' ORDER BY name;

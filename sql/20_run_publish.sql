-- 20_run_publish: CALL backfill.run builds and publishes every chunk; the
-- rebuilt partitions keep their names, bounds, indexes, constraints,
-- defaults, owner, grants, comments and storage options, and hold exactly
-- the source's rows.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

CREATE ROLE bf_rp_reader NOLOGIN;
CREATE ROLE bf_rp_owner NOLOGIN;

CREATE TABLE rp_ref (code text PRIMARY KEY);
INSERT INTO rp_ref VALUES ('a'), ('b'), ('c'), ('d');
CREATE TABLE rp_ref2 (code text PRIMARY KEY);
INSERT INTO rp_ref2 VALUES ('a'), ('b'), ('c'), ('zz');

CREATE TABLE rp_events (
    id     bigint NOT NULL,
    gone   int,
    day    date NOT NULL,
    amount numeric(10,2) NOT NULL DEFAULT 0,
    tax    numeric(10,2) DEFAULT 0.00,
    code   text NOT NULL DEFAULT 'a' REFERENCES rp_ref (code),
    note   text DEFAULT 'n/a',
    PRIMARY KEY (id, day),
    CONSTRAINT rp_amount_positive CHECK (amount >= 0)
) PARTITION BY RANGE (day);
-- A dropped column: the partitions carry it too.
ALTER TABLE rp_events DROP COLUMN gone;
CREATE INDEX rp_events_amount_idx ON rp_events (amount);
CREATE FUNCTION rp_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.code := lower(NEW.code); RETURN NEW; END $$;
-- A trigger on the parent is cloned to every partition (and to the rebuilt ones).
CREATE TRIGGER rp_touch BEFORE INSERT ON rp_events FOR EACH ROW EXECUTE FUNCTION rp_touch();
CREATE TABLE rp_events_20240101 PARTITION OF rp_events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE rp_events_20240102 PARTITION OF rp_events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03')
    WITH (fillfactor = 70, autovacuum_enabled = false);
CREATE TABLE rp_events_20240103 PARTITION OF rp_events FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
CREATE TABLE rp_events_20240104 PARTITION OF rp_events FOR VALUES FROM ('2024-01-04') TO ('2024-01-05');
CREATE TABLE rp_events_20240105 PARTITION OF rp_events FOR VALUES FROM ('2024-01-05') TO ('2024-01-06');
CREATE TABLE rp_events_default PARTITION OF rp_events DEFAULT;

-- What each partition has of its own.
CREATE INDEX rp_events_20240102_note_idx ON rp_events_20240102 (note) WHERE note <> 'n/a';
CREATE UNIQUE INDEX rp_events_20240102_note_uidx ON rp_events_20240102 (lower(note));
ALTER TABLE rp_events_20240102 ADD CONSTRAINT rp_e2_tax_check CHECK (tax >= 0);
ALTER TABLE rp_events_20240102 ALTER COLUMN note SET DEFAULT 'day two';
ALTER TABLE rp_events_20240102 ALTER COLUMN note SET STORAGE EXTERNAL;
COMMENT ON TABLE rp_events_20240102 IS 'the second day';
COMMENT ON COLUMN rp_events_20240102.note IS 'free text, day two';
GRANT SELECT ON rp_events_20240102 TO bf_rp_reader;
GRANT INSERT, UPDATE (note) ON rp_events_20240102 TO bf_rp_reader;
GRANT DELETE ON rp_events_20240102 TO bf_rp_reader WITH GRANT OPTION;
ALTER TABLE rp_events_20240103 OWNER TO bf_rp_owner;
ALTER TABLE rp_events_20240103 ADD CONSTRAINT rp_e3_id_unique UNIQUE (id);
ALTER TABLE rp_events_20240103 SET (autovacuum_vacuum_scale_factor = 0.01);
GRANT SELECT ON rp_events_20240103 TO PUBLIC;
ALTER TABLE rp_events_20240104 ADD CONSTRAINT rp_e4_code_fk FOREIGN KEY (code) REFERENCES rp_ref2 (code);
ALTER TABLE rp_events_20240104 ADD CONSTRAINT rp_e4_note_check CHECK (note <> '');
CREATE INDEX rp_events_20240104_expr_idx ON rp_events_20240104 (lower(note), (amount * 2)) INCLUDE (tax);

INSERT INTO rp_events (id, day, amount, code, note)
SELECT n, date '2024-01-01' + (n % 5), (n % 97) * 1.25, (ARRAY['a', 'b', 'c'])[1 + n % 3],
       CASE WHEN n % 4 = 0 THEN 'note ' || n END
FROM generate_series(1, 500) n;
INSERT INTO rp_events (id, day, amount) VALUES (9001, '2024-03-01', 5), (9002, '2023-01-01', 6);

-- The corrected rows: tax computed, notes upper-cased, one row less on
-- 2024-01-03 and two more on 2024-01-05.
CREATE TABLE rp_staging AS
SELECT id, day, amount, round(amount * 0.08, 2) AS tax, code, upper(note) AS note
FROM rp_events WHERE day BETWEEN '2024-01-01' AND '2024-01-05' AND id <> 3;
INSERT INTO rp_staging VALUES (601, '2024-01-05', 10, 0.80, 'b', NULL), (602, '2024-01-05', 20, 1.60, 'c', 'X');

-- Everything about the partitions, before.
CREATE TEMP VIEW rp_parts AS
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound, c.relkind, c.relpersistence,
       pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl, c.reloptions::text AS options,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'rp_events'::regclass;
CREATE TEMP VIEW rp_indexes AS
SELECT tablename, indexname, indexdef,
       (SELECT pi.inhparent::regclass::text FROM pg_inherits pi
        WHERE pi.inhrelid = format('%I.%I', schemaname, indexname)::regclass) AS parent_index
FROM pg_indexes
WHERE schemaname = 'public'
  AND tablename IN (SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'rp_events'::regclass);
CREATE TEMP VIEW rp_constraints AS
SELECT r.relname, c.conname, c.contype, pg_get_constraintdef(c.oid) AS def, c.convalidated,
       c.conislocal, c.coninhcount, c.conparentid <> 0 AS has_parent
FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
WHERE c.conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'rp_events'::regclass);
CREATE TEMP VIEW rp_columns AS
SELECT r.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid) AS default_value, a.attstorage,
       col_description(r.oid, a.attnum) AS comment, a.attislocal, a.attinhcount
FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE r.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'rp_events'::regclass)
  AND a.attnum > 0 AND NOT a.attisdropped;
CREATE TEMP VIEW rp_triggers AS
SELECT r.relname, t.tgname, t.tgenabled, t.tgparentid <> 0 AS cloned
FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
WHERE r.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'rp_events'::regclass)
  AND NOT t.tgisinternal AND t.tgname NOT LIKE 'backfill\_guard\_%';
-- Rows of a table, counted and hashed.
CREATE FUNCTION pg_temp.rp_hash(rel regclass, OUT n bigint, OUT hash bigint)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT count(*), sum(hashtext(t::text)) FROM %s t', rel) INTO n, hash;
END $$;

CREATE TEMP TABLE before_parts AS SELECT * FROM rp_parts;
CREATE TEMP TABLE before_indexes AS SELECT * FROM rp_indexes;
CREATE TEMP TABLE before_constraints AS SELECT * FROM rp_constraints;
CREATE TEMP TABLE before_columns AS SELECT * FROM rp_columns;
CREATE TEMP TABLE before_triggers AS SELECT * FROM rp_triggers;
CREATE TEMP TABLE before_rows AS
SELECT format('%I.%I', n.nspname, c.relname) AS partition, h.n, h.hash
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL pg_temp.rp_hash(c.oid) h
WHERE i.inhparent = 'rp_events'::regclass;
SELECT relname, bound, replace(owner, current_user, '<me>') AS owner, options
FROM before_parts ORDER BY relname;
SELECT count(*) AS indexes FROM before_indexes;
SELECT count(*) AS constraints FROM before_constraints;

-- The job: every daily partition.
SELECT backfill.create('rp_all', 'rp_events',
    'SELECT id, day, amount, tax, code, note FROM rp_staging WHERE day >= $1 AND day < $2') > 0
    AS created;
CALL backfill.run('rp_all');

SELECT name, state, chunks_total, chunks_done, chunks_failed, rows_written, last_error,
       started_at IS NOT NULL AS started, finished_at >= started_at AS finished
FROM backfill.jobs WHERE name = 'rp_all';
SELECT chunk_no, partition, lower_bound, upper_bound, state, attempts, rows_before, rows_after,
       swap_ms IS NOT NULL AND swap_ms > 0 AS swap_timed,
       replace(retained, '_bf' || job_id || '_', '_bf<id>_') AS retained,
       finished_at >= started_at AS timed, error
FROM backfill.chunks WHERE job_name = 'rp_all' ORDER BY chunk_no;
SELECT chunk_no, event FROM backfill.log WHERE job_name = 'rp_all';

-- The data is the source's, partition by partition; the default partition
-- is untouched.
SELECT tableoid::regclass AS partition, count(*), sum(amount) AS amount, sum(tax) AS tax,
       count(note) AS notes
FROM rp_events GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT count(*) AS missing FROM (
    SELECT id, day, amount, tax, code, note FROM rp_staging
    EXCEPT ALL SELECT id, day, amount, tax, code, note FROM rp_events WHERE day < '2024-01-06') x;
SELECT count(*) AS extra FROM (
    SELECT id, day, amount, tax, code, note FROM rp_events WHERE day >= '2024-01-01' AND day < '2024-01-06'
    EXCEPT ALL SELECT id, day, amount, tax, code, note FROM rp_staging) x;
SELECT id, day, amount FROM rp_events_default ORDER BY id;

-- Names, bounds, owner, grants, comments and options of every partition:
-- identical (both directions empty).
SELECT 'lost' AS side, * FROM (TABLE before_parts EXCEPT TABLE rp_parts) x
UNION ALL SELECT 'new', * FROM (TABLE rp_parts EXCEPT TABLE before_parts) y;
SELECT 'lost' AS side, * FROM (TABLE before_indexes EXCEPT TABLE rp_indexes) x
UNION ALL SELECT 'new', * FROM (TABLE rp_indexes EXCEPT TABLE before_indexes) y;
SELECT 'lost' AS side, * FROM (TABLE before_constraints EXCEPT TABLE rp_constraints) x
UNION ALL SELECT 'new', * FROM (TABLE rp_constraints EXCEPT TABLE before_constraints) y;
SELECT 'lost' AS side, * FROM (TABLE before_columns EXCEPT TABLE rp_columns) x
UNION ALL SELECT 'new', * FROM (TABLE rp_columns EXCEPT TABLE before_columns) y;
SELECT 'lost' AS side, * FROM (TABLE before_triggers EXCEPT TABLE rp_triggers) x
UNION ALL SELECT 'new', * FROM (TABLE rp_triggers EXCEPT TABLE before_triggers) y;
-- ... and a few of them shown outright.
SELECT relname, replace(acl, current_user, '<me>') AS acl, comment, options FROM rp_parts
WHERE relname IN ('rp_events_20240102', 'rp_events_20240103') ORDER BY relname;
SELECT indexname, indexdef FROM rp_indexes WHERE tablename = 'rp_events_20240104' ORDER BY indexname;
SELECT relname, conname, def, convalidated FROM rp_constraints
WHERE relname = 'rp_events_20240104' ORDER BY conname;
-- Still one partitioned table with six partitions, and no helper
-- constraint left on them; each published partition carries the job's two
-- write guards (row and TRUNCATE), which rollback reads.
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'rp_events'::regclass;
SELECT r.relname, count(*) AS guards FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
WHERE t.tgname LIKE 'backfill\_guard\_%' GROUP BY 1 ORDER BY 1;
SELECT count(*) AS helpers FROM pg_constraint WHERE conname LIKE 'backfill\_%';
-- The rebuilt partitions behave: the cloned trigger fires, the defaults and
-- the constraints apply.
INSERT INTO rp_events (id, day, amount, code) VALUES (700, '2024-01-02', 1, 'B');
SELECT id, day, amount, tax, code, note FROM rp_events WHERE id = 700;
INSERT INTO rp_events (id, day, amount) VALUES (701, '2024-01-02', -1);
INSERT INTO rp_events (id, day, amount, tax) VALUES (702, '2024-01-02', 1, -1);
INSERT INTO rp_events (id, day, amount, code) VALUES (703, '2024-01-04', 1, 'zz');
INSERT INTO rp_events (id, day, amount, code) VALUES (704, '2024-01-04', 1, 'd');
INSERT INTO rp_events (id, day, amount, note) VALUES (705, '2024-01-02', 1, 'Note 16');
DELETE FROM rp_events WHERE id = 700;
-- The pieces the swap took out are kept, detached, with the old rows.
SELECT replace(c.retained, '_bf' || c.job_id || '_', '_bf<id>_') AS retained,
       r.relispartition, h.n, h.n = b.n AND h.hash = b.hash AS same_rows
FROM backfill.chunks c
JOIN pg_class r ON r.oid = to_regclass(c.retained)
JOIN before_rows b ON b.partition = c.partition
CROSS JOIN LATERAL pg_temp.rp_hash(r.oid) h
WHERE c.job_name = 'rp_all' ORDER BY c.chunk_no;
-- Running a completed job does nothing.
CALL backfill.run('rp_all');

-- max_chunks => 1: exactly one chunk per call; the job stays running
-- between calls; pause stops it and run picks it up again.
SELECT backfill.create('rp_step', 'rp_events',
    'SELECT id, day, amount, tax, code, note FROM rp_staging WHERE day >= $1 AND day < $2',
    '2024-01-01', '2024-01-04') > 0 AS created;
CALL backfill.run('rp_step', max_chunks => 1);
SELECT name, state, chunks_done, chunks_total FROM backfill.jobs WHERE name = 'rp_step';
-- The runner writes the WAL its chunks wrote when it leaves (at most once
-- a second while it runs).
SELECT wal_bytes > 0 AS wal_counted FROM backfill.job WHERE name = 'rp_step';
SELECT chunk_no, state, attempts FROM backfill.chunks WHERE job_name = 'rp_step' ORDER BY chunk_no;
SELECT backfill.pause('rp_step');
SELECT backfill.pause('rp_step');
SELECT name, state, chunks_done, bar FROM backfill.progress WHERE name = 'rp_step';
CALL backfill.run('rp_step', 1);
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'rp_step';
CALL backfill.run('rp_step', 5);
SELECT name, state, chunks_done, chunks_total, pct, bar FROM backfill.progress WHERE name = 'rp_step';
SELECT chunk_no, state, attempts, swap_ms > 0 AS swap_timed FROM backfill.chunks
WHERE job_name = 'rp_step' ORDER BY chunk_no;
SELECT chunk_no, event FROM backfill.log WHERE job_name = 'rp_step';
-- A job paused before it ever ran, then run.
SELECT backfill.create('rp_paused', 'rp_events',
    'SELECT id, day, amount, tax, code, note FROM rp_staging WHERE day >= $1 AND day < $2',
    '2024-01-05', '2024-01-06') > 0 AS created;
SELECT backfill.pause('rp_paused');
SELECT name, state FROM backfill.jobs WHERE name = 'rp_paused';
CALL backfill.run('rp_paused');
SELECT name, state, chunks_done, rows_written FROM backfill.jobs WHERE name = 'rp_paused';
-- Running again from the same source changed nothing.
SELECT count(*) AS differences FROM (
    (SELECT id, day, amount, tax, code, note FROM rp_staging
     EXCEPT ALL SELECT id, day, amount, tax, code, note FROM rp_events WHERE day < '2024-01-06')
    UNION ALL
    (SELECT id, day, amount, tax, code, note FROM rp_events WHERE day >= '2024-01-01' AND day < '2024-01-06'
     EXCEPT ALL SELECT id, day, amount, tax, code, note FROM rp_staging)) x;
SELECT 'lost' AS side, * FROM (TABLE before_indexes EXCEPT TABLE rp_indexes) x
UNION ALL SELECT 'new', * FROM (TABLE rp_indexes EXCEPT TABLE before_indexes) y;
SELECT 'lost' AS side, * FROM (TABLE before_parts EXCEPT TABLE rp_parts) x
UNION ALL SELECT 'new', * FROM (TABLE rp_parts EXCEPT TABLE before_parts) y;

-- A source that returns rows outside the chunk's bounds: the partition
-- constraint filters them out (docs/shapes.md), so each chunk keeps only
-- the rows that belong to it (here none: every day is shifted by one).
-- Published manually, that is never here.
SELECT backfill.create('rp_bad_rows', 'rp_events',
    'SELECT id, day + 1, amount, tax, code, note FROM rp_staging WHERE day >= $1 AND day < $2',
    '2024-01-01', '2024-01-03', '{"max_attempts": 1, "publish": "manual"}') > 0 AS created;
CALL backfill.run('rp_bad_rows');
SELECT name, state, chunks_done, chunks_failed, last_error FROM backfill.jobs WHERE name = 'rp_bad_rows';
SELECT chunk_no, state, attempts, rows_before, rows_after, error FROM backfill.chunks
WHERE job_name = 'rp_bad_rows' ORDER BY chunk_no;
SELECT count(*) AS shadows_left FROM pg_class WHERE relname LIKE 'rp\_events\_%\_new';
-- Cancelling the job drops what it left on the live partitions.
SELECT backfill.cancel('rp_bad_rows');
SELECT name, state FROM backfill.jobs WHERE name = 'rp_bad_rows';
SELECT count(*) AS guards FROM pg_trigger
WHERE tgname LIKE 'backfill\_guard\_' || (SELECT id FROM backfill.jobs WHERE name = 'rp_bad_rows') || '%';

-- A source that fails at run time: each attempt is counted, the chunk fails
-- after max_attempts, and with on_failure continue the other chunks are
-- still published; the job ends failed.
CREATE TABLE rp_gen (id int NOT NULL, day date NOT NULL, a int,
                     b int GENERATED ALWAYS AS (a * 2) STORED) PARTITION BY RANGE (day);
CREATE TABLE rp_gen_1 PARTITION OF rp_gen FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE rp_gen_2 PARTITION OF rp_gen FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE rp_gen_3 PARTITION OF rp_gen FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
INSERT INTO rp_gen (id, day, a) SELECT g, date '2024-01-01' + g % 3, g FROM generate_series(1, 30) g;
SELECT backfill.create('rp_failing', 'rp_gen',
    'SELECT id, day, a / (CASE WHEN day = ''2024-01-02'' THEN 0 ELSE 1 END) FROM rp_gen WHERE day >= $1 AND day < $2',
    NULL, NULL, '{"max_attempts": 2, "on_failure": "continue"}') > 0 AS created;
CALL backfill.run('rp_failing');
SELECT name, state, chunks_done, chunks_failed, last_error FROM backfill.jobs WHERE name = 'rp_failing';
SELECT chunk_no, state, attempts, error FROM backfill.chunks WHERE job_name = 'rp_failing' ORDER BY chunk_no;
SELECT chunk_no, event, detail FROM backfill.log
WHERE job_name = 'rp_failing' AND event IN ('chunk_retry', 'chunk_failed', 'job_failed');
SELECT count(*) AS shadows_left FROM pg_class WHERE relname LIKE 'rp\_gen\_%\_new';
-- A failed job cannot be run again (retry is for that), but can be rolled
-- back; the generated column was recomputed in the rebuilt partitions.
CALL backfill.run('rp_failing');
SELECT tableoid::regclass AS partition, sum(a) AS a, sum(b) AS b, bool_and(b = a * 2) AS generated
FROM rp_gen GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT backfill.rollback('rp_failing') AS restored;
SELECT backfill.purge('rp_failing') AS dropped;
DROP TABLE rp_gen;

-- The job does not depend on the DateStyle or TimeZone of the sessions
-- that create and run it (bounds are shown as the creating session wrote them).
CREATE TABLE rp_ds (id int NOT NULL, day date NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (day);
CREATE TABLE rp_ds_1 PARTITION OF rp_ds FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE rp_ds_2 PARTITION OF rp_ds FOR VALUES FROM ('2024-01-02') TO ('2024-02-01');
INSERT INTO rp_ds SELECT g, date '2024-01-01' + g % 20, timestamptz '2024-01-01 00:00+00' + g * interval '1 h'
FROM generate_series(1, 40) g;
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Tokyo';
SELECT backfill.create('rp_datestyle', 'rp_ds',
    'SELECT id, day, at + interval ''1 day'' FROM rp_ds WHERE day >= $1 AND day < $2',
    '01/01/2024', '01/02/2024') > 0 AS created;
SELECT range_from, range_to FROM backfill.jobs WHERE name = 'rp_datestyle';
SELECT chunk_no, partition, lower_bound, upper_bound FROM backfill.chunks
WHERE job_name = 'rp_datestyle' ORDER BY chunk_no;
SET datestyle = 'Postgres, MDY';
SET timezone = 'America/New_York';
CALL backfill.run('rp_datestyle');
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SELECT chunk_no, state, rows_before, rows_after FROM backfill.chunks
WHERE job_name = 'rp_datestyle' ORDER BY chunk_no;
SELECT tableoid::regclass AS partition, count(*), min(at), max(at) FROM rp_ds GROUP BY 1 ORDER BY tableoid::regclass::text;
SET datestyle = 'German';
SELECT backfill.rollback('rp_datestyle') AS restored;
SET datestyle = 'ISO, YMD';
SELECT tableoid::regclass AS partition, count(*), min(at), max(at) FROM rp_ds GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT backfill.purge('rp_datestyle') AS dropped;
DROP TABLE rp_ds;
RESET timezone;

-- Clean up.
SELECT backfill.purge('rp_all') AS dropped_all, backfill.purge('rp_step') AS dropped_step,
       backfill.purge('rp_paused') AS dropped_paused, backfill.purge('rp_bad_rows') AS dropped_bad;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'rp\_events\_%\_bf%';
SELECT count(*) AS guards FROM pg_trigger WHERE tgname LIKE 'backfill\_%';
SELECT name, state FROM backfill.jobs WHERE name LIKE 'rp\_%' ORDER BY name;
DROP VIEW rp_parts, rp_indexes, rp_constraints, rp_columns, rp_triggers;
DROP TABLE rp_events, rp_staging, rp_ref, rp_ref2;
DROP FUNCTION rp_touch();
DROP ROLE bf_rp_reader;
DROP ROLE bf_rp_owner;

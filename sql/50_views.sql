-- 50_views: the progress view; other roles see none of a role's jobs and
-- cannot touch them or the control tables; names that need quoting work
-- everywhere (job names, schemas, tables, partitions, columns, indexes).
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

CREATE TABLE vw_events (id int NOT NULL, day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE vw_events_1 PARTITION OF vw_events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE vw_events_2 PARTITION OF vw_events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE vw_events_3 PARTITION OF vw_events FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
INSERT INTO vw_events SELECT g, date '2024-01-01' + g % 3, g FROM generate_series(1, 90) g;
\set src 'SELECT id, day, v + 1 FROM vw_events WHERE day >= $1 AND day < $2'
-- Jobs may not share a partition: the pending job and the one with a
-- strange name below work on tables of their own.
CREATE TABLE vw_more (LIKE vw_events) PARTITION BY RANGE (day);
CREATE TABLE vw_more_2 PARTITION OF vw_more FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE vw_quoted (LIKE vw_events) PARTITION BY RANGE (day);
CREATE TABLE vw_quoted_1 PARTITION OF vw_quoted FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE vw_quoted_2 PARTITION OF vw_quoted FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE vw_quoted_3 PARTITION OF vw_quoted FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
INSERT INTO vw_quoted SELECT * FROM vw_events;

-- progress of a completed job, a job two thirds done, and a pending one.
SELECT backfill.create('vw_done', 'vw_events', :'src') > 0 AS created;
CALL backfill.run('vw_done');
SELECT backfill.create('vw_two_thirds', 'vw_events', :'src') > 0 AS created;
CALL backfill.run('vw_two_thirds', 2);
SELECT backfill.create('vw_pending', 'vw_more', 'SELECT * FROM vw_more WHERE day >= $1 AND day < $2',
    '2024-01-02', '2024-01-03') > 0 AS created;
SELECT name, state, chunks_done, chunks_total, pct, rows_written, eta IS NOT NULL AS has_eta,
       throttled_by, bar, elapsed IS NOT NULL AS has_elapsed
FROM backfill.progress WHERE name LIKE 'vw\_%' ORDER BY name;
SELECT name, rows_per_sec > 0 AS has_rate FROM backfill.progress
WHERE name IN ('vw_done', 'vw_two_thirds') ORDER BY name;
-- The same figures as the jobs view.
SELECT p.name, p.chunks_done = j.chunks_done AND p.chunks_total = j.chunks_total
       AND p.rows_written = j.rows_written AND p.state = j.state AS consistent
FROM backfill.progress p JOIN backfill.jobs j USING (name)
WHERE name LIKE 'vw\_%' ORDER BY 1;
-- The log: what happened, in order.
SELECT job_name, chunk_no, event FROM backfill.log WHERE job_name = 'vw_done';
SELECT bool_and(at IS NOT NULL) AS timed FROM backfill.log WHERE job_name LIKE 'vw\_%';

-- Another role sees none of these jobs and cannot act on them.
CREATE ROLE bf_other LOGIN;
CREATE SCHEMA vw_other AUTHORIZATION bf_other;
SET ROLE bf_other;
SELECT count(*) AS jobs FROM backfill.jobs;
SELECT count(*) AS chunks FROM backfill.chunks;
SELECT count(*) AS log FROM backfill.log;
SELECT count(*) AS progress FROM backfill.progress;
SELECT backfill.pause('vw_two_thirds');
SELECT backfill.cancel('vw_two_thirds');
SELECT backfill.rollback('vw_done');
SELECT backfill.rollback('vw_done', force => true);
SELECT backfill.purge('vw_done');
CALL backfill.run('vw_pending');
-- Nor can it backfill a table it does not own.
SELECT * FROM backfill.plan('vw_events', :'src');
SELECT backfill.create('vw_mine', 'vw_events', :'src');
-- The control tables are closed to it.
SELECT count(*) FROM backfill.job;
SELECT count(*) FROM backfill.chunk;
INSERT INTO backfill.job (name, owner, target, key_column, key_type, source, search_path, options)
VALUES ('vw_forged', 10, 1259, 'x', 25, 'SELECT 1', 'public', '{}');
UPDATE backfill.job SET state = 'cancelled';
DELETE FROM backfill.job;
INSERT INTO backfill.chunk (job_id, chunk_no, part_schema, part_name, lower_bound, upper_bound,
                            lower_key, upper_key, shadow_name, retained_name)
VALUES (1, 99, 'public', 'x', '0', '1', '0', '1', 'x_new', 'x_old');
UPDATE backfill.chunk SET state = 'failed';
DELETE FROM backfill.chunk;
INSERT INTO backfill.event (job_id, job_name, event) VALUES (1, 'x', 'forged');
DELETE FROM backfill.event;
INSERT INTO backfill.chunk_write (job_id, chunk_no, phase) VALUES (1, 1, 'live');
DELETE FROM backfill.chunk_write;
-- Its own job, on its own table, works, and it sees only that one.
CREATE TABLE vw_other.events (id int NOT NULL, day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE vw_other.events_1 PARTITION OF vw_other.events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE vw_other.events_2 PARTITION OF vw_other.events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
INSERT INTO vw_other.events SELECT g, date '2024-01-01' + g % 2, g FROM generate_series(1, 20) g;
-- (job names are unique per owner: this role may use a name another uses)
SELECT backfill.create('vw_done', 'vw_other.events',
    'SELECT id, day, v * 10 FROM vw_other.events WHERE day >= $1 AND day < $2');
SELECT backfill.cancel('vw_done');  -- it would hold the partitions vw_theirs needs
SELECT backfill.create('vw_theirs', 'vw_other.events',
    'SELECT id, day, v * 10 FROM vw_other.events WHERE day >= $1 AND day < $2') > 0 AS created;
CALL backfill.run('vw_theirs');
SELECT name, state, owner, chunks_done, rows_written FROM backfill.jobs ORDER BY id;
SELECT job_name, chunk_no, state, partition FROM backfill.chunks ORDER BY chunk_no, job_id;
SELECT name, pct, bar FROM backfill.progress ORDER BY name DESC;
SELECT DISTINCT job_name FROM backfill.log;
SELECT sum(v) FROM vw_other.events;
SELECT regexp_replace(relname, '_bf[0-9]+_', '_bf<id>_') AS relname,
       pg_get_userbyid(relowner) AS owner FROM pg_class
WHERE relnamespace = 'vw_other'::regnamespace AND relkind IN ('r', 'p') ORDER BY relname;
RESET ROLE;

-- The superuser sees every job, and may pause, cancel, roll back or purge
-- another role's job, but run refuses to work it under another role.
SELECT name, CASE WHEN owner = current_user THEN '<me>' ELSE owner END AS owner
FROM backfill.jobs WHERE name LIKE 'vw\_%' ORDER BY name, owner <> current_user;
-- the superuser's own job of a name another role also uses
SELECT backfill.wait('vw_done', '0') AS own_job_state;
SELECT count(*) AS their_chunks FROM backfill.chunks WHERE job_name = 'vw_theirs';
CALL backfill.run('vw_theirs');
SELECT backfill.rollback('vw_theirs') AS restored;
SELECT sum(v) FROM vw_other.events;
SELECT backfill.purge('vw_theirs') AS dropped;
SELECT count(*) AS leftovers FROM pg_class WHERE relnamespace = 'vw_other'::regnamespace AND relname LIKE '%\_bf%';

-- A job name with quotes, spaces and a semicolon.
CREATE TABLE vw_t (x int);
SELECT backfill.create('x''; DROP TABLE vw_t; --"y', 'vw_quoted',
    'SELECT id, day, v + 1 FROM vw_quoted WHERE day >= $1 AND day < $2') > 0 AS created;
SELECT name, state FROM backfill.jobs WHERE name LIKE 'x%';
CALL backfill.run('x''; DROP TABLE vw_t; --"y', max_chunks => 1);
SELECT backfill.pause('x''; DROP TABLE vw_t; --"y');
SELECT backfill.cancel('x''; DROP TABLE vw_t; --"y');
SELECT job_name, chunk_no, state FROM backfill.chunks WHERE job_name LIKE 'x%' ORDER BY chunk_no;
SELECT DISTINCT job_name FROM backfill.log WHERE job_name LIKE 'x%';
SELECT name, state, bar FROM backfill.progress WHERE name LIKE 'x%';
SELECT backfill.rollback('x''; DROP TABLE vw_t; --"y') AS restored;
SELECT backfill.purge('x''; DROP TABLE vw_t; --"y') AS dropped;
SELECT name, state FROM backfill.jobs WHERE name LIKE 'x%';
SELECT to_regclass('vw_t') IS NOT NULL AS vw_t_still_there;

-- A schema with a space, a mixed-case table, partitions with spaces and
-- dashes, a key column with a space, and quoted index names.
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Events" (
    "Id"        int NOT NULL,
    "Event Day" date NOT NULL,
    "Amount $"  numeric NOT NULL,
    "note;"     text DEFAULT 'it''s',
    PRIMARY KEY ("Id", "Event Day")
) PARTITION BY RANGE ("Event Day");
CREATE INDEX "Events Amount ""idx""" ON "My Schema"."Events" ("Amount $");
CREATE TABLE "My Schema"."Events 2024-01-01" PARTITION OF "My Schema"."Events"
    FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE "My Schema"."Events 2024-01-02" PARTITION OF "My Schema"."Events"
    FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE "My Schema"."EVENTS ""Quoted"" 2024-01-03" PARTITION OF "My Schema"."Events"
    FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
CREATE INDEX "Note Idx; DROP" ON "My Schema"."Events 2024-01-02" ("note;");
COMMENT ON TABLE "My Schema"."Events 2024-01-02" IS 'it''s "quoted"';
INSERT INTO "My Schema"."Events" ("Id", "Event Day", "Amount $")
SELECT g, date '2024-01-01' + g % 3, g FROM generate_series(1, 30) g;
CREATE TEMP TABLE vw_q_indexes AS
SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'My Schema';
SET search_path = "My Schema", public;
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('"My Schema"."Events"',
    'SELECT "Id", "Event Day", "Amount $" * 2, "note;" FROM "Events" WHERE "Event Day" >= $1 AND "Event Day" < $2')
ORDER BY chunk_no;
SELECT backfill.create('Quoted "Events"', '"My Schema"."Events"',
    'SELECT "Id", "Event Day", "Amount $" * 2, "note;" FROM "Events" WHERE "Event Day" >= $1 AND "Event Day" < $2')
    > 0 AS created;
-- The job keeps the search_path it was created with.
SET search_path = public;
CALL backfill.run('Quoted "Events"');
SELECT name, state, target, chunks_done, rows_written FROM backfill.jobs WHERE name = 'Quoted "Events"';
SELECT chunk_no, partition, state, rows_after,
       replace(retained, '_bf' || job_id || '_', '_bf<id>_') AS retained
FROM backfill.chunks WHERE job_name = 'Quoted "Events"' ORDER BY chunk_no;
SELECT tableoid::regclass AS partition, count(*), sum("Amount $") AS amount
FROM "My Schema"."Events" GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT 'lost' AS side, * FROM (SELECT * FROM vw_q_indexes
    EXCEPT SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'My Schema'
    AND tablename NOT LIKE '%\_bf%') x
UNION ALL
SELECT 'new', * FROM (SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'My Schema'
    AND tablename NOT LIKE '%\_bf%' EXCEPT SELECT * FROM vw_q_indexes) y;
SELECT obj_description('"My Schema"."Events 2024-01-02"'::regclass, 'pg_class') AS comment;
SELECT backfill.rollback('Quoted "Events"') AS restored;
SELECT tableoid::regclass AS partition, count(*), sum("Amount $") AS amount
FROM "My Schema"."Events" GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT backfill.purge('Quoted "Events"') AS dropped;
SELECT count(*) AS leftovers FROM pg_class
WHERE relnamespace = '"My Schema"'::regnamespace AND relname LIKE '%\_bf%';

-- Partition names at the 63-byte limit (with multibyte characters): the
-- shadow and retained names are shortened, never clash, and work.
CREATE TABLE vw_long (k int NOT NULL, v text) PARTITION BY RANGE (k);
CREATE TABLE "vw_long_ééééééééééééééééééééééééééé1" PARTITION OF vw_long FOR VALUES FROM (0) TO (10);
CREATE TABLE "vw_long_ééééééééééééééééééééééééééé2" PARTITION OF vw_long FOR VALUES FROM (10) TO (20);
SELECT relname, octet_length(relname) AS bytes FROM pg_class WHERE relname LIKE 'vw\_long\_%' ORDER BY 1;
INSERT INTO vw_long SELECT g, 'v' FROM generate_series(0, 19) g;
SELECT backfill.create('vw_long', 'vw_long', 'SELECT k, v || k FROM vw_long WHERE k >= $1 AND k < $2') > 0
    AS created;
CALL backfill.run('vw_long');
SELECT c.chunk_no, c.partition, c.state, c.rows_after, octet_length(r.relname) <= 63 AS retained_fits,
       r.relname LIKE 'vw\_long\_é%\_old' AS retained_named
FROM backfill.chunks c JOIN pg_class r ON r.oid = to_regclass(c.retained)
WHERE c.job_name = 'vw_long' ORDER BY c.chunk_no;
SELECT count(*) AS rows, count(*) FILTER (WHERE v = 'v' || k) AS rebuilt FROM vw_long;
SELECT backfill.rollback('vw_long') AS restored;
SELECT count(*) FILTER (WHERE v = 'v') AS original FROM vw_long;
SELECT backfill.purge('vw_long') AS dropped;

-- Clean up.
SELECT backfill.cancel('vw_two_thirds');
SELECT backfill.cancel('vw_pending');
SELECT name, backfill.purge(name) AS dropped FROM backfill.jobs
WHERE name IN ('vw_done', 'vw_two_thirds', 'vw_pending') ORDER BY name;
SELECT name, state FROM backfill.jobs
WHERE name LIKE 'vw\_%' OR name LIKE 'x%' OR name LIKE 'Quoted%' ORDER BY name, state;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'vw\_%\_bf%';
SELECT count(*) AS guards FROM pg_trigger WHERE tgname LIKE 'backfill\_%';
DROP TABLE vw_events, vw_more, vw_quoted, vw_t, vw_long, "My Schema"."Events";
DROP SCHEMA "My Schema";
DROP SCHEMA vw_other CASCADE;
DROP ROLE bf_other;

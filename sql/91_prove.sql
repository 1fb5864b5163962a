-- 91_prove: backfill.rehearse builds a chunk twice, compares the builds and
-- leaves nothing behind; backfill.diff compares a built or published chunk
-- with the rows it replaces; option rehearse fails a job before anything
-- changes. Both modes; bad inputs refused with what to do.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

-- The contract's signatures.
SELECT p.proname, pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result
FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'backfill'::regnamespace AND p.proname IN ('rehearse', 'diff')
ORDER BY 1;

CREATE TABLE pv (id bigint NOT NULL, day date NOT NULL, amount numeric(12,2) NOT NULL,
                 fee numeric(12,2), note text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE pv_1 PARTITION OF pv FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE pv_2 PARTITION OF pv FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE pv_3 PARTITION OF pv FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
INSERT INTO pv SELECT g, DATE '2024-01-01' + g % 3, g, 1, 'n' FROM generate_series(1, 30) g;
ANALYZE pv;

-- Build times vary: the figures of build_ms are masked.
CREATE FUNCTION masked(text) RETURNS text LANGUAGE sql
AS $$SELECT regexp_replace($1, '[0-9.]+ (ms|s|min|h)\M', 'N ms', 'g')$$;

-- A deterministic source with every kind of validate rule: every check
-- passes, one per rule.
SELECT backfill.create('pv_det', 'pv',
    $$SELECT id, day, amount, round(amount * 0.1, 2), note FROM pv WHERE day >= $1 AND day < $2$$,
    NULL, NULL, '{"validate": {"row_count_tolerance": 0, "unique": ["id"], "not_null": ["note"],
      "aggregates": [{"expr": "sum(fee)", "min_delta_pct": 0}],
      "query": "SELECT count(*) = (SELECT count(*) FROM {old}) FROM {shadow}"}}');
CREATE TEMPORARY TABLE before_rehearsal AS
SELECT (SELECT count(*) FROM pg_class WHERE relpersistence <> 't') AS relations,
       (SELECT sum(fee) FROM pv) AS fees,
       (SELECT count(*) FROM backfill.log WHERE job_name = 'pv_det') AS events;
SELECT check_name, passed, masked(detail) AS detail FROM backfill.rehearse('pv_det');
-- nothing left behind: no relation, no write, chunks untouched, one event
SELECT (SELECT count(*) FROM pg_class WHERE relpersistence <> 't') = b.relations AS same_relations,
       (SELECT sum(fee) FROM pv) = b.fees AS same_rows,
       (SELECT count(*) FROM backfill.log WHERE job_name = 'pv_det') - b.events AS new_events
FROM before_rehearsal b;
SELECT chunk_no, state, attempts FROM backfill.chunks WHERE job_name = 'pv_det';
SELECT event, chunk_no, masked(detail) AS detail FROM backfill.log
WHERE job_name = 'pv_det' AND event = 'rehearsed';
-- a chunk named
SELECT check_name, passed FROM backfill.rehearse('pv_det', 3);
SELECT backfill.cancel('pv_det');

-- Sources that are not deterministic: random(), clock_timestamp(), now().
SELECT backfill.create('pv_random', 'pv',
    $$SELECT id, day, amount, round((random() * 100)::numeric, 2), note FROM pv
      WHERE day >= $1 AND day < $2$$);
SELECT check_name, passed, regexp_replace(detail, '-?[0-9]{6,}', 'N', 'g') AS detail
FROM backfill.rehearse('pv_random') WHERE check_name <> 'build_ms';
SELECT backfill.cancel('pv_random');
SELECT backfill.create('pv_clock', 'pv',
    $$SELECT id, day, amount, fee, clock_timestamp()::text FROM pv WHERE day >= $1 AND day < $2$$);
SELECT check_name, passed, regexp_replace(detail, '-?[0-9]{6,}', 'N', 'g') AS detail
FROM backfill.rehearse('pv_clock') WHERE check_name = 'deterministic';
SELECT backfill.cancel('pv_clock');
CREATE VIEW pv_today AS SELECT id, day, amount, fee, CURRENT_DATE::text AS note FROM pv;
SELECT backfill.create('pv_now', 'pv',
    $$SELECT id, day, amount, fee, now()::text FROM pv WHERE day >= $1 AND day < $2
      UNION ALL SELECT * FROM pv_today WHERE false$$);
SELECT check_name, passed, detail FROM backfill.rehearse('pv_now') WHERE check_name = 'deterministic';
SELECT backfill.cancel('pv_now');

-- A key that comes twice fails unique_key; a row outside the bounds fails
-- the build; neither leaves anything.
SELECT backfill.create('pv_dup', 'pv',
    $$SELECT 1, day, amount, fee, note FROM pv WHERE day >= $1 AND day < $2$$);
SELECT check_name, passed, masked(detail) AS detail FROM backfill.rehearse('pv_dup');
SELECT backfill.cancel('pv_dup');
SELECT backfill.create('pv_out', 'pv',
    $$SELECT id, day + 1, amount, fee, note FROM pv WHERE day >= $1 AND day < $2$$);
SELECT check_name, passed, masked(detail) AS detail FROM backfill.rehearse('pv_out');
SELECT (SELECT count(*) FROM pg_class WHERE relpersistence <> 't') = b.relations AS same_relations FROM before_rehearsal b;
SELECT backfill.cancel('pv_out');

-- Diff of a swap job: built chunks (publish manual), then published ones.
SELECT backfill.create('pv_fix', 'pv',
    $$SELECT id, day, CASE WHEN id % 10 = 0 THEN amount * 3 ELSE amount END, fee,
             CASE WHEN id = 4 THEN 'changed' ELSE note END
      FROM pv WHERE day >= $1 AND day < $2 AND id <> 7
      UNION ALL SELECT 100, $1, 1, 1, 'new'$$,
    NULL, NULL, '{"publish": "manual"}');
-- bad inputs first: nothing is built yet
SELECT * FROM backfill.diff('pv_fix', 1);
CALL backfill.run('pv_fix');
SELECT * FROM backfill.diff('pv_fix', 1);
SELECT * FROM backfill.diff('pv_fix', 2, 2);
-- a built chunk cannot be rehearsed: its shadow exists
SELECT * FROM backfill.rehearse('pv_fix', 1);
SELECT * FROM backfill.rehearse('pv_fix');
SELECT backfill.publish('pv_fix');
SELECT * FROM backfill.diff('pv_fix', 1);
-- Bad inputs.
SELECT * FROM backfill.diff('pv_fix', 1, 0);
SELECT * FROM backfill.diff('pv_fix', 1, NULL);
SELECT * FROM backfill.diff('pv_fix', 4);
SELECT * FROM backfill.diff('pv_fix', NULL);
SELECT * FROM backfill.diff(NULL, 1);
SELECT * FROM backfill.diff('pv_nowhere', 1);
SELECT * FROM backfill.rehearse('pv_nowhere');
SELECT * FROM backfill.rehearse(NULL);
SELECT * FROM backfill.rehearse('pv_fix', 0);
-- Another role sees no job of that name.
CREATE ROLE bf_prove_other NOLOGIN;
SET ROLE bf_prove_other;
SELECT * FROM backfill.diff('pv_fix', 1);
SELECT * FROM backfill.rehearse('pv_fix');
RESET ROLE;
DROP ROLE bf_prove_other;
-- After purge there is nothing to compare with.
SELECT backfill.purge('pv_fix');
SELECT * FROM backfill.diff('pv_fix', 1);

-- Mode merge: a rehearsal writes nothing; a published chunk's diff comes
-- from the before-image, a staged chunk's from the staging table.
CREATE TABLE pm (id int PRIMARY KEY, day date NOT NULL, v numeric, label text);
INSERT INTO pm SELECT g, DATE '2024-01-01' + g % 3, g, 'x' FROM generate_series(1, 30) g;
SELECT backfill.create('pm_fix', 'pm',
    $$SELECT id, day, CASE WHEN id % 4 = 0 THEN v + 100 ELSE v END, label FROM pm
      WHERE day >= $1 AND day < $2 AND id <> 3
      UNION ALL SELECT 1000 + extract(day FROM $1)::int, $1, 5, 'new'$$,
    '2024-01-01', '2024-01-04',
    '{"mode": "merge", "chunk_by": "day", "delete_missing": true,
      "validate": {"row_count_tolerance": 0.5}}');
SELECT check_name, passed, masked(detail) AS detail FROM backfill.rehearse('pm_fix');
SELECT count(*) AS rows, sum(v) AS total FROM pm;
SELECT before_oid::regclass AS image FROM backfill.job WHERE name = 'pm_fix' \gset
SELECT count(*) AS image_rows FROM :image;
CALL backfill.run('pm_fix', 1);
SELECT * FROM backfill.diff('pm_fix', 1);
SELECT * FROM backfill.diff('pm_fix', 2);
SELECT backfill.cancel('pm_fix');
SELECT backfill.create('pm_stage', 'pm',
    $$SELECT id, day, v * 2, label FROM pm WHERE day >= $1 AND day < $2 AND id <> 2
      UNION ALL SELECT 2000, $1, 1, 'n'$$,
    '2024-01-03', '2024-01-04', '{"mode": "merge", "chunk_by": "day", "publish": "manual"}');
CALL backfill.run('pm_stage');
SELECT * FROM backfill.diff('pm_stage', 1, 5);
SELECT backfill.cancel('pm_stage');
-- live_wins: only the missing rows would be written
SELECT backfill.create('pm_live', 'pm',
    $$SELECT id, day, v * 2, label FROM pm WHERE day >= $1 AND day < $2
      UNION ALL SELECT 3000, $1, 1, 'n'$$,
    '2024-01-03', '2024-01-04',
    '{"mode": "merge", "chunk_by": "day", "publish": "manual", "conflict": "live_wins"}');
CALL backfill.run('pm_live');
SELECT * FROM backfill.diff('pm_live', 1);
SELECT backfill.cancel('pm_live');

-- Option rehearse: a job whose rehearsal fails is failed before anything
-- changes; one whose rehearsal passes runs.
SELECT backfill.plan('pv', 'SELECT * FROM pv WHERE day >= $1 AND day < $2', NULL, NULL,
                     '{"rehearse": "yes"}');
SELECT backfill.create('pv_guarded', 'pv',
    $$SELECT id, day, amount, round((random() * 100)::numeric, 2), note FROM pv
      WHERE day >= $1 AND day < $2$$, NULL, NULL, '{"rehearse": true}');
SELECT sum(fee) AS fees FROM pv \gset
-- the warning names the two (random) checksums
SET client_min_messages = error;
CALL backfill.run('pv_guarded');
SET client_min_messages = notice;
SELECT state, regexp_replace(last_error, '-?[0-9]{6,}', 'N', 'g') AS last_error
FROM backfill.jobs WHERE name = 'pv_guarded';
SELECT chunk_no, state, attempts FROM backfill.chunks WHERE job_name = 'pv_guarded';
SELECT event FROM backfill.log WHERE job_name = 'pv_guarded' ORDER BY at;
SELECT sum(fee) = :fees AS unchanged FROM pv;
SELECT count(*) AS guard_triggers FROM pg_trigger WHERE tgname LIKE 'backfill_guard%';
-- from a specification document (execution.rehearse), in mode merge
SELECT sum(v) AS total FROM pm \gset
SELECT backfill.create($${"backfill_id": "pm_spec", "target": {"table": "pm", "partition_key": "day"},
    "source_range": {"start": "2024-01-01", "end": "2024-01-03"},
    "source": "SELECT id, day, v + 1, label FROM pm WHERE day >= $1 AND day < $2",
    "execution": {"mode": "merge", "rehearse": true}}$$);
SELECT options -> 'rehearse' AS rehearse FROM backfill.jobs WHERE name = 'pm_spec';
CALL backfill.run('pm_spec');
SELECT state FROM backfill.jobs WHERE name = 'pm_spec';
SELECT event, chunk_no FROM backfill.log WHERE job_name = 'pm_spec'
AND event IN ('rehearsed', 'job_completed') ORDER BY at;
SELECT sum(v) - :total AS added FROM pm;

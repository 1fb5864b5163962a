-- 60_validation: the "validate" option. Every built chunk is checked
-- against the partition it replaces, in the build transaction; a chunk that
-- fails a rule becomes failed (never retried, never published), keeps its
-- shadow for inspection, and backfill.chunks.validation holds every figure.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

-- Five daily partitions of 20 rows each; tax is NULL everywhere.
CREATE TABLE vd_sales (
    id     int NOT NULL,
    day    date NOT NULL,
    amount numeric(10,2),
    tax    numeric(10,2),
    note   text
) PARTITION BY RANGE (day);
CREATE TABLE vd_sales_1 PARTITION OF vd_sales FOR VALUES FROM ('2024-02-01') TO ('2024-02-02');
CREATE TABLE vd_sales_2 PARTITION OF vd_sales FOR VALUES FROM ('2024-02-02') TO ('2024-02-03');
CREATE TABLE vd_sales_3 PARTITION OF vd_sales FOR VALUES FROM ('2024-02-03') TO ('2024-02-04');
CREATE TABLE vd_sales_4 PARTITION OF vd_sales FOR VALUES FROM ('2024-02-04') TO ('2024-02-05');
CREATE TABLE vd_sales_5 PARTITION OF vd_sales FOR VALUES FROM ('2024-02-05') TO ('2024-02-06');
INSERT INTO vd_sales
SELECT g, date '2024-02-01' + (g - 1) / 20, g * 1.50, NULL, 'n' || g
FROM generate_series(1, 100) g;
-- The sources read this copy, so every job sees the same input.
CREATE TABLE vd_src AS SELECT * FROM vd_sales;

-- Rows of a table, counted and hashed.
CREATE FUNCTION pg_temp.vd_hash(rel regclass, OUT n bigint, OUT hash bigint)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT count(*), sum(hashtext(t::text)) FROM %s t', rel) INTO n, hash;
END $$;
CREATE TEMP TABLE vd_before AS
SELECT c.relname, h.n, h.hash
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
CROSS JOIN LATERAL pg_temp.vd_hash(c.oid) h
WHERE i.inhparent = 'vd_sales'::regclass;
-- Partitions whose rows differ from the originals (none while nothing is published).
CREATE TEMP VIEW vd_changed AS
SELECT b.relname, h.n
FROM vd_before b CROSS JOIN LATERAL pg_temp.vd_hash(b.relname::regclass) h
WHERE h.n <> b.n OR h.hash <> b.hash;
-- Shadows left behind, with the job id masked.
CREATE TEMP VIEW vd_shadows AS
SELECT regexp_replace(relname, '_bf[0-9]+_', '_bf<id>_') AS shadow
FROM pg_class WHERE relname LIKE 'vd\_sales\_%\_new' AND relkind = 'r';
SELECT relname, n FROM vd_before ORDER BY relname;

-- 1. row_count_tolerance 0: the source drops every fifth row (20%); the
--    first chunk fails its validation, is not retried (max_attempts 3),
--    nothing is published and the job fails (on_failure stop).
\set drop20 'SELECT id, day, amount, tax, note FROM vd_src WHERE day >= $1 AND day < $2 AND id % 5 <> 0'
SELECT backfill.create('vd_rows_strict', 'vd_sales', :'drop20', NULL, NULL,
    '{"validate": {"row_count_tolerance": 0}, "max_attempts": 3}') > 0 AS created;
SELECT options -> 'validate' AS validate, options -> 'on_failure' AS on_failure
FROM backfill.jobs WHERE name = 'vd_rows_strict';
CALL backfill.run('vd_rows_strict');
SELECT name, state, chunks_done, chunks_failed, last_error FROM backfill.jobs
WHERE name = 'vd_rows_strict';
SELECT chunk_no, state, attempts, rows_before, rows_after, error FROM backfill.chunks
WHERE job_name = 'vd_rows_strict' ORDER BY chunk_no;
SELECT chunk_no, jsonb_pretty(validation) AS validation FROM backfill.chunks
WHERE job_name = 'vd_rows_strict' AND validation IS NOT NULL;
SELECT chunk_no, event, detail FROM backfill.log
WHERE job_name = 'vd_rows_strict' AND event NOT IN ('created', 'run');
-- The live partition keeps its old rows; the shadow is kept, with the rows
-- the source produced.
SELECT * FROM vd_changed;
SELECT * FROM vd_shadows;
SELECT count(*) AS shadow_rows
FROM backfill.chunks c
CROSS JOIN LATERAL pg_temp.vd_hash(format('vd_sales_1_bf%s_1_new', c.job_id)::regclass) h
WHERE c.job_name = 'vd_rows_strict' AND c.chunk_no = 1 AND h.n = 16;
SELECT * FROM backfill.report('vd_rows_strict');
SELECT backfill.purge('vd_rows_strict') AS dropped;
SELECT * FROM vd_shadows;

-- 2. row_count_tolerance 0.25 (and 0.2, the exact change): a 20% drop
--    passes; every chunk is published.
SELECT backfill.create('vd_rows_loose', 'vd_sales', :'drop20', '2024-02-01', '2024-02-03',
    '{"validate": {"row_count_tolerance": 0.25}}') > 0 AS created;
CALL backfill.run('vd_rows_loose');
SELECT name, state, chunks_done, chunks_failed, last_error FROM backfill.jobs
WHERE name = 'vd_rows_loose';
SELECT chunk_no, state, rows_before, rows_after, error,
       validation -> 'passed' AS passed, validation -> 'row_count_delta' AS delta,
       validation -> 'row_count_tolerance' AS tolerance, validation -> 'failures' AS failures
FROM backfill.chunks WHERE job_name = 'vd_rows_loose' ORDER BY chunk_no;
SELECT * FROM vd_changed ORDER BY relname;
SELECT * FROM backfill.report('vd_rows_loose');
SELECT backfill.rollback('vd_rows_loose') AS restored;
SELECT backfill.purge('vd_rows_loose') AS dropped;
SELECT * FROM vd_changed;
SELECT backfill.create('vd_rows_exact', 'vd_sales', :'drop20', '2024-02-01', '2024-02-02',
    '{"validate": {"row_count_tolerance": 0.2}}') > 0 AS created;
CALL backfill.run('vd_rows_exact');
SELECT chunk_no, state, validation -> 'row_count_delta' AS delta, validation -> 'passed' AS passed
FROM backfill.chunks WHERE job_name = 'vd_rows_exact';
SELECT backfill.rollback('vd_rows_exact') AS restored;
SELECT backfill.purge('vd_rows_exact') AS dropped;
-- ... and 0.1 does not.
SELECT backfill.create('vd_rows_tight', 'vd_sales', :'drop20', '2024-02-01', '2024-02-02',
    '{"validate": {"row_count_tolerance": 0.1}}') > 0 AS created;
CALL backfill.run('vd_rows_tight');
SELECT chunk_no, state, error FROM backfill.chunks WHERE job_name = 'vd_rows_tight';
SELECT backfill.purge('vd_rows_tight') AS dropped;

-- 3. aggregates: the source raises every amount by 10% and fills tax.
\set raise10 'SELECT id, day, amount * 1.10, round(amount * 0.08, 2), note FROM vd_src WHERE day >= $1 AND day < $2'
-- Within bounds (two-sided, one-sided, none): the chunk passes; every
-- figure is recorded.
SELECT backfill.create('vd_agg_ok', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    $${"validate": {"aggregates": [
        {"expr": "sum(amount)", "min_delta_pct": 9.5, "max_delta_pct": 10.5},
        {"expr": "max(amount)", "min_delta_pct": 0},
        {"expr": "count(*)", "max_delta_pct": 0},
        {"expr": "min(id)"}]}}$$) > 0 AS created;
SELECT options -> 'validate' AS validate FROM backfill.jobs WHERE name = 'vd_agg_ok';
CALL backfill.run('vd_agg_ok');
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'vd_agg_ok';
SELECT chunk_no, state, jsonb_pretty(validation -> 'aggregates') AS aggregates
FROM backfill.chunks WHERE job_name = 'vd_agg_ok';
SELECT * FROM backfill.report('vd_agg_ok');
SELECT backfill.rollback('vd_agg_ok') AS restored;
SELECT backfill.purge('vd_agg_ok') AS dropped;
-- Outside two-sided bounds.
SELECT backfill.create('vd_agg_range', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    '{"validate": {"aggregates": [{"expr": "sum(amount)", "min_delta_pct": -1, "max_delta_pct": 1}]}}') > 0 AS created;
CALL backfill.run('vd_agg_range');
SELECT chunk_no, state, attempts, error, validation -> 'aggregates' -> 0 AS sum_amount
FROM backfill.chunks WHERE job_name = 'vd_agg_range';
SELECT * FROM backfill.report('vd_agg_range');
SELECT backfill.purge('vd_agg_range') AS dropped;
-- Above an upper bound only.
SELECT backfill.create('vd_agg_max', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    '{"validate": {"aggregates": [{"expr": "avg(amount)", "max_delta_pct": 5}]}}') > 0 AS created;
CALL backfill.run('vd_agg_max');
SELECT chunk_no, state, error, validation -> 'aggregates' -> 0 AS avg_amount
FROM backfill.chunks WHERE job_name = 'vd_agg_max';
SELECT backfill.purge('vd_agg_max') AS dropped;
-- Below a lower bound only.
SELECT backfill.create('vd_agg_min', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    '{"validate": {"aggregates": [{"expr": "sum(amount)", "min_delta_pct": 20}]}}') > 0 AS created;
CALL backfill.run('vd_agg_min');
SELECT chunk_no, state, error, validation -> 'aggregates' -> 0 AS sum_amount
FROM backfill.chunks WHERE job_name = 'vd_agg_min';
SELECT backfill.purge('vd_agg_min') AS dropped;
-- A bounded aggregate that was NULL before has no delta: it fails.
SELECT backfill.create('vd_agg_null', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    '{"validate": {"aggregates": [{"expr": "sum(tax)", "min_delta_pct": -100, "max_delta_pct": 100}]}}') > 0 AS created;
CALL backfill.run('vd_agg_null');
SELECT chunk_no, state, error, validation -> 'aggregates' -> 0 AS sum_tax
FROM backfill.chunks WHERE job_name = 'vd_agg_null';
SELECT backfill.purge('vd_agg_null') AS dropped;
SELECT * FROM vd_changed;

-- 4. unique: the source duplicates three rows of each day.
\set dups 'SELECT id, day, amount, tax, note FROM vd_src WHERE day >= $1 AND day < $2 UNION ALL SELECT id, day, amount, tax, note || ''x'' FROM vd_src WHERE day >= $1 AND day < $2 AND id % 20 IN (1, 2, 3)'
SELECT backfill.create('vd_unique', 'vd_sales', :'dups', '2024-02-01', '2024-02-02',
    '{"validate": {"unique": [["id"], ["id", "note"], "note"]}}') > 0 AS created;
SELECT options -> 'validate' AS validate FROM backfill.jobs WHERE name = 'vd_unique';
CALL backfill.run('vd_unique');
SELECT chunk_no, state, rows_before, rows_after, error FROM backfill.chunks
WHERE job_name = 'vd_unique';
SELECT jsonb_pretty(validation -> 'unique') AS unique_figures, validation -> 'failures' AS failures
FROM backfill.chunks WHERE job_name = 'vd_unique';
SELECT * FROM vd_shadows;
SELECT * FROM vd_changed;
SELECT backfill.purge('vd_unique') AS dropped;
-- Without duplicates it passes.
SELECT backfill.create('vd_unique_ok', 'vd_sales',
    'SELECT id, day, amount, tax, note FROM vd_src WHERE day >= $1 AND day < $2',
    '2024-02-01', '2024-02-02', '{"validate": {"unique": [["id"], ["day", "id"]]}}') > 0 AS created;
CALL backfill.run('vd_unique_ok');
SELECT chunk_no, state, validation -> 'unique' AS unique_figures FROM backfill.chunks
WHERE job_name = 'vd_unique_ok';
SELECT backfill.rollback('vd_unique_ok') AS restored;
SELECT backfill.purge('vd_unique_ok') AS dropped;

-- 5. not_null: the source blanks the note of every fourth row.
\set nulls 'SELECT id, day, amount, tax, CASE WHEN id % 4 = 0 THEN NULL ELSE note END FROM vd_src WHERE day >= $1 AND day < $2'
SELECT backfill.create('vd_not_null', 'vd_sales', :'nulls', '2024-02-01', '2024-02-02',
    '{"validate": {"not_null": ["id", "note", "tax"]}}') > 0 AS created;
CALL backfill.run('vd_not_null');
SELECT chunk_no, state, error FROM backfill.chunks WHERE job_name = 'vd_not_null';
SELECT jsonb_pretty(validation -> 'not_null') AS not_null_figures
FROM backfill.chunks WHERE job_name = 'vd_not_null';
SELECT backfill.purge('vd_not_null') AS dropped;
SELECT backfill.create('vd_not_null_ok', 'vd_sales', :'nulls', '2024-02-01', '2024-02-02',
    '{"validate": {"not_null": ["id", "day", "amount"]}}') > 0 AS created;
CALL backfill.run('vd_not_null_ok');
SELECT chunk_no, state, validation -> 'not_null' AS not_null_figures FROM backfill.chunks
WHERE job_name = 'vd_not_null_ok';
SELECT backfill.rollback('vd_not_null_ok') AS restored;
SELECT backfill.purge('vd_not_null_ok') AS dropped;

-- 6. query: {shadow} is the new partition, {old} the live one; it must
--    return true. False, NULL and an error fail the chunk (the error is
--    recorded, the build is not retried).
\set same 'SELECT id, day, amount, tax, note FROM vd_src WHERE day >= $1 AND day < $2'
SELECT backfill.create('vd_query_true', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    $${"validate": {"query": "SELECT (SELECT count(*) FROM {shadow}) = (SELECT count(*) FROM {old}) AND NOT EXISTS (SELECT 1 FROM {shadow} WHERE tax IS NULL)"}}$$) > 0 AS created;
CALL backfill.run('vd_query_true');
SELECT chunk_no, state, error, validation -> 'query' AS query FROM backfill.chunks
WHERE job_name = 'vd_query_true';
SELECT backfill.rollback('vd_query_true') AS restored;
SELECT backfill.purge('vd_query_true') AS dropped;
SELECT backfill.create('vd_query_false', 'vd_sales', :'raise10', '2024-02-01', '2024-02-02',
    $${"validate": {"query": "SELECT (SELECT sum(amount) FROM {shadow}) = (SELECT sum(amount) FROM {old})"}}$$) > 0 AS created;
CALL backfill.run('vd_query_false');
SELECT chunk_no, state, attempts, error, validation -> 'query' AS query FROM backfill.chunks
WHERE job_name = 'vd_query_false';
SELECT * FROM backfill.report('vd_query_false');
SELECT backfill.purge('vd_query_false') AS dropped;
SELECT backfill.create('vd_query_null', 'vd_sales', :'same', '2024-02-01', '2024-02-02',
    $${"validate": {"query": "SELECT max(tax) > 0 FROM {shadow}"}}$$) > 0 AS created;
CALL backfill.run('vd_query_null');
SELECT chunk_no, state, error, validation -> 'query' AS query FROM backfill.chunks
WHERE job_name = 'vd_query_null';
SELECT backfill.purge('vd_query_null') AS dropped;
SELECT backfill.create('vd_query_error', 'vd_sales', :'same', '2024-02-01', '2024-02-02',
    $${"validate": {"query": "SELECT count(*) / (SELECT count(*) FROM {shadow} WHERE id < 0) > 0 FROM {old}"}}$$) > 0 AS created;
CALL backfill.run('vd_query_error');
SELECT chunk_no, state, attempts, error, validation -> 'query' AS query FROM backfill.chunks
WHERE job_name = 'vd_query_error';
SELECT * FROM vd_shadows;
SELECT backfill.purge('vd_query_error') AS dropped;
SELECT * FROM vd_changed;

-- 7. Several rules at once: every failure is listed, in rule order.
SELECT backfill.create('vd_all_rules', 'vd_sales', :'dups', '2024-02-01', '2024-02-02',
    $${"validate": {"row_count_tolerance": 0.1, "unique": ["id"], "not_null": ["tax"],
                    "aggregates": [{"expr": "count(DISTINCT id)", "min_delta_pct": 0, "max_delta_pct": 0}],
                    "query": "SELECT false"}}$$) > 0 AS created;
CALL backfill.run('vd_all_rules');
SELECT chunk_no, state, error FROM backfill.chunks WHERE job_name = 'vd_all_rules';
SELECT jsonb_pretty(validation) AS validation FROM backfill.chunks WHERE job_name = 'vd_all_rules';
SELECT * FROM backfill.report('vd_all_rules');
SELECT backfill.purge('vd_all_rules') AS dropped;

-- 8. on_failure continue: only the third day has NULL notes; the other
--    chunks are validated and published, the third stays failed with its
--    shadow, its live partition unchanged, and the job ends failed.
\set day3nulls 'SELECT id, day, amount * 2, tax, CASE WHEN day = ''2024-02-03'' AND id % 4 = 0 THEN NULL ELSE note END FROM vd_src WHERE day >= $1 AND day < $2'
SELECT backfill.create('vd_continue', 'vd_sales', :'day3nulls', NULL, NULL,
    $${"on_failure": "continue", "validate": {"not_null": ["note"],
       "aggregates": [{"expr": "sum(amount)", "min_delta_pct": 100, "max_delta_pct": 100}]}}$$) > 0 AS created;
CALL backfill.run('vd_continue');
SELECT name, state, chunks_total, chunks_done, chunks_failed, last_error FROM backfill.jobs
WHERE name = 'vd_continue';
SELECT chunk_no, partition, state, attempts, rows_before, rows_after, error,
       replace(retained, '_bf' || job_id || '_', '_bf<id>_') AS retained
FROM backfill.chunks WHERE job_name = 'vd_continue' ORDER BY chunk_no;
SELECT chunk_no, validation -> 'passed' AS passed, validation -> 'not_null' AS not_null_figures
FROM backfill.chunks WHERE job_name = 'vd_continue' ORDER BY chunk_no;
SELECT chunk_no, event, detail FROM backfill.log
WHERE job_name = 'vd_continue' AND event IN ('chunk_failed', 'job_failed', 'job_completed');
SELECT * FROM vd_changed ORDER BY relname;
SELECT * FROM vd_shadows;
SELECT tableoid::regclass AS partition, count(*), sum(amount) AS amount, count(note) AS notes
FROM vd_sales GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT * FROM backfill.report('vd_continue');
-- Rolling back restores the published chunks; purge drops the shadow left.
SELECT backfill.rollback('vd_continue') AS restored;
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'vd_continue' ORDER BY chunk_no;
SELECT backfill.purge('vd_continue') AS dropped;
SELECT * FROM vd_changed;
SELECT * FROM vd_shadows;

-- 9. Without rules nothing is validated: validation stays NULL.
SELECT backfill.create('vd_none', 'vd_sales', :'same', '2024-02-05', '2024-02-06') > 0 AS created;
SELECT options -> 'validate' AS validate FROM backfill.jobs WHERE name = 'vd_none';
CALL backfill.run('vd_none');
SELECT chunk_no, state, validation FROM backfill.chunks WHERE job_name = 'vd_none';
SELECT * FROM backfill.report('vd_none');
SELECT backfill.rollback('vd_none') AS restored;
SELECT backfill.purge('vd_none') AS dropped;

-- 10. Bad rules are refused by plan and create, naming the rule; nothing
--     is created. The shape of the rules is checked first, then the
--     expressions and columns against the target.
SELECT count(*) AS jobs_before FROM backfill.job \gset
SELECT * FROM backfill.plan('vd_sales', :'same', NULL, NULL, '{"validate": {"rows": 0}}');
SELECT backfill.create('vd_bad_1', 'vd_sales', :'same', NULL, NULL, '{"validate": {"rows": 0}}');
SELECT backfill.create('vd_bad_2', 'vd_sales', :'same', NULL, NULL, '{"validate": true}');
SELECT backfill.create('vd_bad_3', 'vd_sales', :'same', NULL, NULL, '{"validate": [1]}');
SELECT backfill.create('vd_bad_4', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"row_count_tolerance": "0.1"}}');
SELECT backfill.create('vd_bad_5', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"row_count_tolerance": -0.5}}');
SELECT backfill.create('vd_bad_6', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": {"expr": "sum(amount)"}}}');
SELECT backfill.create('vd_bad_7', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": ["sum(amount)"]}}');
SELECT backfill.create('vd_bad_8', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"min_delta_pct": 1}]}}');
SELECT backfill.create('vd_bad_9', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": " "}]}}');
SELECT backfill.create('vd_bad_10', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": "sum(amount)", "max_delta_pct": "5"}]}}');
SELECT backfill.create('vd_bad_11', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": "sum(amount)", "tolerance": 5}]}}');
SELECT backfill.create('vd_bad_12', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": "sum(amount)"}, {"expr": "sum(tax)", "min_delta_pct": 2, "max_delta_pct": -2}]}}');
SELECT backfill.create('vd_bad_13', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"unique": "id"}}');
SELECT backfill.create('vd_bad_14', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"unique": [[]]}}');
SELECT backfill.create('vd_bad_15', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"unique": [["id", 2]]}}');
SELECT backfill.create('vd_bad_16', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"not_null": "note"}}');
SELECT backfill.create('vd_bad_17', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"not_null": ["note", ""]}}');
SELECT backfill.create('vd_bad_18', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"query": true}}');
SELECT backfill.create('vd_bad_19', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"query": "  "}}');
-- Expressions that do not prepare against the target, and columns it
-- does not have (names are taken as written: "Note" is not note).
SELECT * FROM backfill.plan('vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": "sum(nosuch)"}]}}');
SELECT backfill.create('vd_bad_20', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": "sum(nosuch)"}]}}');
SELECT backfill.create('vd_bad_21', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"aggregates": [{"expr": "sum(amount"}]}}');
SELECT backfill.create('vd_bad_22', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"unique": [["id", "nosuch"]]}}');
SELECT backfill.create('vd_bad_23', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"not_null": ["Note"]}}');
SELECT backfill.create('vd_bad_24', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"query": "SELECT count(*) > 0 FROM {shadow} WHERE nosuch"}}');
SELECT backfill.create('vd_bad_25', 'vd_sales', :'same', NULL, NULL,
    '{"validate": {"query": "SELEC true"}}');
SELECT count(*) - :jobs_before AS jobs_created FROM backfill.job;
-- (jobs that should not exist, out of the way of the checks below)
SELECT backfill.cancel(name), backfill.purge(name) FROM backfill.jobs WHERE name LIKE 'vd\_bad\_%' ORDER BY name;
-- validate null means no rules.
SELECT backfill.create('vd_null_rules', 'vd_sales', :'same', NULL, NULL, '{"validate": null}') > 0 AS created;
SELECT options -> 'validate' AS validate FROM backfill.jobs WHERE name = 'vd_null_rules';
SELECT backfill.cancel('vd_null_rules');
SELECT backfill.purge('vd_null_rules') AS dropped;

-- Clean up.
SELECT * FROM vd_changed;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'vd\_sales\_%\_bf%';
SELECT count(*) AS guards FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
WHERE r.relname LIKE 'vd\_sales%' AND t.tgname LIKE 'backfill\_%';
DROP VIEW vd_changed, vd_shadows;
DROP TABLE vd_sales, vd_src;

-- 00_setup: the extension installs, with the schema, views, functions and
-- columns of the contract (/work/shared/API.md).
\set VERBOSITY default
SET client_min_messages = notice;
CREATE EXTENSION backfill;
-- The superuser running the tests is called "backfill": keep "$user" (its
-- schema) out of the way in every test file.
SET search_path = public;
SET datestyle = 'ISO, YMD';

SELECT e.extname, n.nspname AS schema, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'backfill';

-- The four views have the contract's columns, in the contract's order and
-- with its types (extra columns, which the contract allows, may follow).
WITH contract(view_name, position, column_name, data_type) AS (VALUES
    ('jobs', 1, 'id', 'bigint'), ('jobs', 2, 'name', 'text'), ('jobs', 3, 'target', 'regclass'),
    ('jobs', 4, 'state', 'text'), ('jobs', 5, 'owner', 'name'), ('jobs', 6, 'mode', 'text'),
    ('jobs', 7, 'range_from', 'text'), ('jobs', 8, 'range_to', 'text'),
    ('jobs', 9, 'created_at', 'timestamp with time zone'),
    ('jobs', 10, 'started_at', 'timestamp with time zone'),
    ('jobs', 11, 'finished_at', 'timestamp with time zone'),
    ('jobs', 12, 'chunks_total', 'integer'), ('jobs', 13, 'chunks_done', 'integer'),
    ('jobs', 14, 'chunks_failed', 'integer'), ('jobs', 15, 'rows_written', 'bigint'),
    ('jobs', 16, 'last_error', 'text'), ('jobs', 17, 'options', 'jsonb'),
    ('progress', 1, 'name', 'text'), ('progress', 2, 'state', 'text'),
    ('progress', 3, 'chunks_done', 'integer'), ('progress', 4, 'chunks_total', 'integer'),
    ('progress', 5, 'pct', 'numeric'), ('progress', 6, 'rows_written', 'bigint'),
    ('progress', 7, 'rows_per_sec', 'numeric'), ('progress', 8, 'elapsed', 'interval'),
    ('progress', 9, 'eta', 'interval'), ('progress', 10, 'throttled_by', 'text'),
    ('progress', 11, 'bar', 'text'),
    ('chunks', 1, 'job_id', 'bigint'), ('chunks', 2, 'job_name', 'text'),
    ('chunks', 3, 'chunk_no', 'integer'), ('chunks', 4, 'partition', 'text'),
    ('chunks', 5, 'lower_bound', 'text'), ('chunks', 6, 'upper_bound', 'text'),
    ('chunks', 7, 'state', 'text'), ('chunks', 8, 'attempts', 'integer'),
    ('chunks', 9, 'rows_before', 'bigint'), ('chunks', 10, 'rows_after', 'bigint'),
    ('chunks', 11, 'swap_ms', 'numeric'), ('chunks', 12, 'retained', 'text'),
    ('chunks', 13, 'started_at', 'timestamp with time zone'),
    ('chunks', 14, 'finished_at', 'timestamp with time zone'), ('chunks', 15, 'error', 'text'),
    ('log', 1, 'job_id', 'bigint'), ('log', 2, 'job_name', 'text'),
    ('log', 3, 'at', 'timestamp with time zone'), ('log', 4, 'chunk_no', 'integer'),
    ('log', 5, 'event', 'text'), ('log', 6, 'detail', 'text'))
SELECT k.view_name, k.position, k.column_name, k.data_type,
       c.ordinal_position = k.position AS in_place,
       CASE WHEN c.data_type = 'USER-DEFINED' OR k.data_type = 'regclass'
            THEN c.udt_name ELSE c.data_type END = k.data_type AS same_type
FROM contract k
LEFT JOIN information_schema.columns c
  ON c.table_schema = 'backfill' AND c.table_name = k.view_name AND c.column_name = k.column_name
ORDER BY k.view_name, k.position;

-- The view columns as installed, in order (the contract's come first).
SELECT table_name, ordinal_position, column_name
FROM information_schema.columns
WHERE table_schema = 'backfill' AND table_name IN ('jobs', 'progress', 'chunks', 'log')
  AND (table_name, ordinal_position) IN (
      SELECT t, generate_series(1, n)
      FROM (VALUES ('jobs', 17), ('progress', 11), ('chunks', 15), ('log', 6)) v(t, n))
ORDER BY table_name, ordinal_position;

-- The implemented functions and procedures: kind, result, and the
-- contract's arguments (names, types, defaults) in the contract's order
-- (extra trailing arguments with defaults, which the contract allows, are
-- not shown).
WITH contract(proname, nargs) AS (VALUES
    ('plan', 5), ('create', 6), ('run', 2), ('pause', 1), ('cancel', 1), ('rollback', 2),
    ('purge', 1))
SELECT p.proname, p.prokind, pg_get_function_result(p.oid) AS result,
       (SELECT string_agg(a.name || ' ' || format_type(a.type, NULL), ', ' ORDER BY a.n)
        FROM unnest(p.proargnames, p.proargtypes::oid[]) WITH ORDINALITY AS a(name, type, n)
        WHERE a.n <= k.nargs) AS arguments,
       p.pronargs - p.pronargdefaults AS required_args
FROM pg_proc p JOIN contract k ON k.proname = p.proname
WHERE p.pronamespace = 'backfill'::regnamespace
ORDER BY p.proname;

-- Everyone may read the views; nobody but the owner may write the tables.
SELECT c.relname, has_table_privilege('public', c.oid, 'SELECT') AS public_select
FROM pg_class c
WHERE c.relnamespace = 'backfill'::regnamespace
  AND c.relname IN ('job', 'chunk', 'chunk_write', 'event', 'jobs', 'progress', 'chunks', 'log')
ORDER BY c.relname;

-- No job yet.
SELECT count(*) AS jobs FROM backfill.jobs;

-- 00_setup: the extension installs, with the schema, views, functions and
-- columns of the contract (/work/shared/API.md).
\set VERBOSITY default
SET client_min_messages = notice;
CREATE EXTENSION backfill;
-- The superuser running the tests is called "backfill": keep "$user" (its
-- schema) out of the way in every test file.
SET search_path = public;

SELECT e.extname, n.nspname AS schema, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'backfill';

-- The four views, their columns in order, with types.
SELECT table_name, ordinal_position, column_name, data_type
FROM information_schema.columns
WHERE table_schema = 'backfill' AND table_name IN ('jobs', 'progress', 'chunks', 'log')
ORDER BY table_name, ordinal_position;

-- The implemented functions and procedures, with argument names, defaults
-- and result types.
SELECT p.proname, p.prokind,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
FROM pg_proc p
WHERE p.pronamespace = 'backfill'::regnamespace
  AND p.proname IN ('plan', 'create', 'run', 'pause', 'cancel', 'rollback', 'purge')
ORDER BY p.proname;

-- Everyone may read the views; nobody but the owner may write the tables.
SELECT c.relname, has_table_privilege('public', c.oid, 'SELECT') AS public_select
FROM pg_class c
WHERE c.relnamespace = 'backfill'::regnamespace
  AND c.relname IN ('job', 'chunk', 'chunk_write', 'event', 'jobs', 'progress', 'chunks', 'log')
ORDER BY c.relname;

-- No job yet.
SELECT count(*) AS jobs FROM backfill.jobs;

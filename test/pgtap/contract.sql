-- The SQL contract of ../shared/API.md, asserted with pgTAP: names,
-- arguments, views and their columns, and the security properties that
-- are easier to assert than to diff (fixed search_path, no write grants).
BEGIN;
SELECT plan(34);

SELECT has_schema('backfill');

SELECT has_function('backfill', 'plan', ARRAY['regclass', 'text', 'text', 'text', 'jsonb', 'text']);
SELECT has_function('backfill', 'create', ARRAY['text', 'regclass', 'text', 'text', 'text', 'jsonb', 'text']);
SELECT has_function('backfill', 'start', ARRAY['text', 'regclass', 'text', 'text', 'text', 'jsonb', 'text']);
SELECT has_function('backfill', 'pause', ARRAY['text']);
SELECT has_function('backfill', 'resume', ARRAY['text']);
SELECT has_function('backfill', 'cancel', ARRAY['text']);
SELECT has_function('backfill', 'retry', ARRAY['text']);
SELECT has_function('backfill', 'wait', ARRAY['text', 'interval']);
SELECT has_function('backfill', 'rollback', ARRAY['text', 'boolean']);
SELECT has_function('backfill', 'purge', ARRAY['text']);
SELECT has_function('backfill', 'set', ARRAY['text', 'jsonb']);
SELECT has_function('backfill', 'publish', ARRAY['text']);
SELECT has_function('backfill', 'report', ARRAY['text']);
SELECT has_function('backfill', 'start', ARRAY['jsonb', 'text']);
SELECT ok(EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'run' AND prokind = 'p'
                  AND pronamespace = 'backfill'::regnamespace),
          'run is a procedure');

SELECT function_returns('backfill', 'create', ARRAY['text', 'regclass', 'text', 'text', 'text', 'jsonb', 'text'], 'bigint');
SELECT function_returns('backfill', 'wait', ARRAY['text', 'interval'], 'text');
SELECT function_returns('backfill', 'rollback', ARRAY['text', 'boolean'], 'integer');

SELECT columns_are('backfill', 'jobs', ARRAY['id', 'name', 'target', 'state', 'owner', 'mode',
    'range_from', 'range_to', 'created_at', 'started_at', 'finished_at', 'chunks_total',
    'chunks_done', 'chunks_failed', 'rows_written', 'last_error', 'options', 'workers',
    'interrupted', 'retained_bytes', 'purged_at']);
SELECT columns_are('backfill', 'progress', ARRAY['name', 'state', 'chunks_done', 'chunks_total',
    'pct', 'rows_written', 'rows_per_sec', 'elapsed', 'eta', 'throttled_by', 'bar']);
SELECT columns_are('backfill', 'chunks', ARRAY['job_id', 'job_name', 'chunk_no', 'partition',
    'lower_bound', 'upper_bound', 'state', 'attempts', 'rows_before', 'rows_after', 'swap_ms',
    'retained', 'started_at', 'finished_at', 'error', 'validation', 'rows_inserted',
    'rows_updated', 'rows_deleted', 'rows_unchanged']);
SELECT columns_are('backfill', 'log', ARRAY['job_id', 'job_name', 'at', 'chunk_no', 'event',
    'detail']);
SELECT has_view('backfill', 'releases', 'the audit trail');
SELECT col_type_is('backfill', 'jobs', 'target', 'regclass', 'jobs.target is a regclass');
SELECT col_type_is('backfill', 'chunks', 'swap_ms', 'numeric', 'chunks.swap_ms is numeric');

-- Every function but the procedure run (which commits, and so cannot carry
-- a SET clause) and plan(spec) (which reads the caller's search_path) has
-- a fixed search_path; both fix it for their own statements in C.
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
    WHERE p.pronamespace = 'backfill'::regnamespace AND p.prokind = 'f'
      AND p.oid <> 'backfill.plan(jsonb)'::regprocedure
      AND NOT coalesce(p.proconfig::text LIKE '%search_path=pg_catalog, pg_temp%', false)
$$, 'every function has search_path = pg_catalog, pg_temp');

-- Ordinary roles may read the views and nothing else.
SELECT is_empty($$
    SELECT c.relname || ' ' || a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
    WHERE c.relnamespace = 'backfill'::regnamespace AND a.grantee = 0
      AND (c.relkind <> 'v' OR a.privilege_type <> 'SELECT')
$$, 'PUBLIC holds no privilege but SELECT on the views');
SELECT is(has_table_privilege('public', 'backfill.job', 'INSERT'), false,
          'the control tables are not writable by PUBLIC');

-- The states the contract names are the only ones the tables accept.
SELECT throws_ok($$INSERT INTO backfill.job (name, owner, target, key_column, key_type, source,
                   search_path, options, state, target_schema, target_name, owner_name, home)
                   VALUES ('x', 10, 1, 'k', 23, 's', 'p', '{}', 'interrupted', 's', 't', 'o',
                           'h')$$,
                 '23514', NULL, 'a job state outside the contract is refused');

-- Internals are not callable: no function outside the contract (every
-- internal one starts with "_") is executable by PUBLIC, nor by a role
-- that was granted nothing.
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
    WHERE p.pronamespace = 'backfill'::regnamespace AND p.proname LIKE '\_%'
      AND (p.proacl IS NULL OR EXISTS (
           SELECT 1 FROM aclexplode(p.proacl) a
           WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
$$, 'no internal function is executable by PUBLIC');
CREATE ROLE backfill_pgtap_nobody;
SELECT is(has_function_privilege('backfill_pgtap_nobody', 'backfill._guard()', 'EXECUTE'), false,
          'the write guard is not executable by an ordinary role');
SELECT isnt_empty($$
    SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'backfill'::regnamespace
      AND p.proname LIKE '\_%'
$$, 'the internal functions exist (the check above has something to check)');

-- The audit trail refuses changes even where ordinary triggers are off.
INSERT INTO backfill.release_log (job_id, job_name, action, dataset, range_from, range_to,
                                  requested_by, published_by, chunks)
VALUES (0, 'pgtap', 'publish', 'public.t', '1', '2', 'someone', 'someone', '{1}');
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$UPDATE backfill.release_log SET reason = 'x'$$, '42501', NULL,
                 'release_log refuses UPDATE under session_replication_role = replica');
RESET session_replication_role;

SELECT * FROM finish();
ROLLBACK;

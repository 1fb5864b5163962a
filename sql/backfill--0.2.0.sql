-- backfill 0.2.0: control tables, views and functions.
\echo Use "CREATE EXTENSION backfill" to load this file. \quit

-- Jobs: one row per backfill. Written only by the extension's functions,
-- which switch to the extension owner for it; ordinary roles cannot write.
CREATE TABLE backfill.job (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    owner       oid NOT NULL,
    target      oid NOT NULL,
    key_column  name NOT NULL,
    key_type    oid NOT NULL,
    source      text NOT NULL,
    search_path text NOT NULL,
    range_from  text,
    range_to    text,
    options     jsonb NOT NULL,
    mode        text NOT NULL DEFAULT 'swap',
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'paused', 'completed', 'failed',
                                 'cancelled', 'rolled_back')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz,
    last_error  text,
    throttled_by text,
    launched_at timestamptz,
    wal_bytes   bigint NOT NULL DEFAULT 0,
    spec        jsonb,
    -- job names are unique per owner: no role learns another role's names
    CONSTRAINT job_owner_name_key UNIQUE (owner, name)
);

-- Chunks: one row per partition to rebuild, with everything a resumed run
-- needs (names of the shadow and retained tables, figures, errors).
CREATE TABLE backfill.chunk (
    job_id        bigint NOT NULL REFERENCES backfill.job (id) ON DELETE CASCADE,
    chunk_no      int NOT NULL,
    part_schema   name NOT NULL,
    part_name     name NOT NULL,
    lower_bound   text NOT NULL,
    upper_bound   text NOT NULL,
    lower_key     text NOT NULL,
    upper_key     text NOT NULL,
    shadow_name   name NOT NULL,
    retained_name name NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'built', 'published', 'failed',
                                   'rolled_back')),
    attempts      int NOT NULL DEFAULT 0,
    est_rows      bigint,
    est_bytes     bigint,
    rows_before   bigint,
    rows_after    bigint,
    build_ms      numeric,
    build_xid     xid,
    swap_ms       numeric,
    index_names   name[] NOT NULL DEFAULT '{}',
    validation    jsonb,
    retained      boolean NOT NULL DEFAULT false,
    shadow_exists boolean NOT NULL DEFAULT false,
    started_at    timestamptz,
    finished_at   timestamptz,
    error         text,
    -- what the chunk created and guards, by OID (names can be squatted or
    -- reused): the partition the guard watches (live while building,
    -- published after), the shadow it built, the partition it took out
    live_oid      oid,
    shadow_oid    oid,
    retained_oid  oid,
    -- the extended statistics objects a publication renamed, like index_names
    statistics_names name[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (job_id, chunk_no)
);

-- Writes seen by the guard trigger: phase 'build' on a live partition while
-- its shadow is built, 'live' on a published partition (rollback checks it),
-- 'retained' on a table a chunk set aside (purge checks it).
CREATE TABLE backfill.chunk_write (
    job_id   bigint NOT NULL,
    chunk_no int NOT NULL,
    phase    text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON backfill.chunk_write (job_id, chunk_no, phase);

-- Partitions that appeared inside a job's range after it was created, so
-- that none is skipped silently: chunk_no is the chunk that rebuilds it
-- (option include_new_partitions), NULL when it was only reported; note
-- says which. Keys are NULL for MINVALUE / MAXVALUE bounds.
CREATE TABLE backfill.new_partition (
    job_id      bigint NOT NULL REFERENCES backfill.job (id) ON DELETE CASCADE,
    partition   text NOT NULL,
    lower_bound text NOT NULL,
    upper_bound text NOT NULL,
    lower_key   text,
    upper_key   text,
    chunk_no    int,
    note        text NOT NULL,
    found_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON backfill.new_partition (job_id);
SELECT pg_catalog.pg_extension_config_dump('backfill.new_partition', '');

-- The audit trail: one row whenever chunks are published (action
-- 'publish') and whenever they are rolled back ('rollback'). Append-only:
-- nobody is granted UPDATE or DELETE, and a trigger refuses them anyway.
CREATE TABLE backfill.release_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id       bigint NOT NULL,
    job_name     text NOT NULL,
    action       text NOT NULL CHECK (action IN ('publish', 'rollback')),
    dataset      text NOT NULL,
    range_from   text NOT NULL,
    range_to     text NOT NULL,
    reason       text,
    code_version text,
    approved_by  text,
    requested_by name NOT NULL,
    published_by name NOT NULL,
    published_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    chunks       int[] NOT NULL,
    rows_before  bigint,
    rows_after   bigint
);

CREATE FUNCTION backfill._append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'backfill.releases is append-only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Releases record what was published and rolled back; they are never changed.';
END
$$;

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON backfill.release_log
    FOR EACH ROW EXECUTE FUNCTION backfill._append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON backfill.release_log
    FOR EACH STATEMENT EXECUTE FUNCTION backfill._append_only();
-- ... also under session_replication_role = replica
ALTER TABLE backfill.release_log ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE backfill.release_log ENABLE ALWAYS TRIGGER append_only_truncate;

-- Append-only event log.
CREATE TABLE backfill.event (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id   bigint NOT NULL,
    job_name text NOT NULL,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    chunk_no int,
    event    text NOT NULL,
    detail   text
);
CREATE INDEX ON backfill.event (job_id, id);

SELECT pg_catalog.pg_extension_config_dump('backfill.job', '');
SELECT pg_catalog.pg_extension_config_dump('backfill.chunk', '');
SELECT pg_catalog.pg_extension_config_dump('backfill.event', '');
SELECT pg_catalog.pg_extension_config_dump('backfill.release_log', '');

-- The views show a role its own jobs (a superuser all); they call no
-- helper function, since a function in a view runs with the caller's
-- privileges and no internal function is executable by PUBLIC.
CREATE VIEW backfill.jobs WITH (security_barrier) AS
SELECT j.id, j.name, j.target::regclass AS target, j.state,
       pg_catalog.pg_get_userbyid(j.owner) AS owner, j.mode, j.range_from, j.range_to,
       j.created_at, j.started_at, j.finished_at,
       c.total::int AS chunks_total, c.done::int AS chunks_done,
       c.failed::int AS chunks_failed, c.rows_written::bigint AS rows_written,
       j.last_error, j.options,
       r.runners::int AS workers,
       (j.state = 'running' AND r.runners = 0
        AND coalesce(j.launched_at < now() - interval '15 seconds', true)) AS interrupted
FROM backfill.job j
CROSS JOIN LATERAL (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE ch.state = 'published') AS done,
           count(*) FILTER (WHERE ch.state = 'failed') AS failed,
           coalesce(sum(ch.rows_after) FILTER (WHERE ch.state = 'published'), 0) AS rows_written
    FROM backfill.chunk ch WHERE ch.job_id = j.id) c
CROSS JOIN LATERAL (
    -- sessions working on the job hold a shared advisory lock on
    -- (job id, 0) in backfill's own lock space (16967)
    SELECT count(DISTINCT l.pid) AS runners FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 16967 AND l.granted
      AND l.classid = j.id::oid AND l.objid = 0
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                        WHERE d.datname = pg_catalog.current_database())) r
WHERE (j.owner = (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user)
       OR (SELECT ro.rolsuper FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user));

CREATE VIEW backfill.progress WITH (security_barrier) AS
SELECT j.name, j.state, j.chunks_done, j.chunks_total,
       round(100.0 * j.chunks_done / nullif(j.chunks_total, 0), 1) AS pct,
       j.rows_written,
       round(j.rows_written / nullif(extract(epoch FROM e.elapsed), 0), 1) AS rows_per_sec,
       e.elapsed,
       CASE WHEN j.state IN ('running', 'paused', 'pending') AND j.chunks_done > 0
            THEN CASE WHEN j.chunks_done >= j.chunks_total THEN interval '0'
                      ELSE pg_catalog.date_trunc('second', GREATEST(e.elapsed, interval '0')
                           * ((j.chunks_total - j.chunks_done)::float8 / j.chunks_done)) END
       END AS eta,
       CASE WHEN j.state = 'running' THEN jj.throttled_by END AS throttled_by,
       '[' || pg_catalog.repeat('#', b.filled) || pg_catalog.repeat('-', 20 - b.filled) || '] '
           || round(b.pct)::text || '%' AS bar
FROM backfill.jobs j
JOIN backfill.job jj ON jj.id = j.id
CROSS JOIN LATERAL (
    SELECT coalesce(j.finished_at, now()) - j.started_at AS elapsed) e
CROSS JOIN LATERAL (
    -- the bar: 20 cells, filled rounded down, the figure rounded
    SELECT p.pct, floor(p.pct * 20 / 100)::int AS filled
    FROM (SELECT LEAST(GREATEST(coalesce(round(100.0 * j.chunks_done
                                              / nullif(j.chunks_total, 0), 1), 0), 0), 100)
                 AS pct) p) b;

CREATE VIEW backfill.chunks WITH (security_barrier) AS
SELECT c.job_id, j.name AS job_name, c.chunk_no,
       pg_catalog.format('%I.%I', c.part_schema, c.part_name) AS partition,
       c.lower_bound, c.upper_bound, c.state, c.attempts, c.rows_before, c.rows_after,
       c.swap_ms,
       CASE WHEN c.retained THEN pg_catalog.format('%I.%I', c.part_schema, c.retained_name) END
           AS retained,
       c.started_at, c.finished_at, c.error, c.validation
FROM backfill.chunk c
JOIN backfill.job j ON j.id = c.job_id
WHERE (j.owner = (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user)
       OR (SELECT ro.rolsuper FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user))
ORDER BY c.job_id, c.chunk_no;

CREATE VIEW backfill.log WITH (security_barrier) AS
SELECT e.job_id, e.job_name, e.at, e.chunk_no, e.event, e.detail
FROM backfill.event e
JOIN backfill.job j ON j.id = e.job_id
WHERE (j.owner = (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user)
       OR (SELECT ro.rolsuper FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user))
ORDER BY e.id;

CREATE VIEW backfill.releases WITH (security_barrier) AS
SELECT r.id, r.job_id, r.job_name, r.action, r.dataset, r.range_from, r.range_to, r.reason,
       r.code_version, r.approved_by, r.requested_by, r.published_by, r.published_at, r.chunks,
       r.rows_before, r.rows_after
FROM backfill.release_log r
JOIN backfill.job j ON j.id = r.job_id
WHERE (j.owner = (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user)
       OR (SELECT ro.rolsuper FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user))
ORDER BY r.id;

CREATE VIEW backfill.new_partitions WITH (security_barrier) AS
SELECT n.job_id, j.name AS job_name, n.partition, n.lower_bound, n.upper_bound, n.chunk_no,
       n.note, n.found_at
FROM backfill.new_partition n
JOIN backfill.job j ON j.id = n.job_id
WHERE (j.owner = (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user)
       OR (SELECT ro.rolsuper FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user))
ORDER BY n.job_id, n.found_at, n.partition;
GRANT SELECT ON backfill.new_partitions TO PUBLIC;

GRANT USAGE ON SCHEMA backfill TO PUBLIC;
GRANT SELECT ON backfill.jobs, backfill.progress, backfill.chunks, backfill.log,
    backfill.releases TO PUBLIC;

-- Functions. All run with a fixed search_path. plan, create and start
-- resolve the source with the CALLER's search_path: their last argument
-- defaults to it, and argument defaults are evaluated by the caller, before
-- the function's own SET clause applies. run cannot carry a SET clause
-- (it commits); it fixes its search_path in C.
CREATE FUNCTION backfill.plan(target regclass, source text, range_from text DEFAULT NULL,
                              range_to text DEFAULT NULL, options jsonb DEFAULT '{}',
                              source_search_path text
                                  DEFAULT pg_catalog.current_setting('search_path'))
RETURNS TABLE (chunk_no int, partition regclass, lower_bound text, upper_bound text,
               est_rows bigint, est_bytes bigint)
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_plan';

CREATE FUNCTION backfill."create"(name text, target regclass, source text,
                                  range_from text DEFAULT NULL, range_to text DEFAULT NULL,
                                  options jsonb DEFAULT '{}',
                                  source_search_path text
                                      DEFAULT pg_catalog.current_setting('search_path'))
RETURNS bigint
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_create';

CREATE FUNCTION backfill.start(name text, target regclass, source text,
                               range_from text DEFAULT NULL, range_to text DEFAULT NULL,
                               options jsonb DEFAULT '{}',
                               source_search_path text
                                   DEFAULT pg_catalog.current_setting('search_path'))
RETURNS bigint
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_start';

-- The same three, given a backfill specification document. plan(spec)
-- takes one argument only (a second, defaulted one would make
-- plan(target, source) ambiguous), so it has no SET clause and reads the
-- caller's search_path itself.
CREATE FUNCTION backfill.plan(spec jsonb)
RETURNS TABLE (chunk_no int, partition regclass, lower_bound text, upper_bound text,
               est_rows bigint, est_bytes bigint)
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'backfill_plan_spec';

CREATE FUNCTION backfill."create"(spec jsonb,
                                  source_search_path text
                                      DEFAULT pg_catalog.current_setting('search_path'))
RETURNS bigint
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_create_spec';

CREATE FUNCTION backfill.start(spec jsonb,
                               source_search_path text
                                   DEFAULT pg_catalog.current_setting('search_path'))
RETURNS bigint
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_start_spec';

CREATE FUNCTION backfill.publish(name text) RETURNS int
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_publish';

CREATE PROCEDURE backfill.run(name text, max_chunks int DEFAULT NULL)
LANGUAGE c AS 'MODULE_PATHNAME', 'backfill_run';

CREATE FUNCTION backfill.pause(name text) RETURNS void
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_pause';

CREATE FUNCTION backfill.set(name text, options jsonb) RETURNS void
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_set';

CREATE FUNCTION backfill.resume(name text) RETURNS void
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_resume';

CREATE FUNCTION backfill.cancel(name text) RETURNS void
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_cancel';

CREATE FUNCTION backfill.retry(name text) RETURNS int
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_retry';

CREATE FUNCTION backfill.wait(name text, timeout interval DEFAULT '1 hour') RETURNS text
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_wait';

CREATE FUNCTION backfill.rollback(name text, force boolean DEFAULT false) RETURNS int
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_rollback';

CREATE FUNCTION backfill.purge(name text) RETURNS int
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_purge';

-- The write guard: a C trigger that records, once per (sub)transaction,
-- that a partition being rebuilt (or a published one) was written to.
CREATE FUNCTION backfill._guard() RETURNS trigger
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'backfill_guard';

-- The reconciliation of a job, for people: per chunk the rows before and
-- after, each aggregate before / after / delta %, and the verdict (one row
-- per chunk and aggregate; one row per chunk when there are none).
CREATE FUNCTION backfill.report(name text)
RETURNS TABLE (chunk_no int, partition text, state text, rows_before bigint, rows_after bigint,
               aggregate text, before text, after text, delta_pct numeric, verdict text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF report.name IS NULL THEN
        RAISE EXCEPTION 'name must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'See the documentation of backfill''s functions in the README.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM backfill.jobs j WHERE j.name = report.name) THEN
        RAISE EXCEPTION 'backfill job "%" does not exist', report.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'See SELECT name, state FROM backfill.jobs for your jobs.';
    END IF;
    RETURN QUERY
    SELECT c.chunk_no, c.partition, c.state, c.rows_before, c.rows_after,
           a.value ->> 'expr', a.value ->> 'before', a.value ->> 'after',
           round((a.value ->> 'delta_pct')::numeric, 4),
           CASE
               WHEN c.validation IS NULL THEN
                   CASE c.state WHEN 'failed' THEN 'failed'
                                WHEN 'published' THEN 'published (no validation rules)'
                                ELSE 'not validated yet' END
               WHEN (c.validation ->> 'passed')::boolean THEN 'pass'
               WHEN a.value IS NOT NULL AND a.value <> 'null'::jsonb
                    AND NOT (a.value ->> 'passed')::boolean THEN 'FAIL'
               ELSE 'FAIL: ' || (SELECT string_agg(f, '; ')
                                 FROM jsonb_array_elements_text(c.validation -> 'failures') f)
           END
    FROM backfill.chunks c
    LEFT JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(c.validation -> 'aggregates') = 'array'
                  AND jsonb_array_length(c.validation -> 'aggregates') > 0
             THEN c.validation -> 'aggregates' ELSE '[null]'::jsonb END) a ON true
    WHERE c.job_name = report.name
    UNION ALL
    -- partitions added inside the range after create that no chunk rebuilt
    SELECT NULL::int, n.partition, 'not_rebuilt', NULL::bigint, NULL::bigint, NULL::text,
           NULL::text, NULL::text, NULL::numeric, 'added after create; ' || n.note
    FROM backfill.new_partitions n
    WHERE n.job_name = report.name AND n.chunk_no IS NULL
    ORDER BY 1, 2;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA backfill FROM PUBLIC;
-- Internal functions are not for callers: the guard is attached by backfill
-- itself (as the extension owner), the append-only trigger by this script.
REVOKE EXECUTE ON FUNCTION backfill._guard(), backfill._append_only() FROM PUBLIC;
GRANT SELECT ON backfill.jobs, backfill.progress, backfill.chunks, backfill.log,
    backfill.releases, backfill.new_partitions TO PUBLIC;

-- backfill 0.1.0 -> 0.2.0. Every change here is also in backfill--0.2.0.sql;
-- the upgrade test checks that both give the same schema.
\echo Use "ALTER EXTENSION backfill UPDATE TO '0.2.0'" to load this file. \quit

-- Job names are unique per owner: no role learns another role's names.
ALTER TABLE backfill.job DROP CONSTRAINT job_name_key;
ALTER TABLE backfill.job ADD CONSTRAINT job_owner_name_key UNIQUE (owner, name);

-- What a chunk created and guards, by OID: live_oid is the partition the
-- guard watches (the live one while building, the published one after),
-- shadow_oid the table the chunk built, retained_oid the partition the swap
-- took out. Names alone can be squatted or reused.
ALTER TABLE backfill.chunk ADD COLUMN live_oid oid, ADD COLUMN shadow_oid oid,
    ADD COLUMN retained_oid oid;

-- The extended statistics objects a publication renamed (in the order of
-- their retained names), like index_names for indexes: rollback renames
-- them back.
ALTER TABLE backfill.chunk ADD COLUMN statistics_names name[] NOT NULL DEFAULT '{}';

-- The audit trail stays append-only under session_replication_role = replica.
ALTER TABLE backfill.release_log ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE backfill.release_log ENABLE ALWAYS TRIGGER append_only_truncate;

-- Views no longer call helper functions: a function used in a view is run
-- with the caller's privileges, and no internal function is executable by
-- PUBLIC any more.
DROP VIEW backfill.releases, backfill.log, backfill.chunks, backfill.progress, backfill.jobs;
DROP FUNCTION backfill._visible(oid), backfill._bar(numeric),
    backfill._eta(int, int, interval);

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

GRANT SELECT ON backfill.jobs, backfill.progress, backfill.chunks, backfill.log,
    backfill.releases TO PUBLIC;

-- plan(spec) reads the caller's search_path itself (it has no SET clause),
-- so the SQL wrapper and its internal helper are gone.
DROP FUNCTION backfill.plan(jsonb);
DROP FUNCTION backfill._plan_spec(jsonb, text);
CREATE FUNCTION backfill.plan(spec jsonb)
RETURNS TABLE (chunk_no int, partition regclass, lower_bound text, upper_bound text,
               est_rows bigint, est_bytes bigint)
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'backfill_plan_spec';

-- Internal functions are not for callers: the guard is attached by backfill
-- itself (as the extension owner), the append-only trigger by this script.
REVOKE EXECUTE ON FUNCTION backfill._guard(), backfill._append_only() FROM PUBLIC;

-- Chunks recorded by 0.1.0 learn the OIDs of what they built, guard and
-- retain, from the names 0.1.0 gave them, so that a job half done before
-- the update finishes (and rolls back) after it.
UPDATE backfill.chunk SET
    live_oid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', part_schema, part_name)),
    shadow_oid = CASE WHEN shadow_exists OR state = 'built' THEN
        pg_catalog.to_regclass(pg_catalog.format('%I.%I', part_schema, shadow_name)) END,
    retained_oid = CASE WHEN retained THEN
        pg_catalog.to_regclass(pg_catalog.format('%I.%I', part_schema, retained_name)) END;

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
REVOKE ALL ON backfill.new_partition FROM PUBLIC;

CREATE VIEW backfill.new_partitions WITH (security_barrier) AS
SELECT n.job_id, j.name AS job_name, n.partition, n.lower_bound, n.upper_bound, n.chunk_no,
       n.note, n.found_at
FROM backfill.new_partition n
JOIN backfill.job j ON j.id = n.job_id
WHERE (j.owner = (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user)
       OR (SELECT ro.rolsuper FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user))
ORDER BY n.job_id, n.found_at, n.partition;
GRANT SELECT ON backfill.new_partitions TO PUBLIC;

-- report lists the partitions added after create that were not rebuilt.
CREATE OR REPLACE FUNCTION backfill.report(name text)
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

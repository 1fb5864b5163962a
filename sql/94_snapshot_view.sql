-- 94_snapshot_view: the option snapshot_view (and a specification's
-- rollback.snapshot): its bad values and refusals (nothing created), the
-- view made at create as the target's owner (name echoed, recorded by OID
-- and name in the job row, security_invoker, no grants), its rows equal
-- to the rows before the job after run and rollback, set() refusing to
-- change it, and purge dropping it first (or saying it is gone already).
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

CREATE ROLE bf_sv_owner NOLOGIN;
CREATE ROLE bf_sv_reader NOLOGIN;
GRANT CREATE ON SCHEMA public TO bf_sv_owner;
CREATE SCHEMA sv_audit AUTHORIZATION bf_sv_owner;
CREATE SCHEMA sv_closed;
CREATE TABLE sv_events (id int NOT NULL, day date NOT NULL, v int NOT NULL)
    PARTITION BY RANGE (day);
CREATE TABLE sv_events_1 PARTITION OF sv_events FOR VALUES FROM ('2024-03-01') TO ('2024-03-02');
CREATE TABLE sv_events_2 PARTITION OF sv_events FOR VALUES FROM ('2024-03-02') TO ('2024-03-03');
CREATE TABLE sv_events_3 PARTITION OF sv_events FOR VALUES FROM ('2024-03-03') TO ('2024-03-04');
INSERT INTO sv_events SELECT g, date '2024-03-01' + (g - 1) / 10, g FROM generate_series(1, 30) g;
ALTER TABLE sv_events OWNER TO bf_sv_owner;
ALTER TABLE sv_events_1 OWNER TO bf_sv_owner;
ALTER TABLE sv_events_2 OWNER TO bf_sv_owner;
ALTER TABLE sv_events_3 OWNER TO bf_sv_owner;
GRANT SELECT ON sv_events TO bf_sv_reader;
CREATE TABLE sv_taken (x int);
CREATE TABLE sv_before AS SELECT * FROM sv_events;
GRANT SELECT ON sv_before TO bf_sv_owner;
\set src 'SELECT id, day, v + 1000 FROM sv_events WHERE day >= $1 AND day < $2'
SET ROLE bf_sv_owner;
SELECT count(*) AS jobs_before FROM backfill.jobs \gset

-- 1. Bad values: not a string, not a view name; refused combinations.
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03', '{"snapshot_view": 1}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03', '{"snapshot_view": ""}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03', '{"snapshot_view": "snap-2024"}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03', '{"snapshot_view": "a.b.c"}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03', '{"snapshot_view": "\"open"}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_snap", "retain": false}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_snap", "mode": "merge", "key": ["id"], "chunk_by": "day"}');
-- 2. A view the owner could not make: schema missing, closed to it, name taken.
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_nowhere.sv_snap"}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_closed.sv_snap"}');
SELECT backfill.create('sv_x', 'sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_taken"}');
SELECT * FROM backfill.plan('sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "SV_Taken"}');
-- a specification: rollback.snapshot names the view, its refusals the field
SELECT backfill.create($${"backfill_id": "sv_x", "target": {"table": "sv_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM sv_events WHERE day >= $1 AND day < $2",
    "rollback": {"retain": false, "snapshot": "sv_snap"}}$$);
SELECT backfill.create($${"backfill_id": "sv_x", "target": {"table": "sv_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM sv_events WHERE day >= $1 AND day < $2",
    "rollback": {"snapshot": "sv taken"}}$$);
-- nothing was created
SELECT count(*) - :jobs_before AS new_jobs FROM backfill.jobs;
SELECT count(*) AS views FROM pg_class WHERE relname LIKE 'sv\_snap%' AND relkind = 'v';
-- plan checks, creates nothing
SELECT chunk_no, partition FROM backfill.plan('sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_audit.\"Snap Before\""}');
SELECT to_regclass('sv_audit."Snap Before"') AS planned_view;

-- 3. The view of a job over two of the three partitions: in the schema
--    named, as written (quoted), owned by the target's owner, reading with
--    the reader's rights, granted to nobody; recorded in the job row.
SELECT backfill.create('sv_job', 'sv_events', :'src', '2024-03-01', '2024-03-03',
    '{"snapshot_view": "sv_audit.\"Snap Before\""}') > 0 AS created;
SELECT options -> 'snapshot_view' AS snapshot_view, options -> 'release' AS release
FROM backfill.jobs WHERE name = 'sv_job';
RESET ROLE;
SELECT snapshot_schema, snapshot_name, snapshot_oid = 'sv_audit."Snap Before"'::regclass AS oid_recorded
FROM backfill.job WHERE name = 'sv_job';
SELECT c.relkind, pg_get_userbyid(c.relowner) AS owner, c.reloptions, c.relacl
FROM pg_class c WHERE c.oid = 'sv_audit."Snap Before"'::regclass;
SELECT pg_get_viewdef('sv_audit."Snap Before"'::regclass) AS definition;
SET ROLE bf_sv_owner;
-- its rows are the range's rows before the job
SELECT count(*) AS rows,
       (SELECT count(*) FROM (SELECT * FROM sv_audit."Snap Before" EXCEPT ALL
            SELECT * FROM sv_before WHERE day < '2024-03-03') d) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM sv_before WHERE day < '2024-03-03' EXCEPT ALL
            SELECT * FROM sv_audit."Snap Before") d) AS only_before
FROM sv_audit."Snap Before";
-- a reader of the target gets nothing through it unless granted, and then
-- only what it may read of the partitions (security_invoker)
SET ROLE bf_sv_reader;
SELECT count(*) FROM sv_audit."Snap Before";
SET ROLE bf_sv_owner;
GRANT USAGE ON SCHEMA sv_audit TO bf_sv_reader;
GRANT SELECT ON sv_audit."Snap Before" TO bf_sv_reader;
SET ROLE bf_sv_reader;
SELECT count(*) FROM sv_audit."Snap Before";
SET ROLE bf_sv_owner;
-- 4. set() does not change it, nor drops what it shows
SELECT backfill.set('sv_job', '{"snapshot_view": "sv_other"}');
SELECT backfill.set('sv_job', '{"snapshot_view": null}');
SELECT backfill.set('sv_job', '{"retain": false}');
-- 5. After the run the table holds the new rows, the view the old ones;
--    after rollback both the old ones.
CALL backfill.run('sv_job');
SELECT (SELECT sum(v) FROM sv_events WHERE day < '2024-03-03') AS live_sum,
       (SELECT sum(v) FROM sv_audit."Snap Before") AS view_sum,
       (SELECT count(*) FROM (SELECT * FROM sv_audit."Snap Before" EXCEPT ALL
            SELECT * FROM sv_before WHERE day < '2024-03-03') d) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM sv_before WHERE day < '2024-03-03' EXCEPT ALL
            SELECT * FROM sv_audit."Snap Before") d) AS only_before;
SELECT backfill.rollback('sv_job') AS restored;
SELECT (SELECT sum(v) FROM sv_events WHERE day < '2024-03-03') AS live_sum,
       (SELECT sum(v) FROM sv_audit."Snap Before") AS view_sum;
-- 6. purge drops the view first, then the tables it kept
SELECT backfill.purge('sv_job') AS dropped;
SELECT to_regclass('sv_audit."Snap Before"') AS view_after_purge;
RESET ROLE;
SELECT snapshot_oid, snapshot_name FROM backfill.job WHERE name = 'sv_job';
SET ROLE bf_sv_owner;

-- 7. A specification's rollback.snapshot: the view beside the target, the
--    release record keeps the name; a view the user dropped already does
--    not stop purge.
SELECT backfill.create($${"backfill_id": "sv_spec", "target": {"table": "sv_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM sv_events WHERE day >= $1 AND day < $2",
    "source_range": {"start": "2024-03-03", "end": "2024-03-03"},
    "rollback": {"snapshot": "sv_events_pre_fix"}}$$) > 0 AS created;
SELECT options -> 'snapshot_view' AS snapshot_view, options -> 'release' AS release
FROM backfill.jobs WHERE name = 'sv_spec';
SELECT count(*) AS rows FROM public.sv_events_pre_fix;
SELECT backfill.cancel('sv_spec');
DROP VIEW sv_events_pre_fix;
SELECT backfill.purge('sv_spec') AS dropped;
RESET ROLE;

-- 8. A member of the target's owning role runs the job: the view belongs
--    to the target's owner, and the member's purge still drops it.
CREATE ROLE bf_sv_member NOLOGIN IN ROLE bf_sv_owner;
SET ROLE bf_sv_member;
SELECT backfill.create('sv_member', 'sv_events', :'src', '2024-03-01', '2024-03-02',
    '{"snapshot_view": "sv_member_snap"}') > 0 AS created;
SELECT pg_get_userbyid(relowner) AS view_owner FROM pg_class WHERE oid = 'sv_member_snap'::regclass;
SELECT backfill.cancel('sv_member');
SELECT backfill.purge('sv_member') AS dropped;
SELECT to_regclass('sv_member_snap') AS view_after_purge;
RESET ROLE;
DROP TABLE sv_events, sv_taken, sv_before;
DROP SCHEMA sv_audit, sv_closed;
REVOKE CREATE ON SCHEMA public FROM bf_sv_owner;
DROP ROLE bf_sv_member, bf_sv_owner, bf_sv_reader;

-- 70_publish_spec_audit: when built chunks are published (the "publish"
-- option: each, batch, end, manual + backfill.publish), the audit trail of
-- every publication and rollback (backfill.releases, append-only), and jobs
-- made from a backfill specification document (plan/create/start(spec)).
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

-- Five daily partitions of 10 rows each; the sources add 1000 to v, so a
-- partition is "new" once every v is above 1000.
CREATE TABLE pa_events (id int NOT NULL, day date NOT NULL, v int NOT NULL)
    PARTITION BY RANGE (day);
CREATE TABLE pa_events_1 PARTITION OF pa_events FOR VALUES FROM ('2024-03-01') TO ('2024-03-02');
CREATE TABLE pa_events_2 PARTITION OF pa_events FOR VALUES FROM ('2024-03-02') TO ('2024-03-03');
CREATE TABLE pa_events_3 PARTITION OF pa_events FOR VALUES FROM ('2024-03-03') TO ('2024-03-04');
CREATE TABLE pa_events_4 PARTITION OF pa_events FOR VALUES FROM ('2024-03-04') TO ('2024-03-05');
CREATE TABLE pa_events_5 PARTITION OF pa_events FOR VALUES FROM ('2024-03-05') TO ('2024-03-06');
INSERT INTO pa_events SELECT g, date '2024-03-01' + (g - 1) / 10, g FROM generate_series(1, 50) g;
-- Which partitions hold the new rows: 'new', 'old' (or 'mixed', never seen).
CREATE TEMP VIEW pa_state AS
SELECT string_agg(CASE WHEN bool_and THEN 'new' WHEN NOT bool_or THEN 'old' ELSE 'mixed' END,
                  ' ' ORDER BY partition) AS partitions
FROM (SELECT tableoid::regclass::text AS partition, bool_and(v > 1000), bool_or(v > 1000)
      FROM pa_events GROUP BY 1) p;
\set src 'SELECT id, day, v + 1000 FROM pa_events WHERE day >= $1 AND day < $2'
SELECT * FROM pa_state;

-- 1. publish batch, partitions_per_batch 2 over 5 partitions: a batch is
--    published, in one transaction, once all its chunks are built; the
--    last batch has one chunk. Each batch is one row of backfill.releases,
--    with what the release option says.
SELECT backfill.create('pa_batch', 'pa_events', :'src', NULL, NULL,
    $${"publish": "batch", "partitions_per_batch": 2,
       "release": {"owner": "finance-data", "issue": "FIN-2841", "change": "Add 1000 to v",
                   "code_version": "git:4f2a9c1", "approved_by": "controller",
                   "snapshot": "snap-2024-03"}}$$) > 0 AS created;
SELECT options -> 'publish' AS publish, options -> 'partitions_per_batch' AS per_batch,
       jsonb_pretty(options -> 'release') AS release
FROM backfill.jobs WHERE name = 'pa_batch';
-- One chunk built: its batch is not complete, nothing is published.
CALL backfill.run('pa_batch', max_chunks => 1);
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'pa_batch';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'pa_batch' ORDER BY chunk_no;
SELECT * FROM pa_state;
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'pa_batch';
-- The second chunk built: batch 1 (chunks 1 and 2) is published.
CALL backfill.run('pa_batch', max_chunks => 1);
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'pa_batch' ORDER BY chunk_no;
SELECT * FROM pa_state;
-- The third chunk built: batch 2 waits for chunk 4.
CALL backfill.run('pa_batch', max_chunks => 1);
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'pa_batch' ORDER BY chunk_no;
SELECT * FROM pa_state;
CALL backfill.run('pa_batch');
SELECT name, state, chunks_done, chunks_total FROM backfill.jobs WHERE name = 'pa_batch';
SELECT * FROM pa_state;
-- The chunks of a batch were swapped under the same lock.
SELECT chunk_no, state, swap_ms > 0 AS timed,
       swap_ms = min(swap_ms) OVER (PARTITION BY (chunk_no - 1) / 2)
         AND swap_ms = max(swap_ms) OVER (PARTITION BY (chunk_no - 1) / 2) AS same_swap
FROM backfill.chunks WHERE job_name = 'pa_batch' ORDER BY chunk_no;
SELECT chunk_no, event, detail LIKE '% (with 1 more)' AS with_one_more FROM backfill.log
WHERE job_name = 'pa_batch' AND event = 'chunk_published';
SELECT job_name, action, dataset, range_from, range_to, reason, code_version, approved_by,
       replace(requested_by, current_user, '<me>') AS requested_by,
       replace(published_by, session_user, '<me>') AS published_by,
       chunks, rows_before, rows_after
FROM backfill.releases WHERE job_name = 'pa_batch' ORDER BY id;
-- Rolling back is recorded too, with every chunk it restored.
SELECT backfill.rollback('pa_batch') AS restored;
SELECT * FROM pa_state;
SELECT action, range_from, range_to, reason, chunks, rows_before, rows_after,
       replace(published_by, session_user, '<me>') AS published_by
FROM backfill.releases WHERE job_name = 'pa_batch' ORDER BY id;
SELECT bool_and(published_at >= lag) AS in_order FROM (
    SELECT published_at, lag(published_at, 1, '-infinity') OVER (ORDER BY id) AS lag
    FROM backfill.releases WHERE job_name = 'pa_batch') r;
SELECT backfill.purge('pa_batch') AS dropped;

-- 2. A write to a built chunk's partition while it waits for its batch:
--    the batch is not published at all (the chunk goes back to be rebuilt,
--    its partner stays built); the next run rebuilds it with the new row
--    and publishes both.
SELECT backfill.create('pa_batch_write', 'pa_events', :'src', '2024-03-01', '2024-03-03',
    '{"publish": "batch", "partitions_per_batch": 2}') > 0 AS created;
CALL backfill.run('pa_batch_write', max_chunks => 1);
INSERT INTO pa_events VALUES (51, '2024-03-01', 51);
CALL backfill.run('pa_batch_write', max_chunks => 1);
SELECT chunk_no, state, attempts, error FROM backfill.chunks
WHERE job_name = 'pa_batch_write' ORDER BY chunk_no;
SELECT * FROM pa_state;
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'pa_batch_write';
CALL backfill.run('pa_batch_write');
SELECT chunk_no, state, attempts, rows_before, rows_after, error FROM backfill.chunks
WHERE job_name = 'pa_batch_write' ORDER BY chunk_no;
SELECT * FROM pa_state;
SELECT v FROM pa_events WHERE id = 51;
SELECT action, chunks, rows_before, rows_after FROM backfill.releases
WHERE job_name = 'pa_batch_write' ORDER BY id;
SELECT backfill.rollback('pa_batch_write') AS restored;
SELECT backfill.purge('pa_batch_write') AS dropped;
DELETE FROM pa_events WHERE id = 51;
SELECT * FROM pa_state;

-- 3. A chunk that fails its validation keeps its whole batch unpublished
--    (on_failure continue: the other batches are published; the job fails).
SELECT backfill.create('pa_batch_invalid', 'pa_events',
    'SELECT id, day, CASE WHEN day = ''2024-03-02'' THEN -v ELSE v + 1000 END FROM pa_events WHERE day >= $1 AND day < $2',
    NULL, NULL, $${"publish": "batch", "partitions_per_batch": 2, "on_failure": "continue",
                   "validate": {"aggregates": [{"expr": "sum(v)", "min_delta_pct": 0}]}}$$) > 0 AS created;
CALL backfill.run('pa_batch_invalid');
SELECT name, state, chunks_done, chunks_failed, last_error FROM backfill.jobs
WHERE name = 'pa_batch_invalid';
SELECT chunk_no, state, error FROM backfill.chunks WHERE job_name = 'pa_batch_invalid' ORDER BY chunk_no;
SELECT * FROM pa_state;
SELECT action, chunks FROM backfill.releases WHERE job_name = 'pa_batch_invalid' ORDER BY id;
SELECT backfill.rollback('pa_batch_invalid') AS restored;
SELECT action, chunks FROM backfill.releases WHERE job_name = 'pa_batch_invalid' ORDER BY id;
SELECT backfill.purge('pa_batch_invalid') AS dropped;
SELECT * FROM pa_state;

-- 4. publish end: nothing is published until every chunk is built, then
--    all of them in one transaction (one release row).
SELECT backfill.create('pa_end', 'pa_events', :'src', NULL, NULL, '{"publish": "end"}') > 0 AS created;
SELECT options -> 'publish' AS publish, options -> 'partitions_per_batch' AS per_batch
FROM backfill.jobs WHERE name = 'pa_end';
CALL backfill.run('pa_end', max_chunks => 4);
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'pa_end' ORDER BY chunk_no;
SELECT * FROM pa_state;
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'pa_end';
CALL backfill.run('pa_end');
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'pa_end';
SELECT * FROM pa_state;
SELECT count(DISTINCT swap_ms) AS swaps FROM backfill.chunks WHERE job_name = 'pa_end';
SELECT action, range_from, range_to, reason, code_version, approved_by, chunks, rows_before,
       rows_after
FROM backfill.releases WHERE job_name = 'pa_end' ORDER BY id;
SELECT backfill.rollback('pa_end') AS restored;
SELECT action, chunks FROM backfill.releases WHERE job_name = 'pa_end' ORDER BY id;
SELECT backfill.purge('pa_end') AS dropped;
-- With a chunk that fails validation (on_failure continue), nothing at all
-- is published.
SELECT backfill.create('pa_end_invalid', 'pa_events',
    'SELECT id, day, CASE WHEN day = ''2024-03-04'' THEN -v ELSE v + 1000 END FROM pa_events WHERE day >= $1 AND day < $2',
    NULL, NULL, $${"publish": "end", "on_failure": "continue",
                   "validate": {"aggregates": [{"expr": "sum(v)", "min_delta_pct": 0}]}}$$) > 0 AS created;
CALL backfill.run('pa_end_invalid');
SELECT name, state, chunks_done, chunks_failed FROM backfill.jobs WHERE name = 'pa_end_invalid';
SELECT chunk_no, state, error FROM backfill.chunks WHERE job_name = 'pa_end_invalid' ORDER BY chunk_no;
SELECT * FROM pa_state;
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'pa_end_invalid';
SELECT backfill.purge('pa_end_invalid') AS dropped;

-- 5. publish manual: the job builds everything and pauses
--    ('awaiting_publish'); backfill.publish publishes every built chunk in
--    one transaction and completes the job. A role owns the job; the
--    superuser publishes it: requested_by and published_by say so.
CREATE ROLE bf_pa_owner NOLOGIN;
CREATE SCHEMA pa_owned AUTHORIZATION bf_pa_owner;
SET ROLE bf_pa_owner;
CREATE TABLE pa_owned.sales (id int NOT NULL, day date NOT NULL, v int NOT NULL)
    PARTITION BY RANGE (day);
CREATE TABLE pa_owned.sales_1 PARTITION OF pa_owned.sales FOR VALUES FROM ('2024-03-01') TO ('2024-03-02');
CREATE TABLE pa_owned.sales_2 PARTITION OF pa_owned.sales FOR VALUES FROM ('2024-03-02') TO ('2024-03-03');
CREATE TABLE pa_owned.sales_3 PARTITION OF pa_owned.sales FOR VALUES FROM ('2024-03-03') TO ('2024-03-04');
CREATE TABLE pa_owned.sales_4 PARTITION OF pa_owned.sales FOR VALUES FROM ('2024-03-04') TO ('2024-03-05');
CREATE TABLE pa_owned.sales_5 PARTITION OF pa_owned.sales FOR VALUES FROM ('2024-03-05') TO ('2024-03-06');
INSERT INTO pa_owned.sales SELECT g, date '2024-03-01' + (g - 1) / 10, g FROM generate_series(1, 50) g;
CREATE VIEW pa_owned.state AS
SELECT string_agg(CASE WHEN bool_and THEN 'new' WHEN NOT bool_or THEN 'old' ELSE 'mixed' END,
                  ' ' ORDER BY partition) AS partitions
FROM (SELECT tableoid::regclass::text AS partition, bool_and(v > 1000), bool_or(v > 1000)
      FROM pa_owned.sales GROUP BY 1) p;
SELECT backfill.create('pa_manual', 'pa_owned.sales',
    'SELECT id, day, v + 1000 FROM pa_owned.sales WHERE day >= $1 AND day < $2', NULL, NULL,
    '{"publish": "manual", "release": {"issue": "OPS-77", "code_version": "v2.1"}}') > 0 AS created;
-- Refused while chunks are not built (nothing changes).
SELECT backfill.publish('pa_manual');
CALL backfill.run('pa_manual', max_chunks => 2);
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'pa_manual' ORDER BY chunk_no;
SELECT backfill.publish('pa_manual');
SELECT partitions FROM pa_owned.state;
CALL backfill.run('pa_manual');
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'pa_manual';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'pa_manual' ORDER BY chunk_no;
SELECT event, detail FROM backfill.log WHERE job_name = 'pa_manual' AND event = 'awaiting_publish';
SELECT partitions FROM pa_owned.state;
-- Running it again changes nothing: it still waits.
CALL backfill.run('pa_manual');
SELECT name, state FROM backfill.jobs WHERE name = 'pa_manual';
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'pa_manual';
-- A write to a partition since its shadow was built: nothing is published.
INSERT INTO pa_owned.sales VALUES (51, '2024-03-03', 51);
RESET ROLE;
SELECT backfill.publish('pa_manual') AS published;
SELECT name, state FROM backfill.jobs WHERE name = 'pa_manual';
SELECT chunk_no, state, attempts FROM backfill.chunks WHERE job_name = 'pa_manual' ORDER BY chunk_no;
SELECT partitions FROM pa_owned.state;
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'pa_manual';
-- The owner rebuilds it; the superuser publishes everything at once.
SET ROLE bf_pa_owner;
CALL backfill.run('pa_manual');
RESET ROLE;
SELECT backfill.publish('pa_manual') AS published;
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'pa_manual';
SELECT partitions FROM pa_owned.state;
SELECT v FROM pa_owned.sales WHERE id = 51;
SELECT count(DISTINCT swap_ms) AS swaps FROM backfill.chunks WHERE job_name = 'pa_manual';
SELECT event, chunk_no FROM backfill.log
WHERE job_name = 'pa_manual' AND event IN ('awaiting_publish', 'chunk_retry', 'chunk_published', 'job_completed');
SELECT job_name, action, dataset, range_from, range_to, reason, code_version, approved_by,
       requested_by, replace(published_by, session_user, '<me>') AS published_by,
       chunks, rows_before, rows_after
FROM backfill.releases WHERE job_name = 'pa_manual' ORDER BY id;
-- Nothing is left to publish once the job is completed; unknown jobs and
-- NULL are refused.
SELECT backfill.publish('pa_manual');
SELECT backfill.publish('pa_no_such_job');
SELECT backfill.publish(NULL);
-- The owner sees the releases of its own jobs only, and not the table
-- behind them (nor the job table, which keeps the specifications).
SET ROLE bf_pa_owner;
SELECT job_name, action, chunks FROM backfill.releases ORDER BY id;
SELECT count(*) FROM backfill.release_log;
SELECT spec FROM backfill.job;
SELECT backfill.rollback('pa_manual') AS restored;
SELECT partitions FROM pa_owned.state;
SELECT job_name, action, chunks, requested_by,
       replace(published_by, session_user, '<me>') AS published_by
FROM backfill.releases ORDER BY id;
SELECT backfill.purge('pa_manual') AS dropped;
RESET ROLE;

-- 6. The release log is append-only, even for the superuser.
SELECT count(*) AS releases FROM backfill.release_log \gset
UPDATE backfill.release_log SET reason = 'rewritten' WHERE job_name = 'pa_end';
DELETE FROM backfill.release_log WHERE job_name = 'pa_end';
TRUNCATE backfill.release_log;
SELECT count(*) - :releases AS changed FROM backfill.release_log;
SELECT action, chunks, reason FROM backfill.releases WHERE job_name = 'pa_end' ORDER BY id;

-- 7. A specification document: plan and create take it; the job keeps it.
--    source_range.end is inclusive (range_to is the next day);
--    execution.partitions_per_batch means publish batch; validation holds
--    the validate rules; owner, reason, code_version and approved_by are
--    the release record (rollback.snapshot, which also makes a view, is in
--    94_snapshot_view).
\set spec '{"backfill_id": "pa_spec", "owner": "finance-data", "source_range": {"start": "2024-03-02", "end": "2024-03-04"}, "target": {"table": "public.pa_events", "partition_key": "day"}, "reason": {"issue": "FIN-2841", "change": "Correct v"}, "source": "SELECT id, day, v + 1000 FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"partitions_per_batch": 2, "max_concurrency": 1, "lock_timeout": "250ms", "on_failure": "continue"}, "validation": {"row_count_tolerance": 0, "aggregates": [{"expr": "sum(v)", "min_delta_pct": 0}], "unique": ["id"]}, "rollback": {"retain": true}, "code_version": "git:4f2a9c1", "approved_by": "controller"}'
SELECT * FROM backfill.plan(:'spec'::jsonb);
SELECT backfill.create(:'spec'::jsonb) > 0 AS created;
SELECT name, target, state, range_from, range_to FROM backfill.jobs WHERE name = 'pa_spec';
SELECT jsonb_pretty(options - ARRAY['mode', 'sleep', 'window', 'nice_ratio', 'max_attempts',
    'max_wal_rate', 'swap_retries', 'throttle_query', 'statement_timeout', 'max_active_backends',
    'max_replication_lag', 'max_replication_lag_bytes']) AS options
FROM backfill.jobs WHERE name = 'pa_spec';
SELECT spec = :'spec'::jsonb AS spec_kept, source, search_path FROM backfill.job WHERE name = 'pa_spec';
SELECT jsonb_pretty(spec) AS spec FROM backfill.job WHERE name = 'pa_spec';
SELECT chunk_no, partition, lower_bound, upper_bound FROM backfill.chunks
WHERE job_name = 'pa_spec' ORDER BY chunk_no;
CALL backfill.run('pa_spec');
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'pa_spec';
SELECT * FROM pa_state;
SELECT action, range_from, range_to, reason, code_version, approved_by, chunks, rows_before,
       rows_after
FROM backfill.releases WHERE job_name = 'pa_spec' ORDER BY id;
SELECT chunk_no, aggregate, before, after, delta_pct, verdict FROM backfill.report('pa_spec');
SELECT backfill.rollback('pa_spec') AS restored;
SELECT backfill.purge('pa_spec') AS dropped;
-- The same name again: free once its job is purged (above); while that
-- new job exists, a duplicate.
SELECT backfill.create(:'spec'::jsonb) > 0 AS created_again;
SELECT backfill.create(:'spec'::jsonb);
-- An integer key: end + 1; fields left out take the defaults (each, whole table).
CREATE TABLE pa_numbers (n int NOT NULL, v int) PARTITION BY RANGE (n);
CREATE TABLE pa_numbers_1 PARTITION OF pa_numbers FOR VALUES FROM (0) TO (100);
CREATE TABLE pa_numbers_2 PARTITION OF pa_numbers FOR VALUES FROM (100) TO (200);
CREATE TABLE pa_numbers_3 PARTITION OF pa_numbers FOR VALUES FROM (200) TO (300);
SELECT backfill.create($${"backfill_id": "pa_spec_int", "target": {"table": "pa_numbers", "partition_key": "n"},
    "source": "SELECT n, v FROM pa_numbers WHERE n >= $1 AND n < $2",
    "source_range": {"start": "100", "end": "299"}}$$) > 0 AS created;
SELECT name, range_from, range_to, chunks_total, options -> 'publish' AS publish,
       options -> 'release' AS release, options -> 'validate' AS validate
FROM backfill.jobs WHERE name = 'pa_spec_int';
SELECT backfill.cancel('pa_spec_int');
SELECT * FROM backfill.plan($${"backfill_id": "pa_spec_whole", "target": {"table": "pa_numbers", "partition_key": "n"},
    "source": "SELECT n, v FROM pa_numbers WHERE n >= $1 AND n < $2"}$$);

-- 8. Bad documents are refused, naming the field; nothing is created.
SELECT count(*) AS jobs_before FROM backfill.job \gset
-- Not an object, NULL.
SELECT backfill.create('[1, 2]'::jsonb);
SELECT backfill.create('"pa_x"'::jsonb);
SELECT backfill.create(NULL::jsonb);
-- Unknown fields, at the top and nested.
SELECT backfill.create('{"backfill_id": "pa_x", "priority": 1}'::jsonb);
SELECT backfill.create('{"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day", "schema": "public"}}'::jsonb);
SELECT backfill.create('{"backfill_id": "pa_x", "source_range": {"from": "2024-03-01"}}'::jsonb);
SELECT backfill.create('{"backfill_id": "pa_x", "reason": {"ticket": "FIN-1"}}'::jsonb);
SELECT backfill.create('{"backfill_id": "pa_x", "rollback": {"keep": true}}'::jsonb);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"speed": 2}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "validation": {"rows": 0}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2",
    "validation": {"aggregates": [{"expr": "sum(v)", "max": 1}]}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"validate": {}}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"retain": false}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"release": {}}}$$);
-- Missing required fields.
SELECT backfill.create($${"target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x",
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create('{"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"}}'::jsonb);
SELECT backfill.create($${"backfill_id": " ", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
-- A partition key that is not the table's, a table that does not exist.
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "id"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT * FROM backfill.plan($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "Day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_nowhere", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
-- Wrong types.
SELECT backfill.create($${"backfill_id": 7, "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": "pa_events",
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": ["day"]},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "source_range": ["2024-03-01", "2024-03-02"]}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "source_range": {"start": 20240301}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "reason": "FIN-1"}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "reason": {"issue": 2841}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "code_version": 3}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "approved_by": true}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"max_concurrency": "2"}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"partitions_per_batch": 0}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2",
    "execution": {"publish": "end", "partitions_per_batch": 2}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "rollback": {"retain": "yes"}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "rollback": {"snapshot": 1}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "validation": {"row_count_tolerance": "0"}}$$);
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "validation": {"unique": "id"}}$$);
-- Bounds: not a date, and an inclusive end on a timestamp key.
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "source_range": {"end": "2024-02-30"}}$$);
CREATE TABLE pa_ts (id int NOT NULL, at timestamp NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE pa_ts_1 PARTITION OF pa_ts FOR VALUES FROM ('2024-03-01') TO ('2024-03-02');
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_ts", "partition_key": "at"},
    "source": "SELECT id, at FROM pa_ts WHERE at >= $1 AND at < $2",
    "source_range": {"start": "2024-03-01 00:00", "end": "2024-03-01 23:59:59"}}$$);
SELECT * FROM backfill.plan($${"backfill_id": "pa_x", "target": {"table": "pa_ts", "partition_key": "at"},
    "source": "SELECT id, at FROM pa_ts WHERE at >= $1 AND at < $2", "source_range": {"end": "2024-03-01"}}$$);
-- start with a bad document starts nothing.
SELECT backfill.start($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day, v FROM pa_events WHERE day >= $1 AND day < $2", "execution": {"max_concurrency": 0}}$$);
-- (with a source that does not match the target, the usual check applies)
SELECT backfill.create($${"backfill_id": "pa_x", "target": {"table": "pa_events", "partition_key": "day"},
    "source": "SELECT id, day FROM pa_events WHERE day >= $1 AND day < $2"}$$);
SELECT count(*) - :jobs_before AS jobs_created FROM backfill.job;
SELECT count(*) AS pa_x FROM backfill.jobs WHERE name = 'pa_x';

-- Clean up.
SELECT * FROM pa_state;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'pa\_%\_bf%' OR relname LIKE 'sales\_%\_bf%';
SELECT count(*) AS guards FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
WHERE t.tgname LIKE 'backfill\_%'
  AND (r.relname LIKE 'pa\_%' OR r.relnamespace = 'pa_owned'::regnamespace);
DROP VIEW pa_state;
DROP TABLE pa_events, pa_numbers, pa_ts;
DROP SCHEMA pa_owned CASCADE;
DROP ROLE bf_pa_owner;

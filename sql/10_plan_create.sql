-- 10_plan_create: backfill.plan (a dry run) and backfill.create (records a
-- pending job and its chunks, starts nothing), for every supported key type.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';

CREATE TABLE public.events (
    id     int NOT NULL,
    day    date NOT NULL,
    amount numeric(10,2) NOT NULL,
    tax    numeric(10,2)
) PARTITION BY RANGE (day);
CREATE TABLE events_20240101 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE events_20240102 PARTITION OF events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE events_20240103 PARTITION OF events FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
CREATE TABLE events_20240104 PARTITION OF events FOR VALUES FROM ('2024-01-04') TO ('2024-01-05');
CREATE TABLE events_20240105 PARTITION OF events FOR VALUES FROM ('2024-01-05') TO ('2024-01-06');
CREATE TABLE events_default PARTITION OF events DEFAULT;
-- 10, 20, 30, 40 and 50 rows in the daily partitions, 7 in the default one.
INSERT INTO events
SELECT row_number() OVER (), d.day, n * 1.50, NULL
FROM generate_series(1, 5) AS i
CROSS JOIN LATERAL (SELECT date '2023-12-31' + i AS day) d
CROSS JOIN LATERAL generate_series(1, 10 * i) AS n;
INSERT INTO events SELECT 1000 + n, date '2024-02-01', n, NULL FROM generate_series(1, 7) n;
ANALYZE events;
SELECT tableoid::regclass AS partition, count(*) FROM events GROUP BY 1 ORDER BY tableoid::regclass::text;

\set src 'SELECT id, day, amount, round(amount * 0.08, 2) AS tax FROM public.events WHERE day >= $1 AND day < $2'
SELECT count(*) AS jobs_before FROM backfill.job \gset

-- Every daily partition when no range is given; never the default one.
SELECT * FROM backfill.plan('events', :'src') ORDER BY chunk_no;
-- A range: [range_from, range_to), both at partition bounds.
SELECT * FROM backfill.plan('events', :'src', '2024-01-02', '2024-01-04') ORDER BY chunk_no;
-- Only one end given: the other one is open.
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('events', :'src', range_from => '2024-01-04') ORDER BY chunk_no;
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('events', :'src', range_to => '2024-01-03') ORDER BY chunk_no;
-- A range wider than the partitions holds all of them.
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('events', :'src', '2023-01-01', '2025-01-01') ORDER BY chunk_no;
-- Options are checked, and the chunk list is the same.
SELECT chunk_no, partition FROM backfill.plan('events', :'src', '2024-01-05', '2024-01-06',
    '{"lock_timeout": "250ms", "max_attempts": 2, "on_failure": "continue"}') ORDER BY chunk_no;
-- A qualified target and a schema-qualified regclass work alike.
SELECT count(*) FROM backfill.plan('public.events'::regclass, :'src');

-- plan changed nothing.
SELECT count(*) - :jobs_before AS new_jobs FROM backfill.job;
SELECT count(*) AS shadows FROM pg_class WHERE relname ~ '_bf[0-9]+_[0-9]+_(new|old)$';

-- create returns the job's id; the job is pending and nothing ran.
SELECT backfill.create('pc_events', 'events', :'src', '2024-01-02', '2024-01-05') AS pc_id \gset
SELECT id = :pc_id AS id_matches, name, target, state, owner = current_user AS owner_is_me,
       mode, range_from, range_to, started_at IS NULL AS not_started,
       finished_at IS NULL AS not_finished, chunks_total, chunks_done, chunks_failed,
       rows_written, last_error, options
FROM backfill.jobs WHERE name = 'pc_events';
SELECT job_id = :pc_id AS id_matches, job_name, chunk_no, partition, lower_bound, upper_bound,
       state, attempts, rows_before, rows_after, swap_ms, retained,
       started_at IS NULL AS not_started, finished_at IS NULL AS not_finished, error
FROM backfill.chunks WHERE job_name = 'pc_events' ORDER BY chunk_no;
SELECT name, state, chunks_done, chunks_total, pct, rows_written, elapsed, bar
FROM backfill.progress WHERE name = 'pc_events';
SELECT job_name, chunk_no, event, detail FROM backfill.log WHERE job_name = 'pc_events';
-- The partitions are untouched: no shadow, no guard trigger yet.
SELECT count(*) AS shadows FROM pg_class WHERE relname ~ '_bf[0-9]+_[0-9]+_(new|old)$';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'backfill%';

-- A second job on the same table covering one of those partitions is
-- refused, naming the first.
SELECT backfill.create('pc_events_overlap', 'events', :'src', '2024-01-04', NULL);
-- One on other partitions, with every option given: the jobs view shows
-- the options in effect, defaults filled in.
SELECT backfill.create('pc_events_opts', 'events', :'src', NULL, '2024-01-02',
    '{"mode": "swap", "max_concurrency": 2, "sleep": "10ms", "lock_timeout": "200ms",
      "swap_retries": 7, "max_attempts": 5, "on_failure": "continue", "retain": false,
      "statement_timeout": "1min"}') > 0 AS created;
SELECT name, range_from, range_to, chunks_total, options
FROM backfill.jobs WHERE name = 'pc_events_opts';
SELECT backfill.create('pc_events_nulls', 'events', :'src', '2024-01-05', NULL, NULL) > 0 AS created;
SELECT name, options FROM backfill.jobs WHERE name = 'pc_events_nulls';

-- Every supported key type plans; bounds are shown as PostgreSQL prints them.
CREATE TABLE k_int (k int NOT NULL, v text) PARTITION BY RANGE (k);
CREATE TABLE k_int_lo PARTITION OF k_int FOR VALUES FROM (MINVALUE) TO (-100);
CREATE TABLE k_int_m PARTITION OF k_int FOR VALUES FROM (-100) TO (0);
CREATE TABLE k_int_0 PARTITION OF k_int FOR VALUES FROM (0) TO (100);
CREATE TABLE k_int_1 PARTITION OF k_int FOR VALUES FROM (100) TO (2147483647);
INSERT INTO k_int SELECT g, 'v' || g FROM generate_series(-150, 150, 10) g;
SELECT chunk_no, partition, lower_bound, upper_bound, est_rows
FROM backfill.plan('k_int', 'SELECT k, v FROM k_int WHERE k >= $1 AND k < $2', '-100', '2147483647')
ORDER BY chunk_no;
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_int', 'SELECT k, v FROM k_int WHERE k >= $1 AND k < $2', '+0', '0100')
ORDER BY chunk_no;

CREATE TABLE k_small (k smallint NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE k_small_0 PARTITION OF k_small FOR VALUES FROM (0) TO (10);
CREATE TABLE k_small_1 PARTITION OF k_small FOR VALUES FROM (10) TO (20);
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_small', 'SELECT k, v FROM k_small WHERE k >= $1 AND k < $2', '10')
ORDER BY chunk_no;

CREATE TABLE k_big (k bigint NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE k_big_0 PARTITION OF k_big FOR VALUES FROM (-9000000000000000000) TO (10000000000);
CREATE TABLE k_big_1 PARTITION OF k_big FOR VALUES FROM (10000000000) TO (20000000000);
CREATE TABLE k_big_2 PARTITION OF k_big FOR VALUES FROM (20000000000) TO (9000000000000000000);
INSERT INTO k_big VALUES (5, 1), (10000000001, 2), (20000000001, 3), (20000000002, 4);
SELECT chunk_no, partition, lower_bound, upper_bound, est_rows
FROM backfill.plan('k_big', 'SELECT k, v FROM k_big WHERE k >= $1 AND k < $2') ORDER BY chunk_no;
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_big', 'SELECT k, v FROM k_big WHERE k >= $1 AND k < $2',
                   '10000000000', '9000000000000000000') ORDER BY chunk_no;

CREATE TABLE k_num (k numeric NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE k_num_0 PARTITION OF k_num FOR VALUES FROM (-0.5) TO (1.25);
CREATE TABLE k_num_1 PARTITION OF k_num FOR VALUES FROM (1.25) TO (10);
CREATE TABLE k_num_2 PARTITION OF k_num FOR VALUES FROM (10) TO (123456789012345678901234567890.5);
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_num', 'SELECT k, v FROM k_num WHERE k >= $1 AND k < $2') ORDER BY chunk_no;
-- Equal values written differently meet the bounds (1.250 = 1.25, 1e1 = 10).
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_num', 'SELECT k, v FROM k_num WHERE k >= $1 AND k < $2', '1.250', '1e1')
ORDER BY chunk_no;
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_num', 'SELECT k, v FROM k_num WHERE k >= $1 AND k < $2', '-0.50', '10.000')
ORDER BY chunk_no;

CREATE TABLE k_ts (k timestamp NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE k_ts_0 PARTITION OF k_ts FOR VALUES FROM ('2024-01-01 00:00') TO ('2024-01-01 12:00');
CREATE TABLE k_ts_1 PARTITION OF k_ts FOR VALUES FROM ('2024-01-01 12:00') TO ('2024-01-02 00:00');
CREATE TABLE k_ts_2 PARTITION OF k_ts FOR VALUES FROM ('2024-01-02 00:00') TO ('2024-01-02 00:00:00.5');
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_ts', 'SELECT k, v FROM k_ts WHERE k >= $1 AND k < $2') ORDER BY chunk_no;
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_ts', 'SELECT k, v FROM k_ts WHERE k >= $1 AND k < $2',
                   'Jan 1 12:00:00 2024', '2024-01-02T00:00:00.500') ORDER BY chunk_no;

CREATE TABLE k_tstz (k timestamptz NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE k_tstz_0 PARTITION OF k_tstz FOR VALUES FROM ('2024-03-30 00:00+00') TO ('2024-03-31 00:00+00');
CREATE TABLE k_tstz_1 PARTITION OF k_tstz FOR VALUES FROM ('2024-03-31 00:00+00') TO ('2024-04-01 00:00+00');
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_tstz', 'SELECT k, v FROM k_tstz WHERE k >= $1 AND k < $2') ORDER BY chunk_no;
-- The same instant in another zone is the same bound.
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('k_tstz', 'SELECT k, v FROM k_tstz WHERE k >= $1 AND k < $2',
                   '2024-03-31 02:00:00+02', '2024-03-31 20:00:00-04') ORDER BY chunk_no;
-- A job on a timestamptz key keeps its bounds as text.
SELECT backfill.create('pc_tstz', 'k_tstz', 'SELECT k, v FROM k_tstz WHERE k >= $1 AND k < $2',
                       '2024-03-30 00:00+00') > 0 AS created;
SELECT name, target, range_from, range_to, chunks_total FROM backfill.jobs WHERE name = 'pc_tstz';
SELECT chunk_no, partition, lower_bound, upper_bound, state
FROM backfill.chunks WHERE job_name = 'pc_tstz' ORDER BY chunk_no;

-- A partition in another schema is named with its schema.
CREATE SCHEMA pc_other;
CREATE TABLE pc_other.events_20240106 PARTITION OF events FOR VALUES FROM ('2024-01-06') TO ('2024-01-07');
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('events', :'src', '2024-01-05') ORDER BY chunk_no;

-- All the jobs of this file, pending.
SELECT name, target, state, chunks_total, chunks_done FROM backfill.jobs
WHERE name LIKE 'pc\_%' ORDER BY name;

-- Clean up: pending jobs are cancelled and purged (nothing to drop).
SELECT backfill.cancel(name) FROM backfill.jobs WHERE name LIKE 'pc\_%' ORDER BY name;
SELECT name, backfill.purge(name) AS dropped FROM backfill.jobs WHERE name LIKE 'pc\_%' ORDER BY name;
SELECT name, state FROM backfill.jobs WHERE name LIKE 'pc\_%' ORDER BY name;
DROP TABLE events, k_int, k_small, k_big, k_num, k_ts, k_tstz;
DROP SCHEMA pc_other;
SELECT count(*) AS leftovers FROM pg_class WHERE relname ~ '_bf[0-9]+_[0-9]+_(new|old)$';

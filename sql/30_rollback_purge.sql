-- 30_rollback_purge: rollback puts the retained originals back exactly;
-- purge drops what a finished job kept; cancel and the state rules.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

CREATE TABLE rb_events (
    id   int NOT NULL,
    day  date NOT NULL,
    v    text,
    n    numeric,
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE INDEX rb_events_v_idx ON rb_events (v);
CREATE TABLE rb_events_1 PARTITION OF rb_events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE rb_events_2 PARTITION OF rb_events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE rb_events_3 PARTITION OF rb_events FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
CREATE TABLE rb_events_4 PARTITION OF rb_events FOR VALUES FROM ('2024-01-04') TO ('2024-01-05');
CREATE INDEX rb_events_3_n_idx ON rb_events_3 (n);
INSERT INTO rb_events SELECT g, date '2024-01-01' + g % 4, 'v' || g, g / 7.0 FROM generate_series(1, 400) g;

-- Checksums of every partition, and its indexes and constraints.
CREATE TEMP VIEW rb_state AS
SELECT tableoid::regclass::text AS partition, count(*) AS n, sum(hashtext(t::text)) AS hash
FROM rb_events t GROUP BY 1;
CREATE TEMP VIEW rb_shape AS
SELECT tablename AS relname, indexname AS name, indexdef AS def FROM pg_indexes
WHERE tablename IN (SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'rb_events'::regclass)
UNION ALL
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'rb_events'::regclass)
UNION ALL
SELECT c.oid::regclass::text, 'bound', pg_get_expr(c.relpartbound, c.oid) FROM pg_class c
WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'rb_events'::regclass);
CREATE TEMP TABLE rb_before AS SELECT * FROM rb_state;
CREATE TEMP TABLE rb_shape_before AS SELECT * FROM rb_shape;
SELECT partition, n FROM rb_before ORDER BY partition;
-- Tables a job left behind: its shadows, retained originals, indexes.
CREATE FUNCTION pg_temp.rb_leftovers(job text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_class
    WHERE relname LIKE '%\_bf' || (SELECT id FROM backfill.jobs WHERE name = job) || '\_%'
$$;
CREATE FUNCTION pg_temp.rb_guards(job text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_trigger
    WHERE tgname LIKE 'backfill\_guard\_' || (SELECT id FROM backfill.jobs WHERE name = job) || '%'
$$;

\set src 'SELECT id, day, upper(v), n * 2 FROM rb_events WHERE day >= $1 AND day < $2'

-- A completed job, rolled back.
SELECT backfill.create('rb_job', 'rb_events', :'src', '2024-01-01', '2024-01-04') > 0 AS created;
CALL backfill.run('rb_job');
SELECT s.partition, s.n, s.hash = b.hash AS unchanged
FROM rb_state s JOIN rb_before b USING (partition) ORDER BY 1;
SELECT pg_temp.rb_leftovers('rb_job') AS kept_tables;
SELECT backfill.rollback('rb_job') AS restored;
SELECT name, state, chunks_done, chunks_total FROM backfill.jobs WHERE name = 'rb_job';
SELECT chunk_no, partition, state, retained FROM backfill.chunks WHERE job_name = 'rb_job' ORDER BY chunk_no;
SELECT chunk_no, event FROM backfill.log WHERE job_name = 'rb_job' AND event IN ('rolled_back', 'purged');
-- Exactly the old contents, partition by partition, and the same shape.
SELECT 'lost' AS side, * FROM (TABLE rb_before EXCEPT TABLE rb_state) x
UNION ALL SELECT 'new', * FROM (TABLE rb_state EXCEPT TABLE rb_before) y;
SELECT 'lost' AS side, * FROM (TABLE rb_shape_before EXCEPT TABLE rb_shape) x
UNION ALL SELECT 'new', * FROM (TABLE rb_shape EXCEPT TABLE rb_shape_before) y;
SELECT count(*) FILTER (WHERE v LIKE 'V%') AS upper_case_rows FROM rb_events;
-- Nothing is left to roll back; run does not start it again.
SELECT backfill.rollback('rb_job');
CALL backfill.run('rb_job');
SELECT backfill.cancel('rb_job');
SELECT backfill.pause('rb_job');
-- purge drops the rebuilt tables that the rollback took out.
SELECT pg_temp.rb_leftovers('rb_job') AS kept_tables;
SELECT backfill.purge('rb_job') AS dropped;
SELECT pg_temp.rb_leftovers('rb_job') AS kept_tables, pg_temp.rb_guards('rb_job') AS guards;
SELECT backfill.purge('rb_job') AS dropped_again;
SELECT name, state FROM backfill.jobs WHERE name = 'rb_job';

-- A completed job purged: the retained originals are dropped, the new data
-- stays, and rollback is no longer possible.
SELECT backfill.create('rb_purged', 'rb_events', :'src', '2024-01-04', '2024-01-05') > 0 AS created;
CALL backfill.run('rb_purged');
SELECT pg_temp.rb_leftovers('rb_purged') AS kept_tables, pg_temp.rb_guards('rb_purged') AS guards;
SELECT backfill.purge('rb_purged') AS dropped;
SELECT pg_temp.rb_leftovers('rb_purged') AS kept_tables, pg_temp.rb_guards('rb_purged') AS guards;
SELECT name, state FROM backfill.jobs WHERE name = 'rb_purged';
SELECT chunk_no, state, retained FROM backfill.chunks WHERE job_name = 'rb_purged';
SELECT count(*) AS rows, count(*) FILTER (WHERE v LIKE 'V%') AS upper_case FROM rb_events_4;
SELECT backfill.rollback('rb_purged');
SELECT name, state FROM backfill.jobs WHERE name = 'rb_purged';
-- Put partition 4 back as it was, for the checksums below.
TRUNCATE rb_events_4;
INSERT INTO rb_events SELECT g, date '2024-01-01' + g % 4, 'v' || g, g / 7.0
FROM generate_series(1, 400) g WHERE g % 4 = 3;
SELECT 'lost' AS side, * FROM (TABLE rb_before EXCEPT TABLE rb_state) x
UNION ALL SELECT 'new', * FROM (TABLE rb_state EXCEPT TABLE rb_before) y;

-- A pending job cancelled, then purged: nothing is left behind.
SELECT backfill.create('rb_cancel', 'rb_events', :'src') > 0 AS created;
SELECT backfill.cancel('rb_cancel');
SELECT backfill.cancel('rb_cancel');
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'rb_cancel';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'rb_cancel' ORDER BY chunk_no;
CALL backfill.run('rb_cancel');
SELECT backfill.purge('rb_cancel') AS dropped;
SELECT pg_temp.rb_leftovers('rb_cancel') AS kept_tables, pg_temp.rb_guards('rb_cancel') AS guards;

-- A job stopped after one chunk is still running: rollback and purge are
-- refused until it is paused or cancelled.
SELECT backfill.create('rb_partial', 'rb_events', :'src', '2024-01-02', '2024-01-05') > 0 AS created;
CALL backfill.run('rb_partial', max_chunks => 1);
SELECT name, state, chunks_done, chunks_total FROM backfill.jobs WHERE name = 'rb_partial';
SELECT backfill.rollback('rb_partial');
SELECT backfill.purge('rb_partial');
-- Paused: still not finished, so no purge; cancelled: published chunks stay
-- published, and rollback restores them.
SELECT backfill.pause('rb_partial');
SELECT backfill.purge('rb_partial');
SELECT backfill.cancel('rb_partial');
SELECT name, state, chunks_done FROM backfill.jobs WHERE name = 'rb_partial';
SELECT chunk_no, state, retained IS NOT NULL AS has_retained
FROM backfill.chunks WHERE job_name = 'rb_partial' ORDER BY chunk_no;
SELECT count(*) FILTER (WHERE v LIKE 'V%') AS upper_case_rows FROM rb_events_2;
SELECT backfill.rollback('rb_partial') AS restored;
SELECT name, state FROM backfill.jobs WHERE name = 'rb_partial';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'rb_partial' ORDER BY chunk_no;
SELECT backfill.purge('rb_partial') AS dropped;
SELECT pg_temp.rb_leftovers('rb_partial') AS kept_tables, pg_temp.rb_guards('rb_partial') AS guards;
SELECT 'lost' AS side, * FROM (TABLE rb_before EXCEPT TABLE rb_state) x
UNION ALL SELECT 'new', * FROM (TABLE rb_state EXCEPT TABLE rb_before) y;

-- A paused job with published chunks can be rolled back directly.
SELECT backfill.create('rb_paused', 'rb_events', :'src', '2024-01-01', '2024-01-03') > 0 AS created;
CALL backfill.run('rb_paused', 1);
SELECT backfill.pause('rb_paused');
SELECT backfill.rollback('rb_paused') AS restored;
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'rb_paused' ORDER BY chunk_no;
SELECT backfill.purge('rb_paused') AS dropped;

-- A pending job rolls back with nothing to restore.
SELECT backfill.create('rb_pending', 'rb_events', :'src') > 0 AS created;
SELECT backfill.rollback('rb_pending') AS restored;
SELECT name, state FROM backfill.jobs WHERE name = 'rb_pending';
SELECT backfill.purge('rb_pending') AS dropped;

-- Writes to published partitions make rollback refuse (they would be
-- lost), unless forced. A write that was itself rolled back does not count.
SELECT backfill.create('rb_written', 'rb_events', :'src') > 0 AS created;
CALL backfill.run('rb_written');
BEGIN;
INSERT INTO rb_events VALUES (1001, '2024-01-01', 'aborted', 0);
ROLLBACK;
SELECT backfill.rollback('rb_written', force => false) AS restored;
SELECT name, state FROM backfill.jobs WHERE name = 'rb_written';
SELECT backfill.purge('rb_written') AS dropped;

SELECT backfill.create('rb_written2', 'rb_events', :'src') > 0 AS created;
CALL backfill.run('rb_written2');
INSERT INTO rb_events VALUES (1002, '2024-01-02', 'new row', 0);
UPDATE rb_events SET n = -1 WHERE id = 3;
TRUNCATE rb_events_4;
SELECT backfill.rollback('rb_written2');
SELECT backfill.rollback('rb_written2', false);
SELECT name, state FROM backfill.jobs WHERE name = 'rb_written2';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'rb_written2' ORDER BY chunk_no;
SELECT backfill.rollback('rb_written2', force => true) AS restored;
SELECT name, state FROM backfill.jobs WHERE name = 'rb_written2';
-- The writes are gone with the rebuilt partitions: the originals are back.
SELECT count(*) AS written_rows FROM rb_events WHERE id = 1002 OR n = -1;
SELECT 'lost' AS side, * FROM (TABLE rb_before EXCEPT TABLE rb_state) x
UNION ALL SELECT 'new', * FROM (TABLE rb_state EXCEPT TABLE rb_before) y;
SELECT 'lost' AS side, * FROM (TABLE rb_shape_before EXCEPT TABLE rb_shape) x
UNION ALL SELECT 'new', * FROM (TABLE rb_shape EXCEPT TABLE rb_shape_before) y;
SELECT backfill.purge('rb_written2') AS dropped;
SELECT pg_temp.rb_leftovers('rb_written2') AS kept_tables, pg_temp.rb_guards('rb_written2') AS guards;

-- retain => false: nothing is kept, so rollback is impossible.
SELECT backfill.create('rb_noretain', 'rb_events', :'src', '2024-01-03', '2024-01-04',
                       '{"retain": false}') > 0 AS created;
CALL backfill.run('rb_noretain');
SELECT chunk_no, state, retained FROM backfill.chunks WHERE job_name = 'rb_noretain';
SELECT pg_temp.rb_leftovers('rb_noretain') AS kept_tables;
SELECT backfill.rollback('rb_noretain');
SELECT backfill.rollback('rb_noretain', force => true);
SELECT name, state FROM backfill.jobs WHERE name = 'rb_noretain';
SELECT backfill.purge('rb_noretain') AS dropped;
SELECT pg_temp.rb_guards('rb_noretain') AS guards;

-- Every job of this file, and nothing left behind by any of them.
SELECT name, state FROM backfill.jobs WHERE name LIKE 'rb\_%' ORDER BY name;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'rb\_events\_%\_bf%';
SELECT count(*) AS guards FROM pg_trigger WHERE tgname LIKE 'backfill\_%';
DROP VIEW rb_state, rb_shape;
DROP TABLE rb_events;

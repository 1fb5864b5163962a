-- 93_eras_names: a source per era (option sources) for schema drift, and
-- its refusals (gap, overlap, a range not covered, a chunk spanning two
-- eras, source and sources both, a bad source in one era); names that come
-- back once their job is purged; source_range.end of a timestamptz key
-- written as a date (the whole day, in the TimeZone at create) or as an
-- instant (included).
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

CREATE TABLE en_events (id int NOT NULL, day date NOT NULL, amount numeric NOT NULL)
PARTITION BY RANGE (day);
CREATE TABLE en_events_1 PARTITION OF en_events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE en_events_2 PARTITION OF en_events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE en_events_3 PARTITION OF en_events FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
INSERT INTO en_events SELECT g, DATE '2024-01-01' + g, g FROM generate_series(0, 90) g;
-- the old era's data had other columns: cents instead of amount
CREATE TABLE en_old (n int, d date, cents bigint);
INSERT INTO en_old SELECT g, DATE '2024-01-01' + g, g * 100 FROM generate_series(0, 59) g;

-- Two eras, each chunk inside one: plan shows the chunks.
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-03-01",
         "source": "SELECT n, d, cents / 100.0 FROM en_old WHERE d >= $1 AND d < $2;"},
        {"from": "2024-03-01", "to": "2024-04-01",
         "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);

-- A gap between two eras.
SELECT * FROM backfill.plan('en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-02-01", "source": "SELECT n, d, cents FROM en_old WHERE d >= $1 AND d < $2"},
        {"from": "2024-02-15", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- Two eras that overlap.
SELECT * FROM backfill.plan('en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-03-01", "source": "SELECT n, d, cents FROM en_old WHERE d >= $1 AND d < $2"},
        {"from": "2024-02-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- Eras that do not cover [range_from, range_to), at either end.
SELECT * FROM backfill.plan('en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-02-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
SELECT * FROM backfill.plan('en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-05-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- Without range_from / range_to, a chunk outside every era.
SELECT * FROM backfill.plan('en_events', NULL, NULL, NULL,
    $${"sources": [
        {"from": "2024-02-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- An era that ends inside a partition: that chunk would need two sources.
SELECT backfill.create('en-eras', 'en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-02-15", "source": "SELECT n, d, cents FROM en_old WHERE d >= $1 AND d < $2"},
        {"from": "2024-02-15", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- An empty era.
SELECT * FROM backfill.plan('en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-01-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"},
        {"from": "2024-01-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- source and sources both.
SELECT backfill.create('en-eras', 'en_events',
    $$SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2$$, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- Neither.
SELECT backfill.create('en-eras', 'en_events', NULL, '2024-01-01', '2024-04-01');
-- A bad source in one era: each is checked like a single source.
SELECT backfill.create('en-eras', 'en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-03-01", "source": "SELECT n, d FROM en_old WHERE d >= $1 AND d < $2"},
        {"from": "2024-03-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
SELECT backfill.create('en-eras', 'en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-03-01", "source": "SELECT n, d, cents FROM en_old"},
        {"from": "2024-03-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
SELECT backfill.create('en-eras', 'en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-03-01", "source": "SELECT n, d, cents FROM en_nowhere WHERE d >= $1 AND d < $2"},
        {"from": "2024-03-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
-- Malformed entries are refused by their path.
SELECT * FROM backfill.plan('en_events', NULL, NULL, NULL, '{"sources": []}');
SELECT * FROM backfill.plan('en_events', NULL, NULL, NULL, '{"sources": "SELECT 1"}');
SELECT * FROM backfill.plan('en_events', NULL, NULL, NULL,
    '{"sources": [{"from": "2024-01-01", "source": "SELECT 1"}]}');
SELECT * FROM backfill.plan('en_events', NULL, NULL, NULL,
    '{"sources": [{"from": "2024-01-01", "to": "2024-04-01", "source": "SELECT 1", "until": "x"}]}');
SELECT * FROM backfill.plan('en_events', NULL, NULL, NULL,
    '{"sources": [{"from": "someday", "to": "2024-04-01", "source": "SELECT 1"}]}');

-- A job with two eras: recorded with the job, echoed in its options; the
-- eras cannot be changed afterwards.
SELECT backfill.create('en-eras', 'en_events', NULL, '2024-01-01', '2024-04-01',
    $${"sources": [
        {"from": "2024-01-01", "to": "2024-03-01",
         "source": "SELECT n, d, cents / 100.0 FROM en_old WHERE d >= $1 AND d < $2;"},
        {"from": "2024-03-01", "to": "2024-04-01",
         "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$) > 0
    AS created;
SELECT jsonb_pretty(options -> 'sources') FROM backfill.jobs WHERE name = 'en-eras';
SELECT e.era_no, e.range_from, e.range_to, e.source
FROM backfill.era e JOIN backfill.job j ON j.id = e.job_id WHERE j.name = 'en-eras'
ORDER BY e.era_no;
SELECT source IS NULL AS no_single_source FROM backfill.job WHERE name = 'en-eras';
SELECT backfill.set('en-eras', $${"sources": [{"from": "2024-01-01", "to": "2024-04-01",
    "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
CALL backfill.run('en-eras');
SELECT chunk_no, state, rows_after FROM backfill.chunks WHERE job_name = 'en-eras' ORDER BY chunk_no;
-- the old era's rows came from en_old (cents / 100), the new era's as they were
SELECT count(*) AS rows, sum(amount) AS total,
       bool_and(amount = (day - DATE '2024-01-01')) AS amounts_right
FROM en_events;

-- A specification gives sources at the top level (and not under execution).
SELECT chunk_no, lower_bound, upper_bound FROM backfill.plan($${
    "backfill_id": "en-spec", "target": {"table": "en_events", "partition_key": "day"},
    "source_range": {"start": "2024-01-01", "end": "2024-03-31"},
    "sources": [
        {"from": "2024-01-01", "to": "2024-02-01", "source": "SELECT n, d, cents FROM en_old WHERE d >= $1 AND d < $2"},
        {"from": "2024-02-01", "to": "2024-04-01", "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2"}]}$$);
SELECT * FROM backfill.plan($${
    "backfill_id": "en-spec", "target": {"table": "en_events", "partition_key": "day"},
    "source": "SELECT id, day, amount FROM en_events WHERE day >= $1 AND day < $2",
    "execution": {"sources": []}}$$);
SELECT * FROM backfill.plan($${
    "backfill_id": "en-spec", "target": {"table": "en_events", "partition_key": "day"},
    "sources": [{"from": "2024-01-01", "source": "SELECT 1"}]}$$);
SELECT * FROM backfill.plan($${
    "backfill_id": "en-spec", "target": {"table": "en_events", "partition_key": "day"}}$$);

-- Mode merge: the eras cut chunk_by's range; a chunk must not span two.
CREATE TABLE en_ledger (id int PRIMARY KEY, fee numeric);
INSERT INTO en_ledger SELECT g, 0 FROM generate_series(1, 40) g;
SELECT * FROM backfill.plan('en_ledger', NULL, '1', '41',
    $${"mode": "merge", "chunk_by": "id", "chunk_size": 10, "sources": [
        {"from": "1", "to": "15", "source": "SELECT id, 1 FROM en_ledger WHERE id >= $1 AND id < $2"},
        {"from": "15", "to": "41", "source": "SELECT id, 2 FROM en_ledger WHERE id >= $1 AND id < $2"}]}$$);
SELECT backfill.create('en-merge', 'en_ledger', NULL, '1', '41',
    $${"mode": "merge", "chunk_by": "id", "chunk_size": 10, "sources": [
        {"from": "1", "to": "21", "source": "SELECT id, 1 FROM en_ledger WHERE id >= $1 AND id < $2"},
        {"from": "21", "to": "41", "source": "SELECT id, 2 FROM en_ledger WHERE id >= $1 AND id < $2"}]}$$) > 0
    AS created;
CALL backfill.run('en-merge');
SELECT fee, count(*), min(id), max(id) FROM en_ledger GROUP BY fee ORDER BY fee;

-- Names come back: once a job is purged, its name can be used again; the
-- purged job stays readable by id.
SELECT backfill.create('en-names', 'en_ledger',
    $$SELECT id, 3 FROM en_ledger WHERE id >= $1 AND id < $2$$, '1', '11',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10}') > 0 AS created;
-- not purged: the name is taken
SELECT backfill.create('en-names', 'en_ledger',
    $$SELECT id, 4 FROM en_ledger WHERE id >= $1 AND id < $2$$, '1', '11',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10}');
CALL backfill.run('en-names');
SELECT backfill.purge('en-names');
SELECT backfill.create('en-names', 'en_ledger',
    $$SELECT id, 4 FROM en_ledger WHERE id >= $1 AND id < $2$$, '1', '11',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10}') > 0 AS created_again;
-- both jobs are in the views, the purged one with purged_at
SELECT state, purged_at IS NOT NULL AS purged,
       id = (SELECT min(id) FROM backfill.jobs WHERE name = 'en-names') AS first
FROM backfill.jobs WHERE name = 'en-names' ORDER BY id;
-- the commands take the job not purged
CALL backfill.run('en-names');
SELECT j.state, c.state AS chunk_state
FROM backfill.jobs j JOIN backfill.chunks c ON c.job_id = j.id
WHERE j.name = 'en-names' ORDER BY j.id;
SELECT chunk_no, state, rows_before, verdict FROM backfill.report('en-names');
SELECT backfill.wait('en-names', '1s');
-- the first job's log, by its id
SELECT event FROM backfill.log
WHERE job_id = (SELECT min(id) FROM backfill.jobs WHERE name = 'en-names') ORDER BY at, event;
SELECT fee, count(*) FROM en_ledger WHERE id < 11 GROUP BY fee;
-- purged again, the name is free again; the purged jobs by name: the newest
SELECT backfill.purge('en-names');
SELECT backfill.purge('en-names');
SELECT count(*) AS jobs, count(purged_at) AS purged FROM backfill.jobs WHERE name = 'en-names';

-- source_range.end of a timestamptz key, under a TimeZone that is not UTC:
-- a date is the whole of that day in that TimeZone, an instant is included.
SET TimeZone = 'Europe/Berlin';
CREATE TABLE en_ticks (id int NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE en_ticks_1 PARTITION OF en_ticks FOR VALUES FROM ('2024-03-01 00:00+01') TO ('2024-03-02 00:00+01');
CREATE TABLE en_ticks_2 PARTITION OF en_ticks FOR VALUES FROM ('2024-03-02 00:00+01') TO ('2024-03-03 00:00+01');
CREATE TABLE en_ticks_3 PARTITION OF en_ticks FOR VALUES FROM ('2024-03-03 00:00+01') TO ('2024-03-04 00:00+01');
INSERT INTO en_ticks SELECT g, TIMESTAMPTZ '2024-03-01 00:00+01' + g * interval '1 hour'
FROM generate_series(0, 71) g;
SELECT chunk_no, partition, lower_bound, upper_bound FROM backfill.plan($${
    "backfill_id": "en-ticks", "target": {"table": "en_ticks", "partition_key": "at"},
    "source": "SELECT id, at FROM en_ticks WHERE at >= $1 AND at < $2",
    "source_range": {"start": "2024-03-01", "end": "2024-03-02"}}$$);
SELECT backfill.create($${
    "backfill_id": "en-ticks", "target": {"table": "en_ticks", "partition_key": "at"},
    "source": "SELECT id, at FROM en_ticks WHERE at >= $1 AND at < $2",
    "source_range": {"start": "2024-03-01", "end": "2024-03-02"}}$$) > 0 AS created;
SELECT range_from, range_to, chunks_total FROM backfill.jobs WHERE name = 'en-ticks';
SELECT detail FROM backfill.log WHERE job_name = 'en-ticks' AND event = 'created';
SELECT backfill.cancel('en-ticks');
-- an instant: the last one included
SELECT chunk_no, partition, lower_bound, upper_bound FROM backfill.plan($${
    "backfill_id": "en-ticks-2", "target": {"table": "en_ticks", "partition_key": "at"},
    "source": "SELECT id, at FROM en_ticks WHERE at >= $1 AND at < $2",
    "source_range": {"start": "2024-03-02", "end": "2024-03-03 23:59:59.999999"}}$$);
-- an instant inside a partition cuts through it
SELECT * FROM backfill.plan($${
    "backfill_id": "en-ticks-2", "target": {"table": "en_ticks", "partition_key": "at"},
    "source": "SELECT id, at FROM en_ticks WHERE at >= $1 AND at < $2",
    "source_range": {"end": "2024-03-02 12:00"}}$$);
-- not a timestamp at all
SELECT * FROM backfill.plan($${
    "backfill_id": "en-ticks-2", "target": {"table": "en_ticks", "partition_key": "at"},
    "source": "SELECT id, at FROM en_ticks WHERE at >= $1 AND at < $2",
    "source_range": {"end": "someday"}}$$);
RESET TimeZone;

-- 80_merge: mode merge corrects rows in place, range by range of a column,
-- on a plain table and on a table foreign keys reference; writes only what
-- differs; keeps a before-image that makes rollback exact; refuses bad
-- options with what to do.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

CREATE TABLE accounts (id int PRIMARY KEY, name text);
CREATE TABLE ledger (
    id bigint PRIMARY KEY,
    account int REFERENCES accounts (id),
    amount numeric(12,2) NOT NULL,
    fee numeric(12,2),
    note json
);
CREATE TABLE ledger_ref (ledger_id bigint REFERENCES ledger (id));
INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 3) g;
INSERT INTO ledger SELECT g, 1 + g % 3, g, 0, '{"v": 1}' FROM generate_series(1, 30) g;
-- the corrected data: fee is 10 % of amount; row 5 gone, row 31 new
CREATE TABLE ledger_fixed AS SELECT id, account, amount, round(amount * 0.1, 2) AS fee, note
FROM ledger WHERE id <> 5;
INSERT INTO ledger_fixed VALUES (31, 1, 31, 3.1, '{"v": 1}');
-- rows 1..9 already right: their fee stays equal, no write
UPDATE ledger SET fee = round(amount * 0.1, 2) WHERE id < 10;

-- plan: ranges of id in steps of 10, no partition
SELECT chunk_no, partition, lower_bound, upper_bound
FROM backfill.plan('ledger',
    $$SELECT id, account, amount, fee, note FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    '1', '41', '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "delete_missing": true}');

SELECT backfill.create('fee-fix', 'ledger',
    $$SELECT id, account, amount, fee, note FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    '1', '41', '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "delete_missing": true}') > 0
    AS created;
SELECT mode, options->'key' AS key, options->'chunk_size' AS chunk_size,
       options ? 'lock_timeout' AS has_lock_timeout
FROM backfill.jobs WHERE name = 'fee-fix';
CALL backfill.run('fee-fix');
SELECT chunk_no, partition, lower_bound, upper_bound, state, rows_before, rows_after,
       rows_inserted, rows_updated, rows_deleted, rows_unchanged
FROM backfill.chunks WHERE job_name = 'fee-fix' ORDER BY chunk_no;
SELECT state, chunks_done, chunks_total, rows_written, retained_bytes > 0 AS keeps_image
FROM backfill.jobs WHERE name = 'fee-fix';
-- the table now equals the corrected data
SELECT count(*) AS differing FROM (
    (SELECT id, account, amount, fee, note::text FROM ledger
     EXCEPT SELECT id, account, amount, fee, note::text FROM ledger_fixed)
    UNION ALL
    (SELECT id, account, amount, fee, note::text FROM ledger_fixed
     EXCEPT SELECT id, account, amount, fee, note::text FROM ledger)) d;

-- rollback is refused once a row the job wrote was changed since; with
-- force it puts the before-image back anyway
UPDATE ledger SET note = '{"v": 2}' WHERE id = 12;
SELECT backfill.rollback('fee-fix');
SELECT state FROM backfill.jobs WHERE name = 'fee-fix';
UPDATE ledger SET note = '{"v": 1}' WHERE id = 12;
SELECT backfill.rollback('fee-fix', force => true);
SELECT count(*) AS rows, sum(fee) AS fees, bool_and(id <> 31) AS no_new_row,
       bool_or(id = 5) AS row_5_back
FROM ledger;
SELECT backfill.purge('fee-fix');
SELECT retained_bytes FROM backfill.jobs WHERE name = 'fee-fix';

-- the same correction again, then once more: the rerun writes nothing
SELECT backfill.create('fee-fix-2', 'ledger',
    $$SELECT id, account, amount, fee, note FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    '1', '41', '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "delete_missing": true}') > 0
    AS created;
CALL backfill.run('fee-fix-2');
SELECT backfill.purge('fee-fix-2');
SELECT backfill.create('fee-fix-3', 'ledger',
    $$SELECT id, account, amount, fee, note FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    '1', '41', '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "delete_missing": true}') > 0
    AS created;
CALL backfill.run('fee-fix-3');
SELECT sum(rows_inserted) AS ins, sum(rows_updated) AS upd, sum(rows_deleted) AS del,
       sum(rows_unchanged) AS unchanged
FROM backfill.chunks WHERE job_name = 'fee-fix-3';
SELECT backfill.purge('fee-fix-3');
-- back to the uncorrected rows for what follows
TRUNCATE ledger_ref;
DELETE FROM ledger;
INSERT INTO ledger SELECT g, 1 + g % 3, g, 0, '{"v": 1}' FROM generate_series(1, 30) g;

-- a delete that a foreign key forbids fails its chunk, nothing of it written
INSERT INTO ledger_ref VALUES (25);
SELECT backfill.create('fk-fix', 'ledger',
    $$SELECT id, account, amount, fee, note FROM ledger_fixed WHERE id >= $1 AND id < $2 AND id <> 25$$,
    '21', '31', '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "delete_missing": true}') > 0
    AS created;
CALL backfill.run('fk-fix');
SELECT chunk_no, state, attempts, error FROM backfill.chunks WHERE job_name = 'fk-fix';
SELECT count(*) FILTER (WHERE fee = round(amount * 0.1, 2)) AS corrected FROM ledger
WHERE id >= 21 AND id < 31;
SELECT backfill.cancel('fk-fix');
SELECT backfill.purge('fk-fix');

-- the watermark: chunks at or above it are skipped, one straddling it is
-- cut at it, and nothing at or above it is written
CREATE TABLE ingest_mark (mark bigint);
INSERT INTO ingest_mark VALUES (15);
SELECT backfill.create('marked', 'ledger',
    $$SELECT id, account, amount, fee, note FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    '1', '31', '{"mode": "merge", "chunk_by": "id", "chunk_size": 10,
                 "watermark": "SELECT mark FROM public.ingest_mark"}') > 0 AS created;
CALL backfill.run('marked');
SELECT chunk_no, lower_bound, upper_bound, state FROM backfill.chunks
WHERE job_name = 'marked' ORDER BY chunk_no;
SELECT state FROM backfill.jobs WHERE name = 'marked';
SELECT event, chunk_no FROM backfill.log WHERE job_name = 'marked'
AND event = 'skipped_above_watermark';
SELECT count(*) FILTER (WHERE fee = round(amount * 0.1, 2)) AS corrected_below,
       count(*) FILTER (WHERE id >= 15 AND fee = round(amount * 0.1, 2)) AS written_at_or_above
FROM ledger WHERE id < 15 OR id >= 15 AND id < 21;

-- live_wins inserts only what is missing; newer_wins compares versions
CREATE TABLE versions (id int PRIMARY KEY, v int, val text);
INSERT INTO versions VALUES (1, 1, 'old'), (2, 5, 'live newer');
SELECT backfill.create('lw', 'versions',
    $$SELECT * FROM (VALUES (1, 2, 'src'), (2, 2, 'src'), (3, 1, 'src')) s (id, v, val)
      WHERE id >= $1 AND id < $2$$,
    '1', '4', '{"mode": "merge", "chunk_by": "id", "conflict": "live_wins"}') > 0 AS created;
CALL backfill.run('lw');
SELECT * FROM versions ORDER BY id;
SELECT backfill.purge('lw');
DELETE FROM versions WHERE id = 3;
SELECT backfill.create('nw', 'versions',
    $$SELECT * FROM (VALUES (1, 2, 'src'), (2, 2, 'src'), (3, 1, 'src')) s (id, v, val)
      WHERE id >= $1 AND id < $2$$,
    '1', '4', '{"mode": "merge", "chunk_by": "id", "conflict": "newer_wins",
                "version_column": "v"}') > 0 AS created;
CALL backfill.run('nw');
SELECT * FROM versions ORDER BY id;

-- validate compares the range before and after the writes, inside the
-- chunk's transaction: a failure writes nothing
CREATE TABLE scores (id int PRIMARY KEY, points int NOT NULL);
INSERT INTO scores SELECT g, g FROM generate_series(1, 20) g;
SELECT backfill.create('scores-strict', 'scores',
    $$SELECT id, points * 2 FROM scores WHERE id >= $1 AND id < $2$$, '1', '21',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10,
      "validate": {"aggregates": [{"expr": "sum(points)", "max_delta_pct": 50}]}}') > 0
    AS created;
CALL backfill.run('scores-strict');
SELECT chunk_no, state, error FROM backfill.chunks WHERE job_name = 'scores-strict';
SELECT sum(points) AS unchanged_sum FROM scores;
SELECT backfill.cancel('scores-strict');
SELECT backfill.purge('scores-strict');
SELECT backfill.create('scores-ok', 'scores',
    $$SELECT id, points * 2 FROM scores WHERE id >= $1 AND id < $2$$, '1', '21',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10,
      "validate": {"row_count_tolerance": 0, "unique": [["id"]],
                   "aggregates": [{"expr": "sum(points)", "min_delta_pct": 99, "max_delta_pct": 101}],
                   "query": "SELECT (SELECT sum(points) FROM {shadow}) = 2 * (SELECT sum(points) FROM {old})"}}') > 0
    AS created;
CALL backfill.run('scores-ok');
SELECT chunk_no, state, validation->'passed' AS passed, validation->'aggregates'->0->'after' AS after
FROM backfill.chunks WHERE job_name = 'scores-ok' ORDER BY chunk_no;
SELECT sum(points) AS doubled_sum FROM scores;

-- publication units: every chunk is staged first, then the unit is applied
-- in ONE transaction (one release); manual waits for backfill.publish()
CREATE TABLE tallies (id int PRIMARY KEY, n int);
INSERT INTO tallies SELECT g, 0 FROM generate_series(1, 30) g;
SELECT backfill.create('tally-end', 'tallies',
    $$SELECT id, 1 FROM tallies WHERE id >= $1 AND id < $2$$, '1', '31',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "publish": "end",
      "validate": {"row_count_tolerance": 0, "aggregates": [{"expr": "sum(n)"}]}}') > 0 AS created;
CALL backfill.run('tally-end');
SELECT count(*) AS chunks, count(DISTINCT c.build_xid::text) AS transactions
FROM backfill.chunk c JOIN backfill.job j ON j.id = c.job_id
WHERE j.name = 'tally-end' AND c.state = 'published';
SELECT action, chunks FROM backfill.releases WHERE job_name = 'tally-end';
SELECT chunk_no, validation->'passed' AS passed FROM backfill.chunks WHERE job_name = 'tally-end'
ORDER BY chunk_no;
SELECT sum(n) AS corrected FROM tallies;
SELECT backfill.purge('tally-end');
SELECT backfill.create('tally-manual', 'tallies',
    $$SELECT id, 2 FROM tallies WHERE id >= $1 AND id < $2$$, '1', '31',
    '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "publish": "manual"}') > 0 AS created;
CALL backfill.run('tally-manual');
SELECT state FROM backfill.jobs WHERE name = 'tally-manual';
SELECT sum(n) AS not_yet FROM tallies;
SELECT backfill.publish('tally-manual');
SELECT sum(n) AS published FROM tallies;
SELECT chunk_no, state, rows_updated FROM backfill.chunks WHERE job_name = 'tally-manual'
ORDER BY chunk_no;
SELECT backfill.rollback('tally-manual');
SELECT sum(n) AS rolled_back FROM tallies;

-- a specification document in mode merge: target.partition_key is the
-- chunk_by column of a plain table
SELECT backfill.create($${"backfill_id": "tally-spec", "target": {"table": "public.tallies", "partition_key": "id"},
    "source_range": {"start": "1", "end": "30"},
    "source": "SELECT id, 5 FROM tallies WHERE id >= $1 AND id < $2",
    "execution": {"mode": "merge", "chunk_size": 15}}$$::jsonb) > 0 AS created;
SELECT chunk_no, lower_bound, upper_bound FROM backfill.chunks WHERE job_name = 'tally-spec'
ORDER BY chunk_no;
CALL backfill.run('tally-spec');
SELECT sum(n) AS spec_sum FROM tallies;

-- the owner's triggers fire for the written rows only, with the job's
-- search_path (unqualified names resolve as they do for the owner)
CREATE TABLE trig_t (id int PRIMARY KEY, v int);
CREATE TABLE trig_log (id int, op text);
CREATE FUNCTION trig_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trig_log VALUES (NEW.id, TG_OP);
    RETURN NEW;
END $$;
CREATE TRIGGER trig_t_note AFTER INSERT OR UPDATE ON trig_t FOR EACH ROW EXECUTE FUNCTION trig_note();
INSERT INTO trig_t VALUES (1, 1), (2, 2);
TRUNCATE trig_log;
SELECT backfill.create('trig', 'trig_t',
    $$SELECT * FROM (VALUES (1, 1), (2, 20), (3, 3)) s (id, v) WHERE id >= $1 AND id < $2$$,
    '1', '4', '{"mode": "merge", "chunk_by": "id"}') > 0 AS created;
CALL backfill.run('trig');
SELECT * FROM trig_log ORDER BY id;

-- bad options: an error that says what to do, and nothing created
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge", "chunk_by": "id", "lock_timeout": "1s"}');
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge", "chunk_by": "id", "key": ["fee"]}');
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge", "chunk_by": "note"}');
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge"}');
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge", "chunk_by": "id", "conflict": "newer_wins"}');
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge", "chunk_by": "id", "chunk_size": "1 day"}');
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$,
    NULL, NULL, '{"mode": "merge", "chunk_by": "id", "watermark": "SELECT nope FROM nowhere"}');
SELECT count(*) AS bad_jobs FROM backfill.jobs WHERE name = 'bad';
-- swap refuses a table foreign keys reference, and says to use merge
SELECT backfill.create('bad', 'ledger', $$SELECT * FROM ledger_fixed WHERE id >= $1 AND id < $2$$);

-- 92_announce: backfill.approve and the options canary_chunks, notify,
-- after_publish and max_rows_per_day (docs/announce.md), in both modes,
-- with their bad inputs. NOTIFY delivery is tested by TAP 095 (a
-- listening session); here the jobs run with the default channel on.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

-- The jobs belong to a role that cannot log in: no background worker can
-- run them, so approve() leaves them to CALL backfill.run, and the test
-- stays in this one session.
CREATE ROLE bf_an_owner NOLOGIN;
GRANT CREATE ON SCHEMA public TO bf_an_owner;
SET ROLE bf_an_owner;

CREATE TABLE an_events (id int NOT NULL, day date NOT NULL, amount numeric(10,2) NOT NULL,
                        PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE an_events_1 PARTITION OF an_events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE an_events_2 PARTITION OF an_events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE an_events_3 PARTITION OF an_events FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
CREATE TABLE an_events_4 PARTITION OF an_events FOR VALUES FROM ('2024-01-04') TO ('2024-01-05');
INSERT INTO an_events SELECT g, date '2024-01-01' + g % 4, g FROM generate_series(1, 40) g;
CREATE TABLE an_plain (id int PRIMARY KEY, amount numeric(10,2) NOT NULL);
INSERT INTO an_plain SELECT g, g FROM generate_series(1, 40) g;
CREATE TABLE an_hook_log (range_from text, range_to text);

-- 1. Bad values are refused with the key named, and nothing is created.
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"canary_chunks": 0}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"canary_chunks": "2"}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"notify": "Mixed_Case"}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"notify": "two words"}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"notify": 7}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, jsonb_build_object('notify', repeat('a', 64)));
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"after_publish": ""}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"max_rows_per_day": 0}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"max_rows_per_day": 1.5}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"publish": "manual", "canary_chunks": 1}');
SELECT backfill.plan('an_events', $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$,
                     NULL, NULL, '{"publish": "manual", "after_publish": "SELECT 1"}');
-- the specification document carries them under execution
SELECT backfill.plan('{"backfill_id": "an_spec", "target": {"table": "an_events", "partition_key": "day"},
  "source": "SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2",
  "execution": {"canary_chunks": 0}}');
SELECT backfill.create('{"backfill_id": "an_spec", "target": {"table": "an_events", "partition_key": "day"},
  "source": "SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2",
  "execution": {"canary_chunks": 1, "notify": "an_channel", "max_rows_per_day": 100,
                "after_publish": "SELECT 1"}}') > 0 AS created;
SELECT options -> 'canary_chunks' AS canary, options -> 'notify' AS notify,
       options -> 'after_publish' AS hook, options -> 'max_rows_per_day' AS budget
FROM backfill.jobs WHERE name = 'an_spec';
SELECT backfill.cancel('an_spec');
-- notify defaults to "backfill"; null turns it off
SELECT backfill.create('an_quiet', 'an_events',
  $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$, NULL, NULL,
  '{"notify": null}') > 0 AS created;
SELECT options -> 'notify' AS notify, options -> 'canary_chunks' AS canary
FROM backfill.jobs WHERE name = 'an_quiet';
SELECT backfill.set('an_quiet', '{"notify": "Nope"}');
SELECT backfill.cancel('an_quiet');

-- 2. approve: bad inputs.
SELECT backfill.approve(NULL);
SELECT backfill.approve('an_no_such_job');
SELECT backfill.approve('an_quiet');  -- cancelled, and without a canary
SELECT backfill.approve('an_spec');   -- cancelled

-- 3. Canary in mode swap: two chunks published, then the job pauses.
SELECT backfill.create('an_canary', 'an_events',
  $$SELECT id, day, amount * 10 FROM an_events WHERE day >= $1 AND day < $2$$, NULL, NULL,
  '{"canary_chunks": 2}') > 0 AS created;
CALL backfill.run('an_canary');
SELECT state FROM backfill.jobs WHERE name = 'an_canary';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'an_canary' ORDER BY chunk_no;
SELECT event, detail FROM backfill.log WHERE job_name = 'an_canary' AND event = 'awaiting_approval';
SELECT count(*) AS releases FROM backfill.releases WHERE job_name = 'an_canary';
-- running it again builds on, but publishes nothing past the canary
CALL backfill.run('an_canary');
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'an_canary' ORDER BY chunk_no;
SELECT state FROM backfill.jobs WHERE name = 'an_canary';
-- approve: recorded once; the owner cannot log in, so CALL run goes on
SELECT backfill.approve('an_canary');
SELECT backfill.approve('an_canary');
SELECT state FROM backfill.jobs WHERE name = 'an_canary';
CALL backfill.run('an_canary');
SELECT state, chunks_done FROM backfill.jobs WHERE name = 'an_canary';
SELECT sum(amount) AS amount_after FROM an_events;
SELECT event FROM backfill.log WHERE job_name = 'an_canary'
  AND event IN ('awaiting_approval', 'approved', 'resumed', 'job_completed') ORDER BY at, event;
SELECT backfill.approve('an_canary');  -- completed

-- 4. Rollback of the canary alone (swap).
SELECT backfill.create('an_canary_rb', 'an_events',
  $$SELECT id, day, amount + 1 FROM an_events WHERE day >= $1 AND day < $2$$, NULL, NULL,
  '{"canary_chunks": 1}') > 0 AS created;
CALL backfill.run('an_canary_rb');
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'an_canary_rb' ORDER BY chunk_no;
SELECT sum(amount) AS amount_canary FROM an_events;
SELECT backfill.rollback('an_canary_rb');
SELECT state FROM backfill.jobs WHERE name = 'an_canary_rb';
SELECT sum(amount) AS amount_back FROM an_events;
SELECT backfill.purge('an_canary_rb') >= 1 AS purged;

-- 5. Mode merge's canary is tested by TAP 094 (workers and CALL run at once).

-- 6. after_publish: run as the owner after each unit, with the unit's bounds.
SELECT backfill.create('an_hook', 'an_events',
  $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$, NULL, NULL,
  '{"partitions_per_batch": 2,
    "after_publish": "INSERT INTO an_hook_log VALUES ({range_from}, {range_to})"}') > 0 AS created;
CALL backfill.run('an_hook');
SELECT state FROM backfill.jobs WHERE name = 'an_hook';
SELECT * FROM an_hook_log ORDER BY range_from;
-- a failing hook: logged; with on_failure stop the job pauses after its
-- first unit (published, it stays published)
SELECT backfill.create('an_hook_fail', 'an_events',
  $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$, NULL, NULL,
  '{"after_publish": "SELECT 1 / 0 WHERE {range_from} IS NOT NULL"}') > 0 AS created;
CALL backfill.run('an_hook_fail');
SELECT state, last_error FROM backfill.jobs WHERE name = 'an_hook_fail';
SELECT chunk_no, state FROM backfill.chunks WHERE job_name = 'an_hook_fail' ORDER BY chunk_no;
SELECT event, detail FROM backfill.log WHERE job_name = 'an_hook_fail' AND event IN ('hook_failed', 'paused');
-- with on_failure continue the job goes on
SELECT backfill.set('an_hook_fail', '{"on_failure": "continue"}');
CALL backfill.run('an_hook_fail');
SELECT state FROM backfill.jobs WHERE name = 'an_hook_fail';
SELECT count(*) AS hook_failures FROM backfill.log WHERE job_name = 'an_hook_fail' AND event = 'hook_failed';

-- 7. max_rows_per_day: after a chunk of 10 rows the budget of 5 holds the job.
SELECT backfill.create('an_budget', 'an_events',
  $$SELECT id, day, amount FROM an_events WHERE day >= $1 AND day < $2$$, NULL, NULL,
  '{"max_rows_per_day": 5}') > 0 AS created;
CALL backfill.run('an_budget', max_chunks => 1);
SET statement_timeout = '2s';
CALL backfill.run('an_budget');
RESET statement_timeout;
SELECT state, chunks_done, throttled_by FROM backfill.progress WHERE name = 'an_budget';
SELECT event, detail FROM backfill.log WHERE job_name = 'an_budget' AND event = 'throttle_hold';
-- a larger budget lets it finish
SELECT backfill.set('an_budget', '{"max_rows_per_day": 1000}');
CALL backfill.run('an_budget');
SELECT state, rows_written FROM backfill.jobs WHERE name = 'an_budget';

-- A job owner's SQL keeps the session's settings (DateStyle, TimeZone,
-- IntervalStyle, extra_float_digits) even when the job's search_path is the
-- one backfill gives its own statements (pg_catalog, pg_temp): which
-- statements are the owner's is decided by the box they run in, never by
-- comparing search_path texts. A runner's transaction steps take backfill's
-- canonical formats once (SET LOCAL) and give the owner's boxes the
-- session's back: here the source records the settings each chunk's load
-- ran with, and an after_publish hook those it ran with. Nothing of it
-- reaches the session.
SET client_min_messages = notice;
CREATE TABLE os_events (id int NOT NULL, day date NOT NULL, v int, seen text)
    PARTITION BY RANGE (day);
CREATE TABLE os_events_1 PARTITION OF os_events FOR VALUES FROM ('2020-01-01') TO ('2020-01-02');
CREATE TABLE os_events_2 PARTITION OF os_events FOR VALUES FROM ('2020-01-02') TO ('2020-01-03');
INSERT INTO os_events VALUES (1, '2020-01-01', 1, NULL), (2, '2020-01-02', 2, NULL);
CREATE TABLE os_seen (datestyle text, timezone text, intervalstyle text, float_digits text);
SET search_path = pg_catalog, pg_temp;
SELECT backfill.create('os_hook', 'public.os_events',
    $$SELECT id, day, v + 1, pg_catalog.concat_ws(' / ', pg_catalog.current_setting('DateStyle'),
        pg_catalog.current_setting('TimeZone'), pg_catalog.current_setting('IntervalStyle'),
        pg_catalog.current_setting('extra_float_digits'))
      FROM public.os_events WHERE day >= $1 AND day < $2$$,
    options => '{"after_publish": "INSERT INTO public.os_seen SELECT pg_catalog.current_setting(''DateStyle''), pg_catalog.current_setting(''TimeZone''), pg_catalog.current_setting(''IntervalStyle''), pg_catalog.current_setting(''extra_float_digits'')"}') > 0 AS created;
SET datestyle = 'SQL, DMY';
SET timezone = 'America/New_York';
SET intervalstyle = 'sql_standard';
SET extra_float_digits = 0;
CALL backfill.run('os_hook');
-- the session's own settings, untouched by the run
SELECT pg_catalog.current_setting('DateStyle') AS datestyle,
       pg_catalog.current_setting('TimeZone') AS timezone,
       pg_catalog.current_setting('IntervalStyle') AS intervalstyle,
       pg_catalog.current_setting('extra_float_digits') AS float_digits;
RESET datestyle;
RESET timezone;
RESET intervalstyle;
RESET extra_float_digits;
RESET search_path;
SELECT id, v, seen FROM os_events ORDER BY id;
SELECT DISTINCT datestyle, timezone, intervalstyle, float_digits FROM os_seen;
SELECT backfill.purge('os_hook') AS dropped;
DROP TABLE os_events, os_seen;
-- A procedure that CALLs backfill.run goes on with its own settings: the
-- run's last step is committed before the CALL returns, so neither the
-- canonical formats nor the runner's read committed reach the caller's
-- transaction (they did until its next commit).
CREATE TABLE os_calls (id int NOT NULL, day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE os_calls_1 PARTITION OF os_calls FOR VALUES FROM ('2020-01-01') TO ('2020-01-02');
INSERT INTO os_calls VALUES (1, '2020-01-01', 1);
SELECT backfill.create('os_caller', 'public.os_calls',
    $$SELECT id, day, v + 1 FROM public.os_calls WHERE day >= $1 AND day < $2$$) > 0 AS created;
CREATE PROCEDURE os_call_run() LANGUAGE plpgsql AS $p$
BEGIN
    CALL backfill.run('os_caller');
    RAISE NOTICE 'after the run: % / % / % / % / %', current_setting('DateStyle'),
        current_setting('TimeZone'), current_setting('IntervalStyle'),
        current_setting('extra_float_digits'), current_setting('transaction_isolation');
END $p$;
SET datestyle = 'SQL, DMY';
SET timezone = 'America/New_York';
SET intervalstyle = 'sql_standard';
SET extra_float_digits = 0;
SET default_transaction_isolation = 'repeatable read';
CALL os_call_run();
RESET datestyle;
RESET timezone;
RESET intervalstyle;
RESET extra_float_digits;
RESET default_transaction_isolation;
SELECT id, v FROM os_calls;
SELECT backfill.purge('os_caller') AS dropped;
DROP PROCEDURE os_call_run();
DROP TABLE os_calls;

-- A job owner's SQL keeps the session's settings (DateStyle, TimeZone...)
-- even when the job's search_path is the one backfill gives its own
-- statements (pg_catalog, pg_temp): which statements are the owner's is
-- decided by the box they run in, never by comparing search_path texts.
-- Here an after_publish hook records the DateStyle and TimeZone it ran
-- with.
SET client_min_messages = notice;
CREATE TABLE os_events (id int NOT NULL, day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE os_events_1 PARTITION OF os_events FOR VALUES FROM ('2020-01-01') TO ('2020-01-02');
INSERT INTO os_events VALUES (1, '2020-01-01', 1);
CREATE TABLE os_seen (datestyle text, timezone text);
SET search_path = pg_catalog, pg_temp;
SELECT backfill.create('os_hook', 'public.os_events',
    $$SELECT id, day, v + 1 FROM public.os_events WHERE day >= $1 AND day < $2$$,
    options => '{"after_publish": "INSERT INTO public.os_seen SELECT pg_catalog.current_setting(''DateStyle''), pg_catalog.current_setting(''TimeZone'')"}') > 0 AS created;
SET datestyle = 'SQL, DMY';
SET timezone = 'America/New_York';
CALL backfill.run('os_hook');
RESET datestyle;
RESET timezone;
RESET search_path;
SELECT datestyle, timezone FROM os_seen;
SELECT backfill.purge('os_hook') AS dropped;
DROP TABLE os_events, os_seen;

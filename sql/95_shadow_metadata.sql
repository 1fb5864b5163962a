-- A built shadow already carries its partition's table grants, column
-- grants (WITH GRANT OPTION kept), statistics targets, replica identity and
-- comment before publication: the build copies them (in two catalog
-- statements), so that the publishing transaction has nothing left to grant.
SET client_min_messages = notice;
CREATE ROLE bf_sm_reader NOLOGIN;
CREATE TABLE sm_events (id int NOT NULL, day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE sm_events_1 PARTITION OF sm_events FOR VALUES FROM ('2020-01-01') TO ('2020-01-02');
INSERT INTO sm_events VALUES (1, '2020-01-01', 1);
GRANT SELECT ON sm_events_1 TO bf_sm_reader;
GRANT UPDATE (v) ON sm_events_1 TO bf_sm_reader WITH GRANT OPTION;
ALTER TABLE sm_events_1 ALTER COLUMN v SET STATISTICS 77;
ALTER TABLE sm_events_1 REPLICA IDENTITY FULL;
COMMENT ON TABLE sm_events_1 IS 'one day';
SELECT backfill.create('sm_meta', 'sm_events',
    $$SELECT id, day, v + 1 FROM sm_events WHERE day >= $1 AND day < $2$$,
    options => '{"publish": "manual"}') > 0 AS created;
CALL backfill.run('sm_meta');
-- the live partition, then its shadow (grantors left out: they are the
-- role running the tests)
SELECT c.relname = 'sm_events_1' AS is_live,
       regexp_replace(c.relacl::text, '/[^,}]*', '', 'g') LIKE '%bf_sm_reader=r%' AS table_grant,
       c.relreplident, obj_description(c.oid, 'pg_class') AS comment,
       (SELECT string_agg(attname || ':' || attstattarget || ':'
                          || coalesce(regexp_replace(attacl::text, '/[^,}]*', '', 'g'), '-'), ' '
                          ORDER BY attnum)
        FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0) AS columns
FROM pg_class c WHERE c.relname LIKE 'sm\_events\_1%' AND c.relkind = 'r' ORDER BY 1 DESC;
SELECT backfill.cancel('sm_meta');
SELECT backfill.purge('sm_meta') AS dropped;
DROP TABLE sm_events;
DROP ROLE bf_sm_reader;

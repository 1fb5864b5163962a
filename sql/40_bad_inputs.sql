-- 40_bad_inputs: every bad input is refused with an ERROR that says what is
-- wrong (and a HINT), and nothing is created or changed.
\set VERBOSITY default
SET client_min_messages = notice;
SET search_path = public;
SET datestyle = 'ISO, YMD';

SELECT count(*) AS jobs_before FROM backfill.job \gset
SELECT count(*) AS jobs_visible_before FROM backfill.jobs \gset

CREATE TABLE bi_events (id int NOT NULL, day date NOT NULL, v text, PRIMARY KEY (id, day))
    PARTITION BY RANGE (day);
CREATE TABLE bi_events_1 PARTITION OF bi_events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE bi_events_2 PARTITION OF bi_events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE bi_events_3 PARTITION OF bi_events FOR VALUES FROM ('2024-01-03') TO ('2024-01-05');
CREATE TABLE bi_events_d PARTITION OF bi_events DEFAULT;
INSERT INTO bi_events VALUES (1, '2024-01-01', 'a'), (2, '2024-01-02', 'b'), (3, '2024-01-04', 'c');
\set src 'SELECT id, day, v FROM bi_events WHERE day >= $1 AND day < $2'
-- A good job, for the name and state checks below.
SELECT backfill.create('bi_existing', 'bi_events', :'src') > 0 AS created;

-- 1. Unknown table (by name, and by OID).
SELECT * FROM backfill.plan('bi_nope', :'src');
SELECT backfill.create('bi_x', 'bi_nope', :'src');
SELECT * FROM backfill.plan(4000000000::oid::regclass, :'src');
-- 2. A plain table.
CREATE TABLE bi_plain (id int, day date, v text);
SELECT * FROM backfill.plan('bi_plain', 'SELECT id, day, v FROM bi_plain WHERE day >= $1 AND day < $2');
-- ... and a view.
CREATE VIEW bi_view AS SELECT * FROM bi_plain;
SELECT * FROM backfill.plan('bi_view', 'SELECT id, day, v FROM bi_plain WHERE day >= $1 AND day < $2');
-- 3. LIST- and HASH-partitioned tables: chunks without bounds refuse a source using $1 and $2.
CREATE TABLE bi_list (id int, day date, v text) PARTITION BY LIST (v);
CREATE TABLE bi_list_a PARTITION OF bi_list FOR VALUES IN ('a');
SELECT * FROM backfill.plan('bi_list', 'SELECT id, day, v FROM bi_list WHERE v >= $1 AND v < $2');
CREATE TABLE bi_hash (id int, day date, v text) PARTITION BY HASH (id);
CREATE TABLE bi_hash_0 PARTITION OF bi_hash FOR VALUES WITH (MODULUS 2, REMAINDER 0);
SELECT * FROM backfill.plan('bi_hash', 'SELECT id, day, v FROM bi_hash WHERE id >= $1 AND id < $2');
-- 4. A multi-column range key: no bounds either.
CREATE TABLE bi_multi (id int, day date, v text) PARTITION BY RANGE (day, id);
CREATE TABLE bi_multi_1 PARTITION OF bi_multi FOR VALUES FROM ('2024-01-01', 0) TO ('2024-01-02', 0);
SELECT * FROM backfill.plan('bi_multi', 'SELECT id, day, v FROM bi_multi WHERE day >= $1 AND day < $2');
-- 5. An expression key: no bounds either.
CREATE TABLE bi_expr (id int, day date, v text) PARTITION BY RANGE ((day + 1));
CREATE TABLE bi_expr_1 PARTITION OF bi_expr FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
SELECT * FROM backfill.plan('bi_expr', 'SELECT id, day, v FROM bi_expr WHERE day >= $1 AND day < $2');
-- 6. A key type that cannot bound a chunk: no bounds either.
CREATE TABLE bi_text (id int, day date, v text) PARTITION BY RANGE (v);
CREATE TABLE bi_text_1 PARTITION OF bi_text FOR VALUES FROM ('a') TO ('m');
SELECT * FROM backfill.plan('bi_text', 'SELECT id, day, v FROM bi_text WHERE v >= $1 AND v < $2');
-- 7. A partition as the target.
SELECT * FROM backfill.plan('bi_events_1', :'src');
-- 8. A sub-partitioned partition in range: its leaves are the chunks (docs/shapes.md).
CREATE TABLE bi_sub (id int NOT NULL, day date NOT NULL, v text) PARTITION BY RANGE (day);
CREATE TABLE bi_sub_1 PARTITION OF bi_sub FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE bi_sub_2 PARTITION OF bi_sub FOR VALUES FROM ('2024-01-02') TO ('2024-01-03')
    PARTITION BY RANGE (id);
CREATE TABLE bi_sub_2a PARTITION OF bi_sub_2 FOR VALUES FROM (0) TO (100);
SELECT * FROM backfill.plan('bi_sub', 'SELECT id, day, v FROM bi_sub WHERE day >= $1 AND day < $2');
SELECT chunk_no, partition FROM backfill.plan('bi_sub',
    'SELECT id, day, v FROM bi_sub WHERE day >= $1 AND day < $2', NULL, '2024-01-02');
-- 9. A MINVALUE or MAXVALUE partition in range.
CREATE TABLE bi_open (id int NOT NULL, day date NOT NULL, v text) PARTITION BY RANGE (day);
CREATE TABLE bi_open_lo PARTITION OF bi_open FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
CREATE TABLE bi_open_1 PARTITION OF bi_open FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE bi_open_hi PARTITION OF bi_open FOR VALUES FROM ('2024-01-02') TO (MAXVALUE);
SELECT * FROM backfill.plan('bi_open', 'SELECT id, day, v FROM bi_open WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_open', 'SELECT id, day, v FROM bi_open WHERE day >= $1 AND day < $2',
                            '2024-01-01');
-- 10. range_from that cuts through a partition.
SELECT * FROM backfill.plan('bi_events', :'src', '2024-01-04', '2024-01-05');
-- 11. range_to that cuts through one.
SELECT * FROM backfill.plan('bi_events', :'src', '2024-01-01', '2024-01-04');
-- 12. range_from >= range_to.
SELECT * FROM backfill.plan('bi_events', :'src', '2024-01-02', '2024-01-02');
SELECT * FROM backfill.plan('bi_events', :'src', '2024-01-03', '2024-01-01');
-- 13. No partition in range.
SELECT * FROM backfill.plan('bi_events', :'src', '2025-01-01', '2025-02-01');
SELECT * FROM backfill.plan('bi_events', :'src', NULL, '2023-01-01');
-- 14. range_from / range_to not a valid value of the key's type.
SELECT * FROM backfill.plan('bi_events', :'src', 'yesterday-ish', '2024-01-02');
SELECT * FROM backfill.plan('bi_events', :'src', '2024-01-01', '2024-02-30');
SELECT * FROM backfill.plan('bi_events', :'src', '', '2024-01-02');
SELECT * FROM backfill.plan('bi_events', :'src', 'infinity', '2024-01-02');
-- 15. A source with the wrong number of columns.
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day FROM bi_events WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v, v AS w FROM bi_events WHERE day >= $1 AND day < $2');
-- 16. Columns in the wrong order.
SELECT * FROM backfill.plan('bi_events', 'SELECT day, id, v FROM bi_events WHERE day >= $1 AND day < $2');
-- 17. A type that cannot be assigned (text into date).
SELECT * FROM backfill.plan('bi_events', 'SELECT id, v AS day, v FROM bi_events WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day::text AS day, v FROM bi_events WHERE day >= $1 AND day < $2');
-- 18. A source that does not use $1 and $2.
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_events');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_events WHERE day >= $1');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_events WHERE day < $2');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_events WHERE v <> ''$1'' /* $2 */');
-- 19. A source that is not a SELECT.
SELECT * FROM backfill.plan('bi_events', 'DELETE FROM bi_events WHERE day >= $1 AND day < $2 RETURNING id, day, v');
SELECT * FROM backfill.plan('bi_events', 'INSERT INTO bi_events SELECT * FROM bi_events WHERE day >= $1 AND day < $2 RETURNING *');
SELECT * FROM backfill.plan('bi_events', 'UPDATE bi_events SET v = v WHERE day >= $1 AND day < $2 RETURNING id, day, v');
SELECT * FROM backfill.plan('bi_events', 'EXPLAIN SELECT id, day, v FROM bi_events WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v INTO bi_into FROM bi_events WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_events', 'TABLE bi_events');
-- 20. A data-modifying CTE.
SELECT * FROM backfill.plan('bi_events',
    'WITH d AS (DELETE FROM bi_events WHERE day >= $1 AND day < $2 RETURNING *) SELECT id, day, v FROM d');
-- 21. Two statements.
SELECT * FROM backfill.plan('bi_events', :'src' || '; SELECT 1');
SELECT * FROM backfill.plan('bi_events', :'src' || '; DROP TABLE bi_events');
-- 22. A syntax error, an unknown table, a $3.
SELECT * FROM backfill.plan('bi_events', 'SELEC id, day, v FROM bi_events WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_nope WHERE day >= $1 AND day < $2');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_events WHERE day >= $1 AND day < $2 AND id < $3');
SELECT * FROM backfill.plan('bi_events', 'SELECT id, day, v FROM bi_events WHERE id >= $1 AND id < $2');
-- 23. An unknown option.
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"lock_timeot": "1s"}');
-- 24. An option of the wrong type.
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"max_attempts": "x"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"max_attempts": 2.5}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"retain": 1}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"retain": "false"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"retain": null}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"sleep": 5}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"lock_timeout": "soon"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"mode": "copy"}');
-- 25. An option out of range.
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"max_attempts": 0}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"max_concurrency": 65}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"swap_retries": -1}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"lock_timeout": "0ms"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"lock_timeout": "2h"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"statement_timeout": "30d"}');
-- 26. on_failure neither stop nor continue.
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"on_failure": "maybe"}');
-- 26b. Durations are read by PostgreSQL's interval input; intervals without
-- a fixed length, negative ones and numbers without a unit are refused.
SELECT count(*) > 0 AS planned FROM backfill.plan('bi_events', :'src', options =>
    '{"sleep": "1 hour 30 minutes", "snapshot_wait": "00:02:30", "statement_timeout": "2 days"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"sleep": "1 mon"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"sleep": "-5s"}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"lock_timeout": "5"}');
-- 26c. A bad value inside an option is named by its JSON path.
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"window": ["22:00-06:00", 5]}');
SELECT * FROM backfill.plan('bi_events', :'src', options =>
    '{"validate": {"aggregates": [{"expr": "sum(v)"}, {"expr": 3}]}}');
SELECT * FROM backfill.plan('bi_events', :'src', options => '{"release": {"owner": ["a"]}}');
-- 27. Options that are not an object.
SELECT * FROM backfill.plan('bi_events', :'src', options => '["retain", false]');
SELECT * FROM backfill.plan('bi_events', :'src', options => '"retain"');
SELECT * FROM backfill.create('bi_x', 'bi_events', :'src', options => '[]');
-- 28. NULL name, source or target.
SELECT backfill.create(NULL, 'bi_events', :'src');
SELECT backfill.create('bi_x', 'bi_events', NULL);
SELECT backfill.create('bi_x', NULL, :'src');
SELECT * FROM backfill.plan(NULL, :'src');
SELECT * FROM backfill.plan('bi_events', NULL);
CALL backfill.run(NULL);
SELECT backfill.pause(NULL);
SELECT backfill.cancel(NULL);
SELECT backfill.rollback(NULL);
SELECT backfill.purge(NULL);
SELECT backfill.resume(NULL);
SELECT backfill.retry(NULL);
SELECT backfill.wait(NULL);
SELECT backfill.wait('bi_no_such_job', NULL);
SELECT backfill.set(NULL, '{}');
-- 29. An empty name.
SELECT backfill.create('', 'bi_events', :'src');
-- 30. A duplicate job name (the existing job is untouched).
SELECT backfill.create('bi_existing', 'bi_events', :'src', '2024-01-01', '2024-01-02');
SELECT name, state, chunks_total FROM backfill.jobs WHERE name = 'bi_existing';
-- 31. A job that does not exist.
SELECT backfill.pause('bi_nope');
SELECT backfill.cancel('bi_nope');
SELECT backfill.rollback('bi_nope');
SELECT backfill.rollback('bi_nope', force => true);
SELECT backfill.purge('bi_nope');
CALL backfill.run('bi_nope');
-- Names are exact: no case folding, no trimming.
SELECT backfill.pause('BI_EXISTING');
SELECT backfill.pause('bi_existing ');
-- 32. CALL run inside a transaction block.
BEGIN;
CALL backfill.run('bi_existing');
ROLLBACK;
SELECT name, state FROM backfill.jobs WHERE name = 'bi_existing';
-- 33. purge of a job that is not finished.
SELECT backfill.purge('bi_existing');
-- 34. A table referenced by a foreign key (whole table, or one partition).
CREATE TABLE bi_fk (id int, day date, v text) PARTITION BY RANGE (day);
CREATE TABLE bi_fk_1 PARTITION OF bi_fk FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE bi_fk_2 PARTITION OF bi_fk FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
ALTER TABLE bi_fk ADD PRIMARY KEY (id, day);
CREATE TABLE bi_fk_child (id int, day date, FOREIGN KEY (id, day) REFERENCES bi_fk);
SELECT * FROM backfill.plan('bi_fk', 'SELECT id, day, v FROM bi_fk WHERE day >= $1 AND day < $2');
DROP TABLE bi_fk_child;
CREATE TABLE bi_fk_child2 (id int, day date, CONSTRAINT bi_fk_child2_part FOREIGN KEY (id, day) REFERENCES bi_fk_2);
SELECT * FROM backfill.plan('bi_fk', 'SELECT id, day, v FROM bi_fk WHERE day >= $1 AND day < $2');
SELECT chunk_no, partition FROM backfill.plan('bi_fk',
    'SELECT id, day, v FROM bi_fk WHERE day >= $1 AND day < $2', NULL, '2024-01-02');
-- 35. A table in a publication (whole table, or one partition).
SET client_min_messages = error;  -- wal_level may warn about the publication
CREATE PUBLICATION bi_pub FOR TABLE bi_fk;
SET client_min_messages = notice;
SELECT * FROM backfill.plan('bi_fk', 'SELECT id, day, v FROM bi_fk WHERE day >= $1 AND day < $2', NULL, '2024-01-02');
SET client_min_messages = error;
ALTER PUBLICATION bi_pub SET TABLE bi_events_2;
SET client_min_messages = notice;
SELECT * FROM backfill.plan('bi_events', :'src', '2024-01-02', '2024-01-03');
SELECT chunk_no, partition FROM backfill.plan('bi_events', :'src', '2024-01-01', '2024-01-02');
DROP PUBLICATION bi_pub;
-- 36. A partition with its own trigger (a trigger on the parent is fine).
CREATE FUNCTION bi_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER bi_parent_trg BEFORE INSERT ON bi_events FOR EACH ROW EXECUTE FUNCTION bi_trg();
SELECT count(*) AS chunks FROM backfill.plan('bi_events', :'src');
CREATE TRIGGER bi_own_trg BEFORE UPDATE ON bi_events_3 FOR EACH ROW EXECUTE FUNCTION bi_trg();
SELECT * FROM backfill.plan('bi_events', :'src');
SELECT backfill.create('bi_x', 'bi_events', :'src', '2024-01-03', '2024-01-05');
SELECT chunk_no, partition FROM backfill.plan('bi_events', :'src', '2024-01-01', '2024-01-03');
DROP TRIGGER bi_own_trg ON bi_events_3;
-- 37. max_chunks below 1.
CALL backfill.run('bi_existing', max_chunks => 0);
CALL backfill.run('bi_existing', -5);
-- 38. A long unknown name.
SELECT backfill.cancel(repeat('x', 70));
-- 39. A target without partitions, or with only a default one.
CREATE TABLE bi_empty (id int NOT NULL, day date NOT NULL, v text) PARTITION BY RANGE (day);
SELECT * FROM backfill.plan('bi_empty', 'SELECT id, day, v FROM bi_empty WHERE day >= $1 AND day < $2');
CREATE TABLE bi_empty_d PARTITION OF bi_empty DEFAULT;
SELECT * FROM backfill.plan('bi_empty', 'SELECT id, day, v FROM bi_empty WHERE day >= $1 AND day < $2');
-- 40. A numeric key: NaN cannot bound a range.
CREATE TABLE bi_num (k numeric NOT NULL, v text) PARTITION BY RANGE (k);
CREATE TABLE bi_num_1 PARTITION OF bi_num FOR VALUES FROM (0) TO (1);
SELECT * FROM backfill.plan('bi_num', 'SELECT k, v FROM bi_num WHERE k >= $1 AND k < $2', 'NaN');
SELECT * FROM backfill.plan('bi_num', 'SELECT k, v FROM bi_num WHERE k >= $1 AND k < $2', '0', 'abc');
-- Not an error: a big default partition makes plan and create warn.
INSERT INTO bi_empty SELECT g, '2030-01-01', NULL FROM generate_series(1, 10001) g;
CREATE TABLE bi_empty_1 PARTITION OF bi_empty FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
SELECT chunk_no, partition FROM backfill.plan('bi_empty', 'SELECT id, day, v FROM bi_empty WHERE day >= $1 AND day < $2');

-- The refusals above created no job, no shadow, no retained table, no
-- guard trigger, and did not touch the existing job or the data.
SELECT count(*) - :jobs_before AS new_jobs FROM backfill.job;
SELECT count(*) - :jobs_visible_before AS new_visible_jobs FROM backfill.jobs;
SELECT name, state FROM backfill.jobs WHERE name LIKE 'bi\_%' ORDER BY name;
SELECT count(*) AS stray_tables FROM pg_class
WHERE relname LIKE '%\_bf%\_new' OR relname LIKE '%\_bf%\_old';
SELECT count(*) AS guards FROM pg_trigger WHERE tgname LIKE 'backfill\_%';
SELECT * FROM bi_events ORDER BY id;

-- Clean up.
SELECT backfill.cancel('bi_existing');
SELECT backfill.purge('bi_existing') AS dropped;
DROP VIEW bi_view;
DROP TABLE bi_events, bi_plain, bi_list, bi_hash, bi_multi, bi_expr, bi_text, bi_sub, bi_open,
           bi_fk_child2, bi_fk, bi_empty, bi_num;
DROP FUNCTION bi_trg();

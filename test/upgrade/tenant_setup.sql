-- Upgrade test, release side: run as the ordinary LOGIN role that owns schema
-- app, against the OLD release of backfill. Creates the tables the jobs
-- rewrite and the rows every later check compares with.

-- readings: 6 daily partitions with different row counts (50, 70, ... 150;
-- 600 rows), a primary key and one secondary index. The job's source
-- changes every row: corrected goes from NULL to value * 2 + 1.
CREATE TABLE app.readings (
    id        bigint NOT NULL,
    day       date NOT NULL,
    sensor    int NOT NULL,
    value     numeric(12, 2) NOT NULL,
    corrected numeric(12, 2),
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE INDEX readings_sensor_day_idx ON app.readings (sensor, day);

DO $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT g::date FROM generate_series(date '2024-01-01', date '2024-01-06', '1 day') g
    LOOP
        EXECUTE format('CREATE TABLE app.%I PARTITION OF app.readings FOR VALUES FROM (%L) TO (%L)',
                       'readings_' || to_char(d, 'YYYYMMDD'), d, d + 1);
    END LOOP;
END
$$;

INSERT INTO app.readings (id, day, sensor, value, corrected)
SELECT d * 1000 + i, date '2024-01-01' + d, (d * 7 + i) % 11, ((d * 31 + i * 7) % 500) / 4.0, NULL
FROM generate_series(0, 5) d, generate_series(1, 50 + 20 * d) i;

-- What the finished job must leave in app.readings, row for row.
CREATE TABLE app.readings_expected AS
SELECT id, day, sensor, value, value * 2 + 1 AS corrected FROM app.readings;

-- events: 3 daily partitions for a second job that publishes manually, so
-- that the update meets chunks that are built (shadow made) but not
-- published.
CREATE TABLE app.events (
    id    bigint NOT NULL,
    day   date NOT NULL,
    kind  text NOT NULL,
    score int NOT NULL,
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE TABLE app.events_20240101 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE app.events_20240102 PARTITION OF app.events FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
CREATE TABLE app.events_20240103 PARTITION OF app.events FOR VALUES FROM ('2024-01-03') TO ('2024-01-04');
INSERT INTO app.events (id, day, kind, score)
SELECT d * 1000 + i, date '2024-01-01' + d, CASE WHEN i % 3 = 0 THEN 'b' ELSE 'a' END, i
FROM generate_series(0, 2) d, generate_series(1, 40) i;

CREATE TABLE app.events_expected AS
SELECT id, day, kind, score + 100 AS score FROM app.events;

-- The jobs, created with the OLD release.
SELECT backfill.create('upgrade-fix', 'app.readings',
    $src$SELECT id, day, sensor, value, value * 2 + 1
           FROM app.readings WHERE day >= $1 AND day < $2$src$,
    '2024-01-01', '2024-01-07') > 0 AS readings_job_created;

SELECT backfill.create('upgrade-manual', 'app.events',
    $src$SELECT id, day, kind, score + 100
           FROM app.events WHERE day >= $1 AND day < $2$src$,
    '2024-01-01', '2024-01-04', '{"publish": "manual"}') > 0 AS events_job_created;


# A source per era (issue 13, item 6): the history of a table was written
# by two schemas. Up to March the data lived in archive.events_v1 with other
# column names and units (n, d, cents, label in upper case); from March on
# in staging.events, shaped like the target but with the amount not yet
# doubled (the archive also holds 2024-03-01, which its era leaves out).
# One job with two eras maps both onto the current schema:
#   A  mode swap over three monthly partitions: each partition holds exactly
#      the rows its era's source produced (content compared row by row with
#      the expected table), every other partition is untouched;
#   B  mode merge over ranges of id on a plain table: the same, with chunks
#      of 10 ids and eras meeting at a chunk bound.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('source_eras');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

sql(q{
CREATE SCHEMA archive;
CREATE SCHEMA staging;
CREATE TABLE events (id int NOT NULL, day date NOT NULL, amount numeric(12,2) NOT NULL, label text)
PARTITION BY RANGE (day);
CREATE TABLE events_01 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE events_02 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE events_03 PARTITION OF events FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE events_04 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
ALTER TABLE events ADD PRIMARY KEY (id, day);
INSERT INTO events SELECT g, DATE '2024-01-01' + g, 0, 'stale' FROM generate_series(0, 120) g;
-- era 1: the old schema, amounts in cents, labels in upper case
CREATE TABLE archive.events_v1 (n int, d date, cents bigint, tag text);
INSERT INTO archive.events_v1 SELECT g, DATE '2024-01-01' + g, g * 150, 'OLD-' || g
FROM generate_series(0, 60) g;
-- era 2: the current schema, amount to be doubled
CREATE TABLE staging.events (id int, day date, amount numeric(12,2), label text);
INSERT INTO staging.events SELECT g, DATE '2024-01-01' + g, g, 'new-' || g
FROM generate_series(60, 120) g;
-- what the target must hold afterwards
CREATE TABLE expected AS
SELECT n AS id, d AS day, (cents / 100.0)::numeric(12,2) AS amount, lower(tag) AS label
FROM archive.events_v1 WHERE d < '2024-03-01'
UNION ALL
SELECT id, day, amount * 2, label FROM staging.events WHERE day < '2024-04-01'
UNION ALL
SELECT g, DATE '2024-01-01' + g, 0, 'stale' FROM generate_series(91, 120) g;
});

my $eras = q{{"sources": [
  {"from": "2024-01-01", "to": "2024-03-01",
   "source": "SELECT n, d, cents / 100.0, lower(tag) FROM archive.events_v1 WHERE d >= $1 AND d < $2"},
  {"from": "2024-03-01", "to": "2024-04-01",
   "source": "SELECT id, day, amount * 2, label FROM staging.events WHERE day >= $1 AND day < $2"}]}};

# A: swap, three partitions in two eras; April is outside the job.
sql(qq{SELECT backfill.create('eras-swap', 'events', NULL, '2024-01-01', '2024-04-01', \$json\$$eras\$json\$)});
is(sql(q{SELECT count(*) FROM backfill.era e JOIN backfill.job j ON j.id = e.job_id WHERE j.name = 'eras-swap'}),
	'2', 'the job keeps its two eras');
sql(q{CALL backfill.run('eras-swap')});
is(job_state($node, $db, 'eras-swap'), 'completed', 'the swap job completes');
is( sql(q{SELECT string_agg(partition || ':' || state || ':' || rows_after, ' ' ORDER BY chunk_no)
          FROM backfill.chunks WHERE job_name = 'eras-swap'}),
	'public.events_01:published:31 public.events_02:published:29 public.events_03:published:31',
	'each partition was rebuilt from its era');
is( sql(q{SELECT count(*) FROM (
            (SELECT id, day, amount, label FROM events EXCEPT ALL SELECT * FROM expected)
            UNION ALL
            (SELECT * FROM expected EXCEPT ALL SELECT id, day, amount, label FROM events)) d}),
	'0', 'the target holds exactly the rows of both eras, mapped onto the current schema');
is(sql(q{SELECT count(*) FROM events}), '121', 'no row lost or duplicated');
is( sql(q{SELECT string_agg(DISTINCT label, ',') FROM events_02 WHERE label NOT LIKE 'old-%'}),
	'', 'February came from the old era');
is(sql(q{SELECT count(*) FROM events_04 WHERE label = 'stale'}), '30', 'April was not touched');

# B: merge, ranges of 10 ids, eras meeting at id 61.
sql(q{
CREATE TABLE ledger (id int PRIMARY KEY, day date NOT NULL, amount numeric(12,2), label text);
INSERT INTO ledger SELECT g, DATE '2024-01-01' + g, 0, 'stale' FROM generate_series(1, 100) g;
CREATE TABLE ledger_expected AS
SELECT n AS id, d AS day, (cents / 100.0)::numeric(12,2) AS amount, lower(tag) AS label
FROM archive.events_v1 WHERE n BETWEEN 1 AND 60
UNION ALL
SELECT id, day, amount * 2, label FROM staging.events WHERE id BETWEEN 61 AND 100;
});
my $merge_eras = q{{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "delete_missing": true,
 "sources": [
  {"from": "1", "to": "61",
   "source": "SELECT n, d, cents / 100.0, lower(tag) FROM archive.events_v1 WHERE n >= $1 AND n < $2"},
  {"from": "61", "to": "101",
   "source": "SELECT id, day, amount * 2, label FROM staging.events WHERE id >= $1 AND id < $2"}]}};
sql(qq{SELECT backfill.create('eras-merge', 'ledger', NULL, '1', '101', \$json\$$merge_eras\$json\$)});
sql(q{CALL backfill.run('eras-merge')});
is(job_state($node, $db, 'eras-merge'), 'completed', 'the merge job completes');
is( sql(q{SELECT sum(rows_updated) || '/' || sum(rows_inserted) || '/' || sum(rows_deleted)
          FROM backfill.chunks WHERE job_name = 'eras-merge'}),
	'100/0/0', 'every row was corrected in place, none inserted or deleted');
is( sql(q{SELECT count(*) FROM (
            (SELECT * FROM ledger EXCEPT ALL SELECT * FROM ledger_expected)
            UNION ALL
            (SELECT * FROM ledger_expected EXCEPT ALL SELECT * FROM ledger)) d}),
	'0', 'the plain table holds exactly the rows of both eras');

# Rollback puts the swap job's partitions back as they were.
sql(q{SELECT backfill.rollback('eras-swap')});
is(sql(q{SELECT count(*) FROM events WHERE label = 'stale' AND amount = 0}),
	'121', 'rollback restores every partition of both eras');

done_testing();

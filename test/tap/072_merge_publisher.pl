
# Mode merge on a published table (issue 11, item 2): the merge's writes
# are ordinary row changes, so a logical-replication subscriber ends
# identical to the publisher, after the job and after its rollback. Live
# writes on the publisher between chunks replicate too.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $db = 'postgres';
my $table_ddl = q{
CREATE TABLE t (id bigint PRIMARY KEY, day date NOT NULL, amount numeric(12,2) NOT NULL, note text);
CREATE INDEX t_day_idx ON t (day);
};

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->append_conf('postgresql.conf', "max_connections = 20\nfsync = off\nlock_timeout = 0\n");
$publisher->start;
$publisher->safe_psql($db, 'CREATE EXTENSION backfill');
$publisher->safe_psql(
	$db, $table_ddl . q{
INSERT INTO t SELECT g, date '2024-01-01' + g / 100, g % 97, 'orig' FROM generate_series(1, 2000) g;
CREATE PUBLICATION pub FOR TABLE t;
-- The corrected history: every 7th amount doubled, ids 1000-1009 gone,
-- ids 2001-2010 new (on the last day).
CREATE TABLE t_fixed AS
SELECT id, day, CASE WHEN id % 7 = 0 THEN amount * 2 ELSE amount END AS amount, note
FROM t WHERE id NOT BETWEEN 1000 AND 1009
UNION ALL SELECT g, date '2024-01-21', 1, 'new' FROM generate_series(2001, 2010) g;
});

my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
$subscriber->append_conf('postgresql.conf', "max_connections = 20\nfsync = off\n");
$subscriber->start;
$subscriber->safe_psql($db, $table_ddl);
(my $connstr = $publisher->connstr($db)) =~ s/'/''/g;
$subscriber->safe_psql($db, "CREATE SUBSCRIPTION sub CONNECTION '$connstr' PUBLICATION pub");
$subscriber->wait_for_subscription_sync($publisher, 'sub');

my $digest = 'SELECT count(*) || \':\' || md5(string_agg(t::text, \',\' ORDER BY id)) FROM t';
my $original = $publisher->safe_psql($db, $digest);
is($subscriber->safe_psql($db, $digest), $original, 'the subscriber starts with the publisher\'s rows');

create_merge_job($publisher, $db, 'pub_job', 't',
	'SELECT id, day, amount, note FROM t_fixed WHERE day >= $1 AND day < $2',
	'2024-01-01', '2024-01-22', '"chunk_by": "day", "chunk_size": "7 days", "delete_missing": true');
# Two chunks, then a live write into the first chunk's range (not the
# job's: it stays), then the rest.
$publisher->safe_psql($db, "CALL backfill.run('pub_job', 2)");
$publisher->safe_psql($db, "INSERT INTO t VALUES (5000, '2024-01-03', 5, 'live')");
$publisher->safe_psql($db, "CALL backfill.run('pub_job')");
is(job_state($publisher, $db, 'pub_job'), 'completed', 'the job completes');
is( $publisher->safe_psql($db,
		"SELECT sum(rows_inserted) || '/' || sum(rows_updated) || '/' || sum(rows_deleted) FROM backfill.chunks WHERE job_name = 'pub_job'"),
	'10/281/10', 'the job inserted 10, updated 281 and deleted 10 rows');
is( $publisher->safe_psql($db, 'SELECT count(*) FROM t WHERE id <> 5000'),
	$publisher->safe_psql($db, 'SELECT count(*) FROM t_fixed'), 'the publisher holds the corrected rows');
is( $publisher->safe_psql($db,
		'SELECT count(*) FROM (SELECT * FROM t WHERE id <> 5000 EXCEPT SELECT * FROM t_fixed) d'),
	'0', 'exactly the corrected rows, and the live row');
my $corrected = $publisher->safe_psql($db, $digest);
$publisher->wait_for_catchup('sub');
is($subscriber->safe_psql($db, $digest), $corrected, 'the subscriber is identical to the publisher after the job');

is($publisher->safe_psql($db, "SELECT backfill.rollback('pub_job')"), '3', 'rollback restores the three chunks');
my $rolled_back = $publisher->safe_psql($db, $digest);
is( $publisher->safe_psql($db, 'SELECT count(*) FROM t'), '2001',
	'the publisher has its original rows and the live row again');
$publisher->wait_for_catchup('sub');
is($subscriber->safe_psql($db, $digest), $rolled_back, 'the subscriber is identical to the publisher after the rollback');

$subscriber->stop;
$publisher->stop;
done_testing();


# A pg_partman set of two levels (monthly, then daily sub-partitions, each
# month with its own default) is backfilled for last month: every daily
# leaf of that month is rebuilt, the defaults are left out, and pg_partman's
# maintenance keeps working afterwards. Skipped when pg_partman is not
# installed.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('partman_two_levels');
my $db   = 'postgres';

my $partman_version = $node->safe_psql($db,
	"SELECT default_version FROM pg_available_extensions WHERE name = 'pg_partman'");
if ($partman_version eq '')
{
	$node->stop;
	plan skip_all => 'pg_partman is not installed';
}
my ($major) = $partman_version =~ /^(\d+)/;
diag("pg_partman $partman_version");

$node->safe_psql($db, 'CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;');
$node->safe_psql(
	$db, q{
CREATE TABLE m (id bigint NOT NULL, day date NOT NULL, v int NOT NULL, v2 int,
                PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
});
my $start = "(date_trunc('month', CURRENT_DATE) - interval '2 months')::date::text";
$node->safe_psql($db,
	$major >= 5
	? "SELECT partman.create_parent('public.m', 'day', '1 month', p_premake := 1, p_start_partition := $start)"
	: "SELECT partman.create_parent('public.m', 'day', 'native', 'monthly', p_premake := 1, p_start_partition := $start)"
);
# p_declarative_check (pg_partman 5) / p_native_check (4): the monthly
# children are still empty, sub-partitioning them destroys nothing
$node->safe_psql($db,
	$major >= 5
	? "SELECT partman.create_sub_parent('public.m', 'day', '1 day', p_premake := 1, p_declarative_check := 'yes')"
	: "SELECT partman.create_sub_parent('public.m', 'day', 'native', 'daily', p_premake := 1, p_native_check := 'yes')");

my $levels = $node->safe_psql($db, "SELECT max(level) FROM pg_partition_tree('m')");
is($levels, 2, 'pg_partman made two levels');

my ($from, $to) = split /\|/, $node->safe_psql($db,
	"SELECT (date_trunc('month', CURRENT_DATE) - interval '1 month')::date || '|' || date_trunc('month', CURRENT_DATE)::date");
# every day of last month gets its daily partition (premake made only the
# first one), as a backfill of an older month would find it
my $last_month = $node->safe_psql($db,
	"SELECT format('%I.%I', n.nspname, c.relname) FROM pg_inherits i"
	  . " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	  . " WHERE i.inhparent = 'm'::regclass"
	  . " AND pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM (''$from'')%'");
$node->safe_psql($db,
	"SELECT partman.create_partition_time('$last_month', ARRAY(SELECT generate_series("
	  . "'$from'::date, '$to'::date - 1, interval '1 day')::timestamptz))");
$node->safe_psql(
	$db, qq{
INSERT INTO m SELECT g, '$from'::date + g % ('$to'::date - '$from'::date), g % 500, NULL
FROM generate_series(1, 6000) g;
ANALYZE m;
CREATE TABLE original AS SELECT tableoid::regclass::text AS part, * FROM m;
});

my $source = 'SELECT id, day, v, v * 2 FROM m WHERE day >= $1 AND day < $2';
$node->safe_psql($db, "SELECT backfill.create('pm', 'm', '$source', '$from', '$to')");
my $chunks = $node->safe_psql($db, "SELECT count(*) FROM backfill.chunks WHERE job_name = 'pm'");
my $leaves = $node->safe_psql($db,
	"SELECT count(*) FROM pg_partition_tree('m') t JOIN pg_class c ON c.oid = t.relid"
	  . " WHERE t.isleaf AND t.level = 2 AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'"
	  . " AND t.parentrelid = (SELECT inhrelid FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid"
	  . "   WHERE i.inhparent = 'm'::regclass AND pg_get_expr(p.relpartbound, p.oid) LIKE 'FOR VALUES FROM (''$from'')%')");
cmp_ok($leaves, '>=', 28, 'last month has a daily partition for every day');
is($chunks, $leaves, "one chunk per daily leaf of last month ($leaves), the defaults left out");

my ($rc, $out, $err) = $node->psql($db, "CALL backfill.run('pm')");
is($rc, 0, 'backfill ran') or diag($err);
is(job_state($node, $db, 'pm'), 'completed', 'job completed');
is( $node->safe_psql($db, q{
SELECT count(*) FROM (
    (SELECT tableoid::regclass::text, id, day, v, v2 FROM m
     EXCEPT SELECT part, id, day, v,
                   CASE WHEN part IN (SELECT partition::regclass::text FROM backfill.chunks) THEN v * 2 END
            FROM original)
    UNION ALL
    (SELECT part, id, day, v,
            CASE WHEN part IN (SELECT partition::regclass::text FROM backfill.chunks) THEN v * 2 END
     FROM original EXCEPT SELECT tableoid::regclass::text, id, day, v, v2 FROM m)) d}),
	0, 'exact content: the rebuilt leaves recomputed, every row in its partition');

($rc, $out, $err) = $node->psql($db, "SELECT partman.run_maintenance('public.m')");
is($rc, 0, 'partman.run_maintenance() works after the backfill') or diag($err);
my $shown = $node->safe_psql($db,
	"SELECT string_agg(partition_tablename, ',') FROM partman.show_partitions('public.m')");
unlike($shown, qr/_bf\d+_\d+_(old|new)/, 'partman.show_partitions() lists no backfill leftovers');
$node->safe_psql($db,
	"UPDATE partman.part_config SET premake = 3 WHERE parent_table = 'public.m'");
my $before = $node->safe_psql($db, "SELECT count(*) FROM pg_partition_tree('m')");
($rc, $out, $err) = $node->psql($db, "SELECT partman.run_maintenance('public.m')");
is($rc, 0, 'maintenance with a larger premake works') or diag($err);
cmp_ok($node->safe_psql($db, "SELECT count(*) FROM pg_partition_tree('m')"),
	'>', $before, 'pg_partman created new partitions');

is($node->safe_psql($db, "SELECT backfill.rollback('pm') > 0"), 't', 'rolled back');
is( $node->safe_psql($db, q{
SELECT count(*) FROM ((SELECT tableoid::regclass::text, * FROM m EXCEPT SELECT * FROM original)
    UNION ALL (SELECT * FROM original EXCEPT SELECT tableoid::regclass::text, * FROM m)) d}),
	0, 'exact content after the rollback');
$node->stop;
done_testing();

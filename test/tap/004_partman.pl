
# A table managed by pg_partman (daily native partitions, a default
# partition, a template table) can be backfilled, and pg_partman goes on
# managing it afterwards: maintenance runs without error, creates the new
# partitions a larger premake asks for, applies retention, and lists the
# backfilled partitions under their own names. Skipped when pg_partman is not
# installed.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('partman');
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

# Days are relative to today: pg_partman works from the current date.
my $today = $node->safe_psql($db, 'SELECT CURRENT_DATE');
sub day { my ($offset) = @_; return $node->safe_psql($db, "SELECT CURRENT_DATE + $offset"); }

$node->safe_psql(
	$db, q{
CREATE TABLE measure (
    id  bigint NOT NULL,
    day date NOT NULL,
    v   numeric NOT NULL,
    v2  numeric,
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE INDEX measure_v2_idx ON measure (v2);
CREATE ROLE measure_reader;
});
my $create_parent =
  $major >= 5
  ? "SELECT partman.create_parent('public.measure', 'day', '1 day', p_premake := 3,"
  . " p_start_partition := (CURRENT_DATE - 10)::text)"
  : "SELECT partman.create_parent('public.measure', 'day', 'native', 'daily', p_premake := 3,"
  . " p_start_partition := (CURRENT_DATE - 10)::text)";
$node->safe_psql($db, $create_parent);

my $children_sql = q{
SELECT string_agg(c.relname, ',' ORDER BY c.relname)
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
WHERE h.inhparent = 'measure'::regclass};
my @children = split /,/, $node->safe_psql($db, $children_sql);
ok((grep { $_ eq 'measure_default' } @children), 'pg_partman created a default partition');
is(scalar(@children), 11 + 3 + 1, 'pg_partman created 10 past days, today, 3 premade and the default');
my $template = $node->safe_psql($db,
	"SELECT template_table FROM partman.part_config WHERE parent_table = 'public.measure'");
like($template, qr/template/, "pg_partman made a template table ($template)");

# 11 days of 1000 rows, plus old rows that only the default takes (rows
# ahead in the default would make pg_partman's premake fail).
$node->safe_psql(
	$db, q{
INSERT INTO measure
SELECT g, CURRENT_DATE - 10 + (g % 11), g % 500, g % 500 FROM generate_series(1, 11000) g;
INSERT INTO measure VALUES (900001, CURRENT_DATE - 30, 1, 1), (900002, CURRENT_DATE - 31, 2, 2);
ANALYZE measure;
});
is($node->safe_psql($db, 'SELECT count(*) FROM measure_default'), '2', 'the default partition holds 2 rows');

# Things pg_partman's templates and users put on single children, which a
# swap must carry over: storage parameters, a child-only index, grants.
my $child5 = 'measure_p' . (day(-5) =~ s/-/_/gr);
$node->safe_psql(
	$db, qq{
ALTER TABLE $child5 SET (fillfactor = 70, autovacuum_enabled = false);
CREATE INDEX ${child5}_v_idx ON $child5 (v);
GRANT SELECT ON $child5 TO measure_reader;
});

# --- the backfill: 5 days in the past -------------------------------------------
my ($from, $to) = (day(-7), day(-2));
my $source = 'SELECT id, day, v, v * 2 FROM measure WHERE day >= $1 AND day < $2';
my $plan = $node->safe_psql($db,
	"SELECT string_agg(partition::text, ',' ORDER BY chunk_no) FROM backfill.plan('measure', '$source', '$from', '$to')"
);
is( $plan,
	join(',', map { 'measure_p' . (day($_) =~ s/-/_/gr) } -7 .. -3),
	'plan: one chunk per daily partition of the range, the default left out');

my $checksum_outside = $node->safe_psql($db,
	"SELECT md5(string_agg(t::text, ',' ORDER BY id, day)) FROM measure t WHERE day < '$from' OR day >= '$to'"
);
$node->safe_psql($db,
	"SELECT backfill.create('pm', 'measure', '$source', '$from', '$to')");
my ($rc, $out, $err) = $node->psql($db, "CALL backfill.run('pm')");
is($rc, 0, 'backfill ran') or diag($err);
is(job_state($node, $db, 'pm'), 'completed', 'job completed');
is( $node->safe_psql($db,
		"SELECT count(*) FILTER (WHERE state = 'published') || '/' || count(*) FROM backfill.chunks WHERE job_name = 'pm'"),
	'5/5', 'five chunks published');

is( $node->safe_psql($db,
		"SELECT count(*) || ',' || count(*) FILTER (WHERE v2 = v * 2) FROM measure WHERE day >= '$from' AND day < '$to'"),
	'5000,5000', 'every row of the range recomputed');
is( $node->safe_psql($db,
		"SELECT md5(string_agg(t::text, ',' ORDER BY id, day)) FROM measure t WHERE day < '$from' OR day >= '$to'"),
	$checksum_outside, 'rows outside the range untouched (default partition included)');
is($node->safe_psql($db, 'SELECT count(*) FROM measure'), '11002', 'row count unchanged');
is($node->safe_psql($db, $children_sql), join(',', sort @children), 'same partitions, same names');

is( $node->safe_psql($db, "SELECT reloptions::text FROM pg_class WHERE relname = '$child5'"),
	'{fillfactor=70,autovacuum_enabled=false}',
	"storage parameters of $child5 kept");
is( $node->safe_psql($db,
		"SELECT count(*) FROM pg_indexes WHERE tablename = '$child5' AND indexname = '${child5}_v_idx'"),
	'1', "child-only index of $child5 kept under its name");
is($node->safe_psql($db, "SELECT has_table_privilege('measure_reader', '$child5', 'SELECT')"),
	't', "grant on $child5 kept");

# --- pg_partman after the backfill --------------------------------------------------
($rc, $out, $err) = $node->psql($db, "SELECT partman.run_maintenance('public.measure')");
is($rc, 0, 'partman.run_maintenance() works after the backfill') or diag($err);

my $shown = $node->safe_psql($db,
	"SELECT string_agg(partition_tablename, ',' ORDER BY partition_tablename) FROM partman.show_partitions('public.measure')"
);
like($shown, qr/\Q$child5\E/, 'partman.show_partitions() lists the backfilled partitions');
unlike($shown, qr/_bf\d+_\d+_(old|new)/, 'partman.show_partitions() lists no backfill leftovers');

$node->safe_psql($db,
	"UPDATE partman.part_config SET premake = 6 WHERE parent_table = 'public.measure'");
($rc, $out, $err) = $node->psql($db, 'CALL partman.run_maintenance_proc()');
is($rc, 0, 'partman.run_maintenance_proc() works') or diag($err);
my $newest = 'measure_p' . (day(6) =~ s/-/_/gr);
is($node->safe_psql($db, "SELECT to_regclass('$newest') IS NOT NULL"),
	't', "pg_partman created the partitions of the larger premake (up to $newest)");
$node->safe_psql($db, 'INSERT INTO measure VALUES (900003, CURRENT_DATE + 6, 3, 3)');
is($node->safe_psql($db, 'SELECT tableoid::regclass FROM measure WHERE id = 900003'),
	$newest, 'a row for the new day lands in the new partition');

# Retention: pg_partman drops the oldest children, backfilled ones included.
$node->safe_psql($db,
	"UPDATE partman.part_config SET retention = '5 days', retention_keep_table = false"
	  . " WHERE parent_table = 'public.measure'");
($rc, $out, $err) = $node->psql($db, "SELECT partman.run_maintenance('public.measure')");
is($rc, 0, 'run_maintenance() with retention works') or diag($err);
is( $node->safe_psql($db,
		"SELECT count(*) FROM measure WHERE day >= CURRENT_DATE - 10 AND day < CURRENT_DATE - 5"),
	'0', 'retention dropped the old children, backfilled ones included');
is( $node->safe_psql($db,
		"SELECT count(*) || ',' || count(*) FILTER (WHERE v2 = v * 2) FROM measure"
		  . " WHERE day > CURRENT_DATE - 5 AND day < '$to'"),
	'2000,2000', 'the newer backfilled partitions are still there');

# The job's leftovers go away with purge; pg_partman does not mind.
my $retained = $node->safe_psql($db,
	"SELECT count(*) FROM backfill.chunks WHERE job_name = 'pm' AND retained IS NOT NULL");
is($retained, '5', 'five retained originals before purge');
($rc, $out, $err) = $node->psql($db, "SELECT backfill.purge('pm')");
is($rc, 0, 'purge works after pg_partman maintenance') or diag($err);
is( $node->safe_psql($db,
		q{SELECT count(*) FROM pg_class WHERE relname ~ '^measure_p.*_bf[0-9]+_[0-9]+_(old|new)$'}),
	'0', 'no retained original or shadow left after purge');
($rc, $out, $err) = $node->psql($db, "SELECT partman.run_maintenance('public.measure')");
is($rc, 0, 'run_maintenance() works after purge') or diag($err);

$node->stop;
done_testing();

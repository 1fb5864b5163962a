
# The partition constraint that filters a chunk's rows is pushed down into
# the source's scans: a source reading the LIST-partitioned target itself
# (no $1 / $2) scans, for each chunk, only the partition the chunk rebuilds
# (partition pruning), as auto_explain shows for the load statements.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('pushdown');
my $db   = 'postgres';
$node->safe_psql(
	$db, q{
CREATE TABLE t (id int NOT NULL, region text NOT NULL, v int) PARTITION BY LIST (region);
CREATE TABLE t_eu PARTITION OF t FOR VALUES IN ('eu');
CREATE TABLE t_us PARTITION OF t FOR VALUES IN ('us');
CREATE TABLE t_jp PARTITION OF t FOR VALUES IN ('jp');
INSERT INTO t SELECT g, (ARRAY['eu', 'us', 'jp'])[g % 3 + 1], g FROM generate_series(1, 3000) g;
ANALYZE t;
SELECT backfill.create('j', 't', 'SELECT id, region, v + 1 FROM t');
});

my $offset = -s $node->logfile;
my ($rc, $out, $err) = $node->psql(
	$db, q{
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = warning;
CALL backfill.run('j');
});
is($rc, 0, 'the run succeeded') or diag($err);
my $log = slurp_file($node->logfile, $offset);

# each load is an INSERT into the shadow of one partition; its plan scans
# that partition of the source and no other
for my $part (qw(t_eu t_us t_jp))
{
	my ($plan) = $log =~ /(Insert on ${part}_bf\d+_\d+_new.*?)(?:\n\S|\z)/s;
	ok(defined $plan, "the load of $part was explained") or next;
	my @scanned = sort($plan =~ /Scan on (t_\w\w)\b/g);
	is(join(',', @scanned), $part, "the load of $part scans only $part");
}
is($node->safe_psql($db, 'SELECT count(*) FROM t WHERE v = id + 1'), 3000, 'every row rewritten');
$node->stop;
done_testing();

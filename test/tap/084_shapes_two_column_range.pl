
# A RANGE key of two columns: no bounds for $1 / $2, every leaf a chunk.
# Readers through the swaps, a write during a build, exact content, exact
# rollback (test/tap/ShapesTest.pm).

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use ShapesTest;

my $node = shape_test(
	'two_column_range', q{
CREATE TABLE t (id int NOT NULL, a int NOT NULL, b int NOT NULL, v int) PARTITION BY RANGE (a, b);
CREATE TABLE t_1 PARTITION OF t FOR VALUES FROM (0, 0) TO (0, 500);
CREATE TABLE t_2 PARTITION OF t FOR VALUES FROM (0, 500) TO (1, 0);
CREATE TABLE t_3 PARTITION OF t FOR VALUES FROM (1, 0) TO (2, 0);
INSERT INTO t SELECT g, g % 2, g % 1000, g % 400 FROM generate_series(1, 6000) g;
}, 'SELECT id, a, b, v + 1000 FROM t', 'NULL', 'NULL', '');
is($node->safe_psql('postgres', "SELECT count(*) FROM backfill.chunks WHERE job_name = 'j'"),
	3, 'three chunks');
$node->stop;
done_testing();

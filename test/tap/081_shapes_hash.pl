
# A HASH table with 4 partitions: readers through the swaps, a write during
# a build, exact content (every row in the partition it hashes to), exact
# rollback (test/tap/ShapesTest.pm).

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use ShapesTest;

my $node = shape_test(
	'hash', q{
CREATE TABLE t (id int PRIMARY KEY, k text, v int) PARTITION BY HASH (id);
CREATE TABLE t_0 PARTITION OF t FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE t_1 PARTITION OF t FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE t_2 PARTITION OF t FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE t_3 PARTITION OF t FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO t SELECT g, 'k' || g, g % 400 FROM generate_series(1, 8000) g;
}, 'SELECT id, k, v + 1000 FROM t', 'NULL', 'NULL', '');
is($node->safe_psql('postgres', "SELECT count(*) FROM backfill.chunks WHERE job_name = 'j'"),
	4, 'four chunks');
$node->stop;
done_testing();

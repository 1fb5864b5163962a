
# A LIST table with a default partition holding rows, rebuilt with
# include_default by a source that knows nothing of the shape (no $1 / $2):
# readers through the swap, a write during a build, exact content, exact
# rollback (test/tap/ShapesTest.pm).

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use ShapesTest;

my $node = shape_test(
	'list_default', q{
CREATE TABLE t (id int NOT NULL, region text NOT NULL, v int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE t_eu PARTITION OF t FOR VALUES IN ('eu', 'uk');
CREATE TABLE t_us PARTITION OF t FOR VALUES IN ('us');
CREATE TABLE t_other PARTITION OF t DEFAULT;
INSERT INTO t SELECT g, (ARRAY['eu', 'uk', 'us', 'jp', 'br'])[g % 5 + 1], g % 400
FROM generate_series(1, 5000) g;
}, 'SELECT id, region, v + 1000 FROM t', 'NULL', 'NULL', '"include_default": true');
is($node->safe_psql('postgres',
		"SELECT string_agg(partition::regclass::text, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
	't_eu,t_other,t_us', 'the default partition was a chunk');
$node->stop;
done_testing();

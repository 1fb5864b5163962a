
# RANGE by day over HASH by id (pg_partman#346's shape), restricted by
# range_from / range_to: readers through the swaps, a write during a build,
# exact content, exact rollback (test/tap/ShapesTest.pm).

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use ShapesTest;

my $node = shape_test(
	'range_over_hash', q{
CREATE TABLE t (id int NOT NULL, day date NOT NULL, v int, PRIMARY KEY (id, day))
    PARTITION BY RANGE (day);
DO $$
BEGIN
    FOR d IN 1 .. 4 LOOP
        EXECUTE format('CREATE TABLE t_%s PARTITION OF t FOR VALUES FROM (%L) TO (%L)'
                       ' PARTITION BY HASH (id)', d,
                       date '2024-01-01' + d - 1, date '2024-01-01' + d);
        FOR r IN 0 .. 2 LOOP
            EXECUTE format('CREATE TABLE t_%s_%s PARTITION OF t_%s'
                           ' FOR VALUES WITH (MODULUS 3, REMAINDER %s)', d, r, d, r);
        END LOOP;
    END LOOP;
END
$$;
INSERT INTO t SELECT g, date '2024-01-01' + g % 4, g % 400 FROM generate_series(1, 6000) g;
}, 'SELECT id, day, v + 1000 FROM t WHERE day >= $1 AND day < $2', "'2024-01-02'",
	"'2024-01-04'", '');
is($node->safe_psql('postgres', "SELECT count(*) FROM backfill.chunks WHERE job_name = 'j'"),
	6, 'two days of three hash partitions each');
$node->stop;
done_testing();


# RANGE by month over LIST by region, with a default region partition in
# each month: option partitions chooses one month (an intermediate table)
# and one leaf of the other; include_default rebuilds the chosen month's
# default. Readers through the swaps, a write during a build, exact content,
# exact rollback (test/tap/ShapesTest.pm).

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use ShapesTest;

my $node = shape_test(
	'range_over_list', q{
CREATE TABLE t (id int NOT NULL, day date NOT NULL, region text NOT NULL, v int)
    PARTITION BY RANGE (day);
CREATE INDEX ON t (day);
DO $$
BEGIN
    FOR m IN 1 .. 3 LOOP
        EXECUTE format('CREATE TABLE t_%s PARTITION OF t FOR VALUES FROM (%L) TO (%L)'
                       ' PARTITION BY LIST (region)', m,
                       make_date(2024, m, 1), make_date(2024, m + 1, 1));
        EXECUTE format('CREATE TABLE t_%s_eu PARTITION OF t_%s FOR VALUES IN (''eu'')', m, m);
        EXECUTE format('CREATE TABLE t_%s_us PARTITION OF t_%s FOR VALUES IN (''us'')', m, m);
        EXECUTE format('CREATE TABLE t_%s_other PARTITION OF t_%s DEFAULT', m, m);
    END LOOP;
END
$$;
INSERT INTO t SELECT g, date '2024-01-01' + g % 90, (ARRAY['eu', 'us', 'jp'])[g % 3 + 1], g % 400
FROM generate_series(1, 6000) g;
}, 'SELECT id, day, region, v + 1000 FROM t WHERE day >= $1 AND day < $2', 'NULL', 'NULL',
	'"include_default": true, "partitions": ["t_1", "public.t_2_us"]');
is($node->safe_psql('postgres',
		"SELECT string_agg(partition::regclass::text, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'j'"),
	't_1_eu,t_1_other,t_1_us,t_2_us', 'the chosen leaves, in key order');
$node->stop;
done_testing();


# The statistics a run gathers on backfill.chunk (know_chunk_statistics,
# ANALYZE as the extension's owner) are shared by every job and tenant: they
# must not follow the settings of the session that happened to start the
# run. A tenant sets default_statistics_target = 1 (and throttles the
# ANALYZE with vacuum_cost_delay) before CALL backfill.run:
#   - the ANALYZE ran (the chunk table's reltuples counts the job's chunks);
#   - its histogram of chunk_no has the default resolution, not the
#     tenant's single bucket.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('chunk_statistics_session', "autovacuum = off\n");
my $PARTS = 40;

create_events($node, 'postgres', $PARTS, 10);
$node->safe_psql('postgres', q{
CREATE ROLE tenant LOGIN;
GRANT CREATE ON SCHEMA public TO tenant;
DO $$
DECLARE r regclass;
BEGIN
    FOR r IN SELECT 'events'::regclass UNION ALL
             SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO tenant', r);
    END LOOP;
END
$$;
});
my $tenant = $node->connstr('postgres') . ' user=tenant';
sub as_tenant { return $node->safe_psql('postgres', $_[0], connstr => $tenant); }

as_tenant("SELECT backfill.create('j', 'events', \$s\$"
	  . events_source()
	  . "\$s\$, NULL, NULL, '{\"publish\": \"end\"}')");
is($node->safe_psql('postgres',
	q{SELECT reltuples < 0 FROM pg_class WHERE oid = 'backfill.chunk'::regclass}),
	't', 'the chunk table has no statistics before the run');

as_tenant(q{
SET default_statistics_target = 1;
SET vacuum_cost_delay = '100ms';
SET vacuum_cost_limit = 1;
CALL backfill.run('j', 1);
});

is($node->safe_psql('postgres',
	q{SELECT reltuples >= 40 FROM pg_class WHERE oid = 'backfill.chunk'::regclass}),
	't', 'the run gathered statistics on the chunk table');
cmp_ok($node->safe_psql('postgres', q{
SELECT coalesce(array_length(histogram_bounds, 1), 0) FROM pg_stats
WHERE schemaname = 'backfill' AND tablename = 'chunk' AND attname = 'chunk_no'}),
	'>', 2, 'the histogram of chunk_no ignores the tenant\'s statistics target');

done_testing();

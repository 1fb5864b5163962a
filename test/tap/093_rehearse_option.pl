# Option rehearse (issue 13, item 1): the first chunk is rehearsed before
# any chunk is built. A source that is not deterministic fails the job
# before anything changes (no shadow, no guard, no row written, chunks
# untouched); a deterministic one is rehearsed, then runs to completion in
# background workers.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('rehearse_option', "max_worker_processes = 16\n");
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 4, 2000);
my $before = table_checksum($node, $db);

sql(q{SELECT backfill.start('guarded', 'events',
  $$SELECT id, day, amount, round((random() * 100)::numeric, 2), note FROM events WHERE day >= $1 AND day < $2$$,
  NULL, NULL, '{"rehearse": true}')});
is(sql(q{SELECT backfill.wait('guarded', '2 minutes')}), 'failed', 'the job fails');
like(sql(q{SELECT last_error FROM backfill.jobs WHERE name = 'guarded'}),
	qr/^chunk 1 \(public\.events_20240101\): rehearsal check deterministic failed: checksum differs/,
	'last_error says which check failed');
is(sql(q{SELECT string_agg(event, ',' ORDER BY at) FROM backfill.log WHERE job_name = 'guarded'
  AND event NOT IN ('launched', 'worker_started')}), 'created,rehearsed,job_failed',
	'rehearsed, then failed; no chunk event');
is(sql(q{SELECT count(*) FROM backfill.chunks WHERE job_name = 'guarded' AND (state <> 'pending' OR attempts > 0)}),
	'0', 'no chunk was tried');
is(shadow_tables($node, $db), '', 'no shadow');
is(sql(q{SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'backfill_guard%'}), '0', 'no guard trigger');
is(table_checksum($node, $db), $before, 'no row changed');
sql(q{SELECT backfill.purge('guarded')});

# A deterministic source: rehearsed first, then the job completes.
sql(q{SELECT backfill.start('fine', 'events', $$} . events_source() . q{$$, NULL, NULL, '{"rehearse": true}')});
is(sql(q{SELECT backfill.wait('fine', '2 minutes')}), 'completed', 'the job completes');
is(sql(q{SELECT string_agg(event, ',' ORDER BY at) FROM backfill.log WHERE job_name = 'fine'
  AND event IN ('rehearsed', 'chunk_built') AND (event = 'rehearsed' OR chunk_no = 1)}),
	'rehearsed,chunk_built', 'the rehearsal came before the first build');
is(sql(q{SELECT count(*) FROM events WHERE amount2 <> amount * 2}), '0', 'every row corrected');

done_testing();

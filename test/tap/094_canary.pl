# The canary (option canary_chunks, issue 13 item 4).
#
#  a  Mode swap, three background workers: exactly two chunks are published,
#     the job pauses (awaiting_approval) while the other chunks stay
#     unpublished; backfill.approve lets it go on to completion.
#  b  Mode merge, two workers and CALL backfill.run at once: exactly three
#     chunks are written; rollback then puts back the canary alone.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('canary', "max_worker_processes = 16\n");
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 8, 200);

subtest 'a: swap, three workers, canary of two' => sub {
	my $before = table_checksum($node, $db);
	my $src    = events_source();
	sql(qq{SELECT backfill.start('canary_swap', 'events', \$\$$src\$\$, NULL, NULL,
	        '{"max_concurrency": 3, "canary_chunks": 2}')});
	wait_for_query($node, $db, "SELECT state FROM backfill.jobs WHERE name = 'canary_swap'",
		'paused', 'the job pauses at its canary');
	wait_for_query($node, $db,
		"SELECT workers FROM backfill.jobs WHERE name = 'canary_swap'",
		'0', 'the workers leave');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'canary_swap' AND state = 'published'"),
		'2', 'exactly two chunks are published');
	is(sql("SELECT count(*) FROM events WHERE amount2 = amount * 2 AND amount2 <> amount"),
		'400', 'exactly the rows of two partitions changed');
	is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'canary_swap' AND event = 'awaiting_approval'"),
		'1', 'awaiting_approval is logged once');
	isnt(table_checksum($node, $db), $before, 'the canary changed the table');
	sql("SELECT backfill.approve('canary_swap')");
	wait_for_query($node, $db, "SELECT state FROM backfill.jobs WHERE name = 'canary_swap'",
		'completed', 'after approve the job completes');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'canary_swap' AND state = 'published'"),
		'8', 'every chunk is published');
	is(sql("SELECT approved_by IS NOT NULL FROM backfill.job WHERE name = 'canary_swap'"),
		't', 'the approval is recorded');
};

subtest 'b: merge, workers and CALL run together, canary of three, rollback' => sub {
	sql(q{
CREATE TABLE ledger (id int PRIMARY KEY, amount numeric(10,2) NOT NULL);
INSERT INTO ledger SELECT g, g FROM generate_series(1, 1000) g;
});
	my $before = table_checksum($node, $db, '(SELECT id, id AS day, amount FROM ledger)');
	sql(q{SELECT backfill.create('canary_merge', 'ledger',
	        $$SELECT id, amount + 1 FROM ledger WHERE id >= $1 AND id < $2$$, '1', '1001',
	        '{"mode": "merge", "chunk_by": "id", "chunk_size": 50, "max_concurrency": 2,
	          "canary_chunks": 3}')});
	sql("SELECT backfill.resume('canary_merge')");
	my $fg = start_psql($node, $db, "CALL backfill.run('canary_merge');\n", 'canary_fg');
	is(finish_psql($fg), 0, 'the foreground run returns') or diag($fg->{err});
	wait_for_query($node, $db,
		"SELECT state || '/' || workers FROM backfill.jobs WHERE name = 'canary_merge'",
		'paused/0', 'the job pauses at its canary and its workers leave');
	is(sql("SELECT count(*) FROM backfill.chunks WHERE job_name = 'canary_merge' AND state = 'published'"),
		'3', 'exactly three chunks are written');
	is(sql("SELECT count(*) FROM ledger WHERE amount = id + 1"), '150',
		'exactly the rows of three chunks changed');
	is(sql("SELECT backfill.rollback('canary_merge')"), '3', 'rollback restores the canary');
	is(table_checksum($node, $db, '(SELECT id, id AS day, amount FROM ledger)'),
		$before, 'the table is as before');
	is(sql("SELECT state FROM backfill.jobs WHERE name = 'canary_merge'"),
		'rolled_back', 'the job is rolled back');
};

done_testing();

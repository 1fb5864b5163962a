# Announcements (option notify, issue 13 item 5): a session LISTENing on
# the job's channel receives one JSON payload per publication unit, then
# one for the completion, failure or rollback, each once its change
# committed; a unit whose transaction failed announces nothing.
#
#  a  Mode swap, publish batch of 2 over 4 partitions, in a worker: two
#     "publish" payloads (their bounds, chunks and release ids as in
#     backfill.releases) and a "complete".
#  b  Mode merge, publish each; the third chunk's transaction fails (a
#     trigger refuses its rows): "publish" for chunks 1, 2 and 4 only, then
#     "fail"; a rollback announces "rollback". notify null is silent.

use strict;
use warnings;

use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('notify', "max_worker_processes = 16\n");
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

# listen(CHANNEL, JOB, NAME): a session that LISTENs on CHANNEL, then waits
# for JOB to end; the notifications are printed once it is idle again.
sub listen_until_done
{
	my ($channel, $job, $name) = @_;
	my $h = start_psql($node, $db,
		"LISTEN $channel;\nSELECT backfill.wait('$job', '180s');\nSELECT 1;\n", $name);
	wait_for_query($node, $db,
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = '$name'"
		  . " AND query LIKE '%backfill.wait%'",
		'1', "the listener $name waits");
	return $h;
}

# The payloads a finished listener printed, in order, decoded.
sub payloads
{
	my ($h, $channel) = @_;
	my @out;
	while ($h->{out} =~ /Asynchronous notification "\Q$channel\E" with payload "(.*)" received/g)
	{
		push @out, decode_json($1);
	}
	return @out;
}

create_events($node, $db, 4, 100);

subtest 'a: swap, batches, in a worker' => sub {
	my $src = events_source();
	sql(qq{SELECT backfill.create('n_swap', 'events', \$\$$src\$\$, NULL, NULL,
	        '{"partitions_per_batch": 2, "notify": "fixes"}')});
	my $l = listen_until_done('fixes', 'n_swap', 'listener_a');
	sql("SELECT backfill.resume('n_swap')");
	is(finish_psql($l), 0, 'the listener ends') or diag($l->{err});
	my @p = payloads($l, 'fixes');
	is(scalar(@p), 3, 'three announcements') or diag($l->{out});
	my $ids = sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM backfill.releases WHERE job_name = 'n_swap'");
	is(join('|', map { join(',', $_->{action}, $_->{range_from}, $_->{range_to}, $_->{chunks}) } @p),
		'publish,2024-01-01,2024-01-03,2|publish,2024-01-03,2024-01-05,2|complete,2024-01-01,2024-01-05,4',
		'a publish per batch with its bounds, then complete');
	is(join(',', map { $_->{release_id} } @p[0 .. 1]), $ids, 'release ids are those of backfill.releases');
	ok(!defined $p[2]{release_id}, 'complete has no release');
	is_deeply([ sort keys %{ $p[0] } ],
		[qw(action chunks job owner range_from range_to release_id target)], 'the payload keys');
	is($p[0]{job} . ' ' . $p[0]{owner} . ' ' . $p[0]{target},
		'n_swap ' . sql('SELECT current_user') . ' public.events', 'job, owner and target (qualified)');
};

subtest 'b: merge, a failed unit announces nothing' => sub {
	sql(q{
CREATE TABLE ledger (id int PRIMARY KEY, amount numeric(10,2) NOT NULL);
INSERT INTO ledger SELECT g, g FROM generate_series(1, 40) g;
CREATE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id BETWEEN 21 AND 30 THEN RAISE EXCEPTION 'refused'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_refuse BEFORE UPDATE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_refuse();
});
	sql(q{SELECT backfill.create('n_merge', 'ledger',
	        $$SELECT id, amount * 2 FROM ledger WHERE id >= $1 AND id < $2$$, '1', '41',
	        '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "max_attempts": 1,
	          "on_failure": "continue"}')});
	my $l = listen_until_done('backfill', 'n_merge', 'listener_b');
	sql("CALL backfill.run('n_merge')");
	is(finish_psql($l), 0, 'the listener ends') or diag($l->{err});
	my @p = payloads($l, 'backfill');
	is(join('|', map { join(',', $_->{action}, $_->{range_from}, $_->{range_to}, $_->{chunks}) } @p),
		'publish,1,11,1|publish,11,21,1|publish,31,41,1|fail,1,41,3',
		'publish for chunks 1, 2 and 4, none for the failed chunk 3, then fail');
	is(sql("SELECT state FROM backfill.chunks WHERE job_name = 'n_merge' AND chunk_no = 3"),
		'failed', 'chunk 3 failed');

	my $r = start_psql($node, $db,
		"LISTEN backfill;\nSELECT backfill.rollback('n_merge');\nSELECT 1;\n", 'listener_c');
	is(finish_psql($r), 0, 'rollback in a listening session') or diag($r->{err});
	my @rb = payloads($r, 'backfill');
	is(join('|', map { join(',', $_->{action}, $_->{chunks}) } @rb), 'rollback,3',
		'the rollback is announced with the chunks it restored');

	sql(q{SELECT backfill.create('n_quiet', 'ledger',
	        $$SELECT id, amount FROM ledger WHERE id >= $1 AND id < $2$$, '1', '11',
	        '{"mode": "merge", "chunk_by": "id", "chunk_size": 10, "notify": null}')});
	my $q = start_psql($node, $db,
		"LISTEN backfill;\nCALL backfill.run('n_quiet');\nSELECT 1;\n", 'listener_d');
	is(finish_psql($q), 0, 'a job with notify null runs') or diag($q->{err});
	is(scalar(payloads($q, 'backfill')), 0, 'and announces nothing');
};

done_testing();

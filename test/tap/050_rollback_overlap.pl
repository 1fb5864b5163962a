# Copyright (c) backfill authors
#
# Rollback, purge and overlapping jobs act only on what a job itself put in
# place (issue 9, items 1 and 2):
#   (a) a second job covering a partition of an unfinished job is refused by
#       create and start, naming the other job (or, for another role's
#       job, only its owner); two creates at once cannot both pass;
#       cancelling the first lets it through;
#   (b) an older job rolled back after a newer job republished the same
#       partitions refuses, naming the newer job, and loses nothing (a row
#       written after the newer publication stays); purging the older job
#       drops only its own retained originals;
#   (c) purge refuses to drop a retained original (or the table a rollback
#       took out) that rows were written to after it was set aside, and
#       never drops a table that is attached again;
#   (d) a partition replaced by DDL between build and publish is not
#       published over: the chunk is rebuilt.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('rollback_overlap');
create_events($node, 'postgres', 8, 50);
my $src = events_source();

sub sql { return $node->safe_psql('postgres', $_[0]); }

# Runs SQL expected to fail; returns its stderr.
sub fails
{
	my ($q) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', $q);
	isnt($rc, 0, "fails: $q");
	return $err;
}

sub create_sql
{
	my ($name, $from, $to, $table) = @_;
	$table //= 'events';
	return "SELECT backfill.create('$name', '$table', \$s\$$src\$s\$, '$from', '$to')";
}

# ------------------------------------------------------------ (a) overlap
sql(create_sql('first', '2024-01-01', '2024-01-04'));
my $err = fails(create_sql('second', '2024-01-03', '2024-01-06'));
like($err,
	qr/partition public.events_20240103 of public.events is covered by backfill job "first" \(state pending\)/,
	'overlapping create refused, naming the other job');
like($err, qr/HINT:  Two jobs rebuilding the same partition would publish over each other/,
	'the hint says why and what to do');
like(fails("SELECT backfill.start('second', 'events', \$s\$$src\$s\$, '2024-01-02', '2024-01-03')"),
	qr/covered by backfill job "first"/, 'start refused too');
is(sql(q{SELECT count(*) FROM backfill.jobs}), '1', 'nothing was created');
sql(create_sql('disjoint', '2024-01-04', '2024-01-05'));
pass('a job on other partitions of the same table is accepted');

# Another role's job is named by its owner only.
sql(q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN IN ROLE alice;
GRANT CREATE ON SCHEMA public TO alice;
CREATE TABLE shared (k int NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE shared_1 PARTITION OF shared FOR VALUES FROM (0) TO (10);
CREATE TABLE shared_2 PARTITION OF shared FOR VALUES FROM (10) TO (20);
ALTER TABLE shared OWNER TO alice;
ALTER TABLE shared_1 OWNER TO alice;
ALTER TABLE shared_2 OWNER TO alice;
});
my $ssrc = 'SELECT k, v FROM shared WHERE k >= $1 AND k < $2';
sql("SET ROLE alice; SELECT backfill.create('alices-secret', 'shared', '$ssrc', '0', '10')");
$err = fails("SET ROLE bob; SELECT backfill.create('bobs', 'shared', '$ssrc', '0', '20')");
like($err, qr/partition public.shared_1 of public.shared is covered by a backfill job of role alice \(state pending\)/,
	"another role's job: its owner is named");
unlike($err, qr/alices-secret/, "... and not the job's name");
like($err, qr/HINT:  .*Ask role alice/, '... and the hint says whom to ask');
like(fails("SELECT backfill.create('su', 'shared', '$ssrc', '10', '20'); SELECT backfill.create('su2', 'shared', '$ssrc', '0', '10')"),
	qr/covered by a backfill job of role alice/, 'a superuser is refused the same way');

# Two creates at once: the second waits for the first and is refused.
my $h = start_psql($node, 'postgres',
	"BEGIN;\n" . create_sql('race1', '2024-01-06', '2024-01-08') . ";\nSELECT pg_sleep(2);\nCOMMIT;\n",
	'race1');
wait_for('race1 to hold its create', sub {
	sql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'race1' AND query LIKE '%pg_sleep%'}) eq '1' });
my ($rc2, $o2, $e2) = $node->psql('postgres', create_sql('race2', '2024-01-07', '2024-01-09'));
is(finish_psql($h), 0, 'the first of two simultaneous creates succeeds');
isnt($rc2, 0, 'the second, overlapping one is refused');
like($e2, qr/covered by backfill job "race1"/, '... naming the first');

# Cancelling the first job frees its partitions.
sql(q{SELECT backfill.cancel('first')});
sql(create_sql('second', '2024-01-01', '2024-01-04'));
pass('after cancel, the partitions can be taken by a new job');
sql(q{SELECT backfill.cancel('second'); SELECT backfill.cancel('disjoint'); SELECT backfill.cancel('race1')});

# ------------------------------------------- (b) older job after a newer one
sql(create_sql('older', '2024-01-01', '2024-01-03'));
sql(q{CALL backfill.run('older')});
is(job_state($node, 'postgres', 'older'), 'completed', 'older job completed');
sql(create_sql('newer', '2024-01-01', '2024-01-03'));
pass('a completed job does not hold its partitions');
sql(q{CALL backfill.run('newer')});
is(job_state($node, 'postgres', 'newer'), 'completed', 'newer job completed');
sql(q{INSERT INTO events (id, day, amount, amount2) VALUES (999001, '2024-01-01', 7, 14)});
my $before = table_checksum($node, 'postgres');
$err = fails(q{SELECT backfill.rollback('older')});
like($err,
	qr/partition public.events_2024010[12] was replaced after backfill job "older" published it \(by backfill job "newer"\)/,
	'rolling back the older job is refused, naming the newer job');
like($err, qr/HINT:  Rolling back would discard the newer table/, '... with a hint');
is(table_checksum($node, 'postgres'), $before, 'nothing was lost or changed');
is(sql(q{SELECT count(*) FROM events WHERE id = 999001}), '1', 'the row written after the newer publication is there');
is(job_state($node, 'postgres', 'older'), 'completed', 'the older job is still completed');
fails(q{SELECT backfill.rollback('older', force => true)});
is(table_checksum($node, 'postgres'), $before, 'force does not override it either');
my $old_retained = sql(q{SELECT string_agg(retained, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'older'});
is(sql(q{SELECT backfill.purge('older')}), '2', "purging the older job drops its two retained originals");
is(sql("SELECT count(*) FROM pg_class WHERE oid IN (SELECT to_regclass(r) FROM unnest(string_to_array('$old_retained', ',')) r)"),
	'0', '... which are gone');
is(table_checksum($node, 'postgres'), $before, '... and nothing else');
is(sql(q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass}), '8', 'every partition still attached');

# ------------------------------------------ (c) purge and set-aside writes
sql(q{DELETE FROM events WHERE id = 999001});
sql(create_sql('kept', '2024-01-04', '2024-01-07'));
sql(q{CALL backfill.run('kept')});
my ($r1, $r2, $r3) = split /\n/, sql(q{SELECT retained FROM backfill.chunks WHERE job_name = 'kept' ORDER BY chunk_no});
sql("INSERT INTO $r2 (id, day, amount, amount2) VALUES (999002, '2024-01-05', 1, 1)");
$err = fails(q{SELECT backfill.purge('kept')});
like($err, qr/rows were written to \Q$r2\E after backfill job "kept" set it aside \(chunk 2/,
	'purge refuses: a retained original was written to');
like($err, qr/HINT:  Purging would lose them, so nothing was dropped/, '... saying what to do');
is(sql("SELECT count(*) FROM pg_class WHERE oid IN ('$r1'::regclass, '$r2'::regclass, '$r3'::regclass)"),
	'3', 'no retained original was dropped');
is(sql("SELECT count(*) FROM $r2 WHERE id = 999002"), '1', 'the written row is still there');
sql("DROP TABLE $r2");
sql("TRUNCATE $r3");
like(fails(q{SELECT backfill.purge('kept')}), qr/rows were written to \Q$r3\E after backfill job "kept"/,
	'TRUNCATE of a retained original counts as a write too');
sql("DROP TABLE $r3");
is(sql(q{SELECT backfill.purge('kept')}), '1', 'once the user dropped them, purge drops the rest');

# A retained original attached again by hand is never dropped.
sql(create_sql('reattached', '2024-01-07', '2024-01-08'));
sql(q{CALL backfill.run('reattached')});
my $ret = sql(q{SELECT retained FROM backfill.chunks WHERE job_name = 'reattached'});
sql(qq{
ALTER TABLE events DETACH PARTITION events_20240107;
ALTER TABLE events_20240107 RENAME TO events_20240107_published;
ALTER TABLE events ATTACH PARTITION $ret FOR VALUES FROM ('2024-01-07') TO ('2024-01-08');
});
my $rows_before = sql(qq{SELECT count(*) FROM $ret});
is(sql(q{SELECT backfill.purge('reattached')}), '0', 'purge drops nothing attached');
is(sql(qq{SELECT count(*) FROM $ret}), $rows_before, 'the attached table and its rows are still there');
sql(qq{ALTER TABLE events DETACH PARTITION $ret; DROP TABLE $ret;
ALTER TABLE events_20240107_published RENAME TO events_20240107;
ALTER TABLE events ATTACH PARTITION events_20240107 FOR VALUES FROM ('2024-01-07') TO ('2024-01-08');});

# After a rollback, the table it took out is guarded the same way.
sql(create_sql('undone', '2024-01-08', '2024-01-09'));
sql(q{CALL backfill.run('undone')});
is(sql(q{SELECT backfill.rollback('undone')}), '1', 'rolled back');
my $out = sql(q{SELECT c.relname FROM pg_class c WHERE c.relname ~ '^events_20240108_bf[0-9]+_1_new$'});
sql("UPDATE $out SET note = 'kept' WHERE id IN (SELECT id FROM $out LIMIT 1)");
like(fails(q{SELECT backfill.purge('undone')}), qr/rows were written to public.\Q$out\E after backfill job "undone" set it aside/,
	'purge refuses to drop the rolled-back table written to since');

# ------------------------------- (d) partition replaced between build and publish
sql(q{SELECT backfill.create('manual', 'events', $s$} . $src . q{$s$, '2024-01-02', '2024-01-03', '{"publish": "manual"}')});
sql(q{CALL backfill.run('manual')});
is(sql(q{SELECT state FROM backfill.chunks WHERE job_name = 'manual'}), 'built', 'built, awaiting publish');
sql(q{
ALTER TABLE events DETACH PARTITION events_20240102;
ALTER TABLE events_20240102 RENAME TO events_20240102_was;
CREATE TABLE events_20240102 (LIKE events_20240102_was INCLUDING ALL);
INSERT INTO events_20240102 SELECT * FROM events_20240102_was;
INSERT INTO events_20240102 (id, day, amount, amount2) VALUES (999003, '2024-01-02', 3, 3);
ALTER TABLE events ATTACH PARTITION events_20240102 FOR VALUES FROM ('2024-01-02') TO ('2024-01-03');
});
my ($rc, $pout, $perr) = $node->psql('postgres', q{SELECT backfill.publish('manual')});
is($pout, '0', 'publish publishes nothing');
like($perr, qr/must be built again: partition public.events_20240102 was replaced after its shadow was built/,
	'... because the partition was replaced');
is(sql(q{SELECT count(*) FROM events WHERE id = 999003}), '1', 'the row of the new partition is there');
sql(q{SELECT backfill.resume('manual')});
wait_for_query($node, 'postgres', q{SELECT state FROM backfill.jobs WHERE name = 'manual'}, 'paused',
	'the rebuilt chunk to await publication');
is(sql(q{SELECT backfill.publish('manual')}), '1', 'the rebuilt chunk is published');
is(sql(q{SELECT amount2 FROM events WHERE id = 999003}), '6.00', '... with the row written to the replacement');

done_testing();

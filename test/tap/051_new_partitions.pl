# Copyright (c) backfill authors
#
# A partition created inside a job's range after create is never skipped
# silently (issue 9, item 10):
#   (a) by default it is not rebuilt, but logged (partition_added), listed
#       in backfill.new_partitions and by backfill.report, and named in a
#       NOTICE and in jobs.last_error when the job completes; so is one that
#       sticks out of the range;
#   (b) with include_new_partitions it becomes a chunk and is rebuilt, also
#       when it appears between two runs of the job;
#   (c) a partition the job already covers, or one outside its range, is
#       never reported.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('new_partitions');
create_events($node, 'postgres', 4, 50);
my $src = events_source();

sub sql { return $node->safe_psql('postgres', $_[0]); }

# Adds a daily partition for $day with 10 rows (amount2 = amount).
sub add_partition
{
	my ($name, $from, $to) = @_;
	sql(qq{
CREATE TABLE $name PARTITION OF events FOR VALUES FROM ('$from') TO ('$to');
INSERT INTO events (id, day, amount, amount2)
SELECT 100000 + g, date '$from', g, g FROM generate_series(1, 10) g
ON CONFLICT DO NOTHING;});
	return;
}

# Rows of a partition whose amount2 was recomputed (= amount * 2).
sub rebuilt_rows
{
	my ($part) = @_;
	return sql("SELECT count(*) FILTER (WHERE amount2 = amount * 2) FROM $part");
}

# ---------------------------------------------------------- (a) reported
sql(q{SELECT backfill.create('plain', 'events', $s$} . $src
	  . q{$s$, '2024-01-01', '2024-01-15')});
add_partition('events_20240110', '2024-01-10', '2024-01-11');
add_partition('events_wide', '2024-01-14', '2024-01-20');
add_partition('events_outside', '2024-01-20', '2024-01-21');
my ($rc, $out, $err) = $node->psql('postgres', q{CALL backfill.run('plain')});
is($rc, 0, 'the job runs');
like($err,
	qr/NOTICE:  backfill job "plain": partition public.events_20240110 \(FROM 2024-01-10 TO 2024-01-11\) was added inside the range after the job was created; not rebuilt: include_new_partitions is false/,
	'a NOTICE names the new partition and why it is not rebuilt');
like($err, qr/partition public.events_wide .* not rebuilt: it is not wholly inside the job's range/,
	'one that sticks out of the range is reported too');
like($err,
	qr/NOTICE:  backfill job "plain" completed, but partition\(s\) public.events_20240110, public.events_wide were added inside the range after the job was created and were not rebuilt/,
	'the completion NOTICE names them');
unlike($err, qr/events_outside/, 'a partition outside the range is not mentioned');
is(job_state($node, 'postgres', 'plain'), 'completed', 'the job completed');
like(sql(q{SELECT last_error FROM backfill.jobs WHERE name = 'plain'}),
	qr/^partition\(s\) public.events_20240110, public.events_wide were added inside the range after the job was created and were not rebuilt; see backfill.report\(name\)$/,
	'jobs.last_error names them');
is(sql(q{SELECT count(*) FROM backfill.log WHERE job_name = 'plain' AND event = 'partition_added'}),
	'2', 'two partition_added events');
is(sql(q{SELECT string_agg(partition || ':' || coalesce(chunk_no::text, '-'), ',' ORDER BY partition) FROM backfill.new_partitions WHERE job_name = 'plain'}),
	'public.events_20240110:-,public.events_wide:-', 'backfill.new_partitions lists them');
is(sql(q{SELECT string_agg(partition || '|' || state || '|' || verdict, E'\n' ORDER BY partition) FROM backfill.report('plain') WHERE chunk_no IS NULL}),
	"public.events_20240110|not_rebuilt|added after create; not rebuilt: include_new_partitions is false\n"
	  . "public.events_wide|not_rebuilt|added after create; not rebuilt: it is not wholly inside the job's range, has a MINVALUE or MAXVALUE bound, or is partitioned itself",
	'backfill.report lists them');
is(sql(q{SELECT count(*) FROM backfill.report('plain') WHERE chunk_no IS NOT NULL}), '4',
	'... after the four chunks');
is(rebuilt_rows('events_20240110'), '0', 'the new partition was not rebuilt');
is(rebuilt_rows('events_20240101'), '50', 'the others were');
($rc, $out, $err) = $node->psql('postgres', q{CALL backfill.run('plain')});
unlike($err, qr/partition_added|was added inside/, 'a second run reports nothing again');

# --------------------------------------------------------- (b) adopted
sql(q{DROP TABLE events_wide, events_outside});
sql(q{SELECT backfill.create('adopt', 'events', $s$} . $src
	  . q{$s$, '2024-01-01', '2024-01-14', '{"include_new_partitions": true}')});
is(sql(q{SELECT options->>'include_new_partitions' FROM backfill.jobs WHERE name = 'adopt'}),
	'true', 'the option is recorded');
sql(q{CALL backfill.run('adopt', max_chunks => 2)});
add_partition('events_20240112', '2024-01-12', '2024-01-13');
($rc, $out, $err) = $node->psql('postgres', q{CALL backfill.run('adopt')});
is($rc, 0, 'the job runs on');
like($err,
	qr/partition public.events_20240112 \(FROM 2024-01-12 TO 2024-01-13\) was added inside the range after the job was created; rebuilt as chunk 6/,
	'the partition added between two runs becomes chunk 6');
is(job_state($node, 'postgres', 'adopt'), 'completed', 'the job completed');
is(sql(q{SELECT coalesce(last_error, 'none') FROM backfill.jobs WHERE name = 'adopt'}), 'none',
	'nothing left unrebuilt');
is(sql(q{SELECT state || ':' || partition FROM backfill.chunks WHERE job_name = 'adopt' AND chunk_no = 6}),
	'published:public.events_20240112', 'chunk 6 is published');
is(rebuilt_rows('events_20240112'), '10', 'its rows were rebuilt');
is(sql(q{SELECT chunks_total || '/' || chunks_done FROM backfill.jobs WHERE name = 'adopt'}), '6/6',
	'every chunk is done');
is(sql(q{SELECT count(*) FROM backfill.report('adopt') WHERE chunk_no IS NULL}), '0',
	'report has no unrebuilt partition');

# -------------------------------------------------- (c) set() turns it on
sql(q{SELECT backfill.create('later', 'events', $s$} . $src
	  . q{$s$, '2024-01-01', '2024-01-14')});
sql(q{SELECT backfill.set('later', '{"include_new_partitions": true}')});
add_partition('events_20240113', '2024-01-13', '2024-01-14');
sql(q{CALL backfill.run('later')});
is(sql(q{SELECT chunks_total || '/' || chunks_done || '/' || state FROM backfill.jobs WHERE name = 'later'}),
	'7/7/completed', 'with the option set() after create, the new partition is adopted');

done_testing();

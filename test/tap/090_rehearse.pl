# backfill.rehearse (issue 13, item 2): a deterministic source passes every
# check, in both modes, and the rehearsal leaves nothing behind: no new
# relation, no lock, no row written, no event but "rehearsed". Sources that
# are not deterministic are reported with what differed (random()).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('rehearse');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 3, 3000);
sql(q{
CREATE TABLE acc (id int PRIMARY KEY, day date NOT NULL, v numeric);
INSERT INTO acc SELECT g, DATE '2024-01-01' + g % 3, g FROM generate_series(1, 3000) g;});

# What a rehearsal must not change.
sub footprint
{
	return sql(q{SELECT (SELECT count(*) FROM pg_class WHERE relpersistence <> 't') || '/'
	  || (SELECT count(*) FROM pg_trigger) || '/'
	  || (SELECT count(*) FROM backfill.chunk WHERE state <> 'pending' OR attempts > 0)})
	  . '|' . table_checksum($node, $db) . '|' . table_checksum($node, $db, 'acc');
}

# Runs a rehearsal in a transaction that also lists the relation and
# advisory locks left on anything but the catalogs and backfill's tables.
sub rehearse
{
	my ($job) = @_;
	my $out = sql(qq{BEGIN;
SELECT check_name || '=' || CASE WHEN passed THEN 't' ELSE 'f' END || ':' || detail
FROM backfill.rehearse('$job');
SELECT 'LOCK ' || coalesce(l.relation::regclass::text, l.locktype) FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype IN ('relation', 'advisory')
  AND coalesce(l.relation::regclass::text, '') !~ '^(pg_|backfill\\.)';
COMMIT;});
	my %checks;
	my @locks;
	for my $line (split /\n/, $out)
	{
		if ($line =~ /^LOCK (.*)/) { push @locks, $1; next; }
		my ($name, $rest) = split /=/, $line, 2;
		$checks{$name} = $rest;
	}
	return (\%checks, \@locks);
}

sub events_of
{
	my ($job) = @_;
	return sql("SELECT string_agg(event, ',' ORDER BY at) FROM backfill.log WHERE job_name = '$job'");
}

# A deterministic swap source: every check passes, nothing is left.
sql(q{SELECT backfill.create('det', 'events', $$} . events_source()
	  . q{$$, NULL, NULL, '{"validate": {"row_count_tolerance": 0, "unique": ["id"]}}')});
my $before = footprint();
my ($checks, $locks) = rehearse('det');
is_deeply(
	[ sort keys %$checks ],
	[
		sort('deterministic', 'row_count', 'unique_key', 'validate.row_count',
			'validate.unique (id)', 'build_ms')
	],
	'one check per property and per validate rule');
ok((!grep { !/^t:/ } values %$checks), 'every check of a deterministic source passes')
  or diag explain $checks;
like($checks->{build_ms}, qr/one build took [0-9.]+ (ms|s); the job's 3 chunk\(s\) \(~[0-9]+ estimated rows\) would take about/,
	'build_ms gives the build time and the projection');
is_deeply($locks, [], 'no lock is held after the rehearsal');
is(footprint(), $before, 'no relation, trigger, chunk change or row written');
is(events_of('det'), 'created,rehearsed', 'the only event is rehearsed');
sql(q{SELECT backfill.cancel('det')});

# random(): the two builds differ.
sql(q{SELECT backfill.create('rnd', 'events',
  $$SELECT id, day, amount, round((random() * 100)::numeric, 2), note FROM events WHERE day >= $1 AND day < $2$$)});
($checks) = rehearse('rnd');
like($checks->{deterministic}, qr/^f:checksum differs: -?\d+ vs -?\d+/, 'random() is not deterministic');
like($checks->{row_count}, qr/^t:/, 'the counts agree');
sql(q{SELECT backfill.cancel('rnd')});

# Mode merge: the rehearsal writes into the target and the before-image,
# and rolls all of it back.
sql(q{SELECT backfill.create('mdet', 'acc', $$SELECT id, day, v * 2 FROM acc WHERE day >= $1 AND day < $2$$,
  NULL, NULL, '{"mode": "merge", "chunk_by": "day", "validate": {"row_count_tolerance": 0}}')});
my $image = sql(q{SELECT before_oid::regclass FROM backfill.job WHERE name = 'mdet'});
$before = footprint();
($checks, $locks) = rehearse('mdet');
ok((!grep { !/^t:/ } values %$checks), 'a deterministic merge source passes') or diag explain $checks;
is_deeply($locks, [], 'no lock is held after the merge rehearsal');
is(footprint(), $before, 'the target is as it was');
is(sql("SELECT count(*) FROM $image"), '0', 'the before-image is empty');
is(events_of('mdet'), 'created,rehearsed', 'the only event is rehearsed');

done_testing();

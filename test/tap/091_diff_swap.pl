# backfill.diff of a swap job (issue 13, item 3): a built chunk is compared
# with the live partition it will replace, a published one with the
# retained original; keys from the primary key; numeric changes largest
# first; max_rows rows at most, even from a large partition; a chunk with
# nothing to compare is refused and nothing changes.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('diff_swap');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 3, 20000);
# amount2 doubles (its delta is the old amount2), row 3 goes, a row comes,
# one note changes
sql(q{SELECT backfill.create('fix', 'events',
  $$SELECT id, day, amount, amount2 * 2, CASE WHEN id = 6 THEN 'changed' ELSE note END
    FROM events WHERE day >= $1 AND day < $2 AND id <> 3
    UNION ALL SELECT 999999, $1, 1, 1, 'new'$$, NULL, NULL, '{"publish": "manual"}')});
sql(q{CALL backfill.run('fix')});
is(sql(q{SELECT string_agg(state, ',' ORDER BY chunk_no) FROM backfill.chunks WHERE job_name = 'fix'}),
	'built,built,built', 'every chunk built, none published');

# The built chunk of day 2024-01-01 (ids = 0 mod 3).
sub diff
{
	my ($chunk, $max) = @_;
	return sql(qq{SELECT key::text || '|' || coalesce(column_name, '-') || '|' || coalesce(old_value, '-')
	  || '|' || coalesce(new_value, '-') || '|' || coalesce(delta::text, '-')
	  FROM backfill.diff('fix', $chunk, $max)});
}
my @top = split /\n/, diff(1, 5);
is(scalar @top, 5, 'max_rows rows');
my $largest = sql(q{SELECT max(amount2) FROM events_20240101});
like($top[0], qr/\|amount2\|\Q$largest\E\|[0-9.]+\|\Q$largest\E$/, 'the largest change comes first');
my @deltas = map { (split /\|/)[4] } @top;
is_deeply(\@deltas, [ sort { $b <=> $a } @deltas ], 'deltas by size, largest first');

# every kind of difference, all rows of the partition
my $all = diff(1, 100000);
my @rows = split /\n/, $all;
is(scalar(grep { /\|amount2\|/ } @rows),
	sql(q{SELECT count(*) FROM events_20240101 WHERE id <> 3}), 'one row per changed column');
ok((grep { /^\{"id": 3, "day": "2024-01-01"\}\|-\|\{.*\}\|-\|-$/ } @rows), 'the deleted row: new is NULL');
ok((grep { /^\{"id": 999999, "day": "2024-01-01"\}\|-\|-\|\{.*"note": "new".*\}\|-$/ } @rows),
	'the inserted row: old is NULL');
ok((grep { /^\{"id": 6, "day": "2024-01-01"\}\|note\|orig\|changed\|-$/ } @rows),
	'a text change has no delta');

# The same chunk once published: against the retained original.
sql(q{SELECT backfill.publish('fix')});
is(diff(1, 100000), $all, 'the published chunk shows the same differences');

# Bad inputs change nothing.
my $before = table_checksum($node, $db);
for my $bad (
	[ q{SELECT * FROM backfill.diff('fix', 1, 0)},  qr/max_rows must be at least 1/ ],
	[ q{SELECT * FROM backfill.diff('fix', 7)},     qr/has no chunk 7/ ],
	[ q{SELECT * FROM backfill.diff('nope', 1)},    qr/backfill job "nope" does not exist/ ])
{
	my ($ret, $out, $err) = $node->psql($db, $bad->[0]);
	like($err, $bad->[1], "refused: $bad->[0]");
}
sql(q{SELECT backfill.purge('fix')});
my ($ret, $out, $err) = $node->psql($db, q{SELECT * FROM backfill.diff('fix', 1)});
like($err, qr/the retained original of chunk 1 .* is gone/, 'a purged chunk has nothing to compare');
is(table_checksum($node, $db), $before, 'the refusals changed nothing');

done_testing();

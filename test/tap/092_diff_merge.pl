# backfill.diff of a merge job (issue 13, item 3): a published chunk's old
# versions come from the before-image and are compared with the live rows
# of the keys it wrote; the rows it reports match what the chunk counted
# (updated, inserted, deleted); a staged chunk (publish manual) is compared
# with the live rows of its range.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('diff_merge');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }
sub ledger_checksum { return sql(q{SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM ledger t}); }

sql(q{CREATE TABLE ledger (id bigint PRIMARY KEY, grp int NOT NULL, amount numeric(12,2), note text);
INSERT INTO ledger SELECT g, g / 1000, g % 97, 'n' FROM generate_series(0, 2999) g;
CREATE TABLE ledger_fixed AS SELECT id, grp, CASE WHEN id % 7 = 0 THEN amount + id % 50 ELSE amount END AS amount, note
FROM ledger WHERE id % 100 <> 1;
INSERT INTO ledger_fixed SELECT 10000 + g, g, 1, 'new' FROM generate_series(0, 2) g;});
my $source = q{SELECT id, grp, amount, note FROM ledger_fixed WHERE grp >= $1 AND grp < $2};
sql(qq{SELECT backfill.create('m', 'ledger', \$\$$source\$\$, '0', '3',
  '{"mode": "merge", "chunk_by": "grp", "chunk_size": 1, "delete_missing": true}')});
sql(q{CALL backfill.run('m', 1)});
my ($ins, $upd, $del) = split /\|/,
  sql(q{SELECT rows_inserted || '|' || rows_updated || '|' || rows_deleted FROM backfill.chunks WHERE job_name = 'm' AND chunk_no = 1});

my $kinds = sql(q{SELECT count(*) FILTER (WHERE old_value IS NULL) || '|'
  || count(DISTINCT key) FILTER (WHERE column_name IS NOT NULL) || '|'
  || count(*) FILTER (WHERE new_value IS NULL) FROM backfill.diff('m', 1, 100000)});
is($kinds, "$ins|$upd|$del", 'inserted, updated and deleted rows as the chunk counted them');
my @deltas = split /\n/, sql(q{SELECT delta FROM backfill.diff('m', 1, 100000) WHERE delta IS NOT NULL});
is_deeply(\@deltas, [ sort { $b <=> $a } @deltas ], 'deltas largest first');
is(sql(q{SELECT key FROM backfill.diff('m', 1, 100000) WHERE new_value IS NULL ORDER BY key LIMIT 1}),
	'{"id": 1}', 'keys come from the primary key');
is(sql(q{SELECT count(*) FROM backfill.diff('m', 1, 3)}), '3', 'max_rows rows at most');

# a chunk not yet run has no diff
my ($ret, $out, $err) = $node->psql($db, q{SELECT * FROM backfill.diff('m', 2)});
like($err, qr/chunk 2 .* is pending: only a built or a published chunk has a diff/, 'a pending chunk is refused');
sql(q{SELECT backfill.cancel('m')});

# A staged chunk: the live rows of the range against the staged ones.
sql(qq{SELECT backfill.create('s', 'ledger', \$\$$source\$\$, '2', '3',
  '{"mode": "merge", "chunk_by": "grp", "chunk_size": 1, "publish": "manual"}')});
sql(q{CALL backfill.run('s')});
my $live = ledger_checksum();
my $staged = sql(q{SELECT count(*) FILTER (WHERE column_name = 'amount') || '|'
  || count(*) FILTER (WHERE old_value IS NULL) || '|' || count(*) FILTER (WHERE new_value IS NULL)
  FROM backfill.diff('s', 1, 100000)});
my $expected = sql(q{SELECT count(*) FILTER (WHERE id % 7 = 0 AND id % 50 <> 0 AND id % 100 <> 1) || '|1|0'
  FROM ledger WHERE grp = 2});
is($staged, $expected, 'changes and inserts of the staged chunk (no delete without delete_missing)');
is(ledger_checksum(), $live, 'the diff wrote nothing');

done_testing();


# Preflight of mode merge (issue 11, item 8): plan() and create() refuse
# bad input with an ERROR that names what is wrong, and create nothing: no
# job, no event, no relation. Swap mode's refusal of a table referenced by
# a foreign key points to mode merge.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_bad');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

sql(q{
CREATE TABLE m (id bigint PRIMARY KEY, code text NOT NULL, v int, ver int, note text, pt point);
CREATE UNIQUE INDEX m_code_idx ON m (code);
CREATE INDEX m_v_idx ON m (v);
INSERT INTO m SELECT g, 'c' || g, g, 1, 'n', point(g, g) FROM generate_series(1, 100) g;
});
my $source = 'SELECT id, code, v, ver, note, pt FROM m WHERE id >= $1 AND id < $2';

# What exists: relations, jobs, events.
my $census_q = q{SELECT (SELECT count(*) FROM pg_class) || '/' || (SELECT count(*) FROM backfill.jobs) || '/'
 || (SELECT count(*) FROM backfill.log)};
my $census = sql($census_q);

my @bad = (
	[ 'a key without a unique index', '"key": ["v"], "chunk_by": "id"', qr/unique/i ],
	[ 'a key of several columns without a unique index on them', '"key": ["id", "v"], "chunk_by": "id"', qr/unique/i ],
	[ 'a key column that does not exist', '"key": ["nope"], "chunk_by": "id"', qr/nope/ ],
	[ 'no chunk_by on a plain table', '"key": ["id"]', qr/chunk_by/ ],
	[ 'a chunk_by of type text', '"chunk_by": "note"', qr/chunk_by/ ],
	[ 'a chunk_by of type point', '"chunk_by": "pt"', qr/chunk_by/ ],
	[ 'a chunk_by column that does not exist', '"chunk_by": "nope"', qr/nope/ ],
	[ 'an interval chunk_size for an integer chunk_by', '"chunk_by": "id", "chunk_size": "1 day"', qr/chunk_size/ ],
	[ 'a chunk_size of zero', '"chunk_by": "id", "chunk_size": 0', qr/chunk_size/ ],
	[ 'a negative chunk_size', '"chunk_by": "id", "chunk_size": -5', qr/chunk_size/ ],
	[ 'an unknown conflict rule', '"chunk_by": "id", "conflict": "both_win"', qr/conflict/ ],
	[ 'newer_wins without version_column', '"chunk_by": "id", "conflict": "newer_wins"', qr/version_column/ ],
	[ 'version_column without newer_wins', '"chunk_by": "id", "version_column": "ver"', qr/version_column/ ],
	[ 'version_column with source_wins', '"chunk_by": "id", "conflict": "source_wins", "version_column": "ver"',
		qr/version_column/ ],
	[ 'a version_column that does not exist', '"chunk_by": "id", "conflict": "newer_wins", "version_column": "nope"',
		qr/nope/ ],
	[ 'a version_column of a type without order', '"chunk_by": "id", "conflict": "newer_wins", "version_column": "pt"',
		qr/version_column/ ],
	[ 'live_wins with delete_missing', '"chunk_by": "id", "conflict": "live_wins", "delete_missing": true',
		qr/delete_missing/ ],
	[ 'delete_missing that is not a boolean', '"chunk_by": "id", "delete_missing": "yes"', qr/delete_missing/ ],
	[ 'lock_timeout (swap only)', '"chunk_by": "id", "lock_timeout": "1s"', qr/lock_timeout/ ],
	[ 'swap_retries (swap only)', '"chunk_by": "id", "swap_retries": 5', qr/swap_retries/ ],
	[ 'retain (swap only)', '"chunk_by": "id", "retain": false', qr/retain/ ]);

for my $case (@bad)
{
	my ($what, $options, $re) = @$case;
	my $json = qq{{"mode": "merge", $options}};
	for my $call ('plan', 'create')
	{
		my $sqlcall =
		  $call eq 'plan'
		  ? "SELECT * FROM backfill.plan('m', \$s\$$source\$s\$, '1', '101', '$json')"
		  : "SELECT backfill.create('bad', 'm', \$s\$$source\$s\$, '1', '101', '$json')";
		my ($rc, $out, $err) = $node->psql($db, $sqlcall);
		isnt($rc, 0, "$call refuses $what");
		like($err, $re, "$call says what is wrong with $what") or diag($err);
	}
	is(sql($census_q), $census, "nothing created for $what");
}

# The same options, corrected, are accepted: the refusals above are about
# the one thing each case got wrong.
my ($rc, $out, $err) = $node->psql($db,
	"SELECT count(*) FROM backfill.plan('m', \$s\$$source\$s\$, '1', '101',"
	  . " '{\"mode\": \"merge\", \"key\": [\"code\"], \"chunk_by\": \"id\", \"chunk_size\": 50,"
	  . " \"conflict\": \"newer_wins\", \"version_column\": \"ver\", \"delete_missing\": true}')");
is($rc, 0, 'plan accepts a key with a unique index and newer_wins with a version_column') or diag($err);
is($out, '2', 'two chunks of 50');

# Swap mode on a partitioned table referenced by a foreign key.
sql(q{
CREATE TABLE pt (id bigint NOT NULL, day date NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM ('2024-01-01') TO ('2024-01-02');
CREATE TABLE ref (id bigint PRIMARY KEY, pt_id bigint, pt_day date, FOREIGN KEY (pt_id, pt_day) REFERENCES pt);
});
$census = sql($census_q);
($rc, $out, $err) = $node->psql($db,
	q{SELECT backfill.create('swap_fk', 'pt', 'SELECT id, day FROM pt WHERE day >= $1 AND day < $2')});
isnt($rc, 0, 'swap mode refuses a table referenced by a foreign key');
like($err, qr/merge/, 'and says to use mode merge') or diag($err);
is(sql($census_q), $census, 'nothing created for it');

$node->stop;
done_testing();

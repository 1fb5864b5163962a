
# Everything a partition has survives the swap, as it is at the moment of
# publication (issue 9, items 7, 8 and 9):
#  - index tablespaces (primary key included), REPLICA IDENTITY USING INDEX,
#    the CLUSTER mark, comments on indexes and constraints, column options,
#    TOAST reloptions, extended statistics with their names, foreign keys
#    with their names, compared in the catalog before and after a run;
#  - grants, defaults, comments, reloptions and statistics targets changed
#    between build and publish are those published (manual publish);
#  - DROP INDEX and CREATE INDEX on the parent between build and publish:
#    publish() finishes, every index keeps its name and definition (the
#    primary key's name stays on the primary key), and a runner publishes
#    without rebuilding the chunk (background publish, the runner held
#    between build and publish by an older snapshot);
#  - CHECK constraints (valid or NOT VALID, on the partition or from the
#    parent) and foreign keys added between build and publish are on the
#    published partition, without a rebuild.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('metadata');
my $tsdir = $node->basedir . '/ts';
mkdir $tsdir or die "mkdir $tsdir: $!";

$node->safe_psql(
	'postgres', qq{
CREATE TABLESPACE ts LOCATION '$tsdir';
CREATE ROLE reader;
CREATE TABLE ref (id int PRIMARY KEY);
INSERT INTO ref SELECT generate_series(1, 10);
CREATE TABLE ev (
    id     bigint NOT NULL,
    day    date NOT NULL,
    amount int NOT NULL,
    r      int,
    note   text DEFAULT 'orig',
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE INDEX ev_amount_idx ON ev (amount);
DO \$\$
BEGIN
    FOR i IN 1 .. 4 LOOP
        EXECUTE format('CREATE TABLE ev_%s PARTITION OF ev FOR VALUES FROM (%L) TO (%L)',
                       i, date '2024-01-01' + i - 1, date '2024-01-01' + i);
        EXECUTE format('GRANT SELECT ON ev_%s TO reader', i);
    END LOOP;
END
\$\$;
INSERT INTO ev SELECT g, date '2024-01-01' + g % 4, g % 100, g % 10 + 1, 'n' || g
FROM generate_series(1, 4000) g;

-- ev_1: a bit of everything a swap must keep
ALTER TABLE ev_1 ADD CONSTRAINT ev_1_r_fk FOREIGN KEY (r) REFERENCES ref (id);
ALTER INDEX ev_1_pkey SET TABLESPACE ts;
ALTER INDEX ev_1_amount_idx SET TABLESPACE ts;
CREATE UNIQUE INDEX ev_1_ident ON ev_1 (id, day);
ALTER TABLE ev_1 REPLICA IDENTITY USING INDEX ev_1_ident;
ALTER TABLE ev_1 CLUSTER ON ev_1_amount_idx;
COMMENT ON INDEX ev_1_amount_idx IS 'amount index';
COMMENT ON CONSTRAINT ev_1_pkey ON ev_1 IS 'the key';
COMMENT ON CONSTRAINT ev_1_r_fk ON ev_1 IS 'the reference';
ALTER TABLE ev_1 ALTER COLUMN amount SET (n_distinct = 42);
ALTER TABLE ev_1 SET (toast.autovacuum_enabled = false);
CREATE STATISTICS ev_1_stats (ndistinct, dependencies) ON id, amount FROM ev_1;
ANALYZE ev;
});

my $source = 'SELECT id, day, amount, r, note FROM ev WHERE day >= $1 AND day < $2';

# create(NAME, FROM, TO, OPTIONS): a job over [FROM, TO).
sub create_job
{
	my ($name, $from, $to, $options) = @_;
	$node->safe_psql('postgres',
		"SELECT backfill.create('$name', 'ev', \$s\$$source\$s\$, '$from', '$to', '$options')");
	return;
}

# What a partition is, one query per attribute: pairs (label, query) whose
# result must be the same before and after a swap.
sub facts
{
	my ($p) = @_;
	my $rel = "'$p'::regclass";
	return (
		[
			'index definitions',
			"SELECT string_agg(pg_get_indexdef(indexrelid), E'\\n' ORDER BY pg_get_indexdef(indexrelid)) FROM pg_index WHERE indrelid = $rel"
		],
		[
			'constraints with their names',
			"SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E'\\n' ORDER BY conname) FROM pg_constraint WHERE conrelid = $rel"
		],
		[
			'index tablespaces',
			"SELECT string_agg(i.relname || ' ' || coalesce(t.spcname, '-'), ',' ORDER BY i.relname) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid LEFT JOIN pg_tablespace t ON t.oid = i.reltablespace WHERE x.indrelid = $rel"
		],
		[
			'replica identity',
			"SELECT c.relreplident::text || coalesce((SELECT ' ' || indexrelid::regclass FROM pg_index WHERE indrelid = c.oid AND indisreplident), '') FROM pg_class c WHERE c.oid = $rel"
		],
		[
			'CLUSTER mark',
			"SELECT coalesce(string_agg(indexrelid::regclass::text, ','), 'none') FROM pg_index WHERE indrelid = $rel AND indisclustered"
		],
		[
			'comments on indexes and constraints',
			"SELECT string_agg(x, ',' ORDER BY x) FROM (SELECT indexrelid::regclass || '=' || d.description AS x FROM pg_index JOIN pg_description d ON d.objoid = indexrelid AND d.classoid = 'pg_class'::regclass WHERE indrelid = $rel UNION ALL SELECT c.conname || '=' || d.description FROM pg_constraint c JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_constraint'::regclass WHERE c.conrelid = $rel) s"
		],
		[
			'column options',
			"SELECT string_agg(attname || ' ' || array_to_string(ARRAY(SELECT o FROM unnest(attoptions) o WHERE o NOT LIKE 'pg\\_%'), ','), ';' ORDER BY attnum) FROM pg_attribute WHERE attrelid = $rel AND attnum > 0"
		],
		[
			'TOAST reloptions',
			"SELECT coalesce(t.reloptions::text, 'none') FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.oid = $rel"
		],
		[
			'extended statistics with their names',
			"SELECT coalesce(string_agg(stxname || ' ' || pg_get_statisticsobjdef_columns(oid) || ' ' || stxkind::text, ',' ORDER BY stxname), 'none') FROM pg_statistic_ext WHERE stxrelid = $rel"
		],
		[
			'grants', "SELECT relacl::text FROM pg_class WHERE oid = $rel"
		],
		[
			'defaults',
			"SELECT string_agg(a.attname || '=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), ',' ORDER BY a.attnum) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = $rel AND a.attnum > 0"
		],
		[
			'table comment and reloptions',
			"SELECT coalesce(obj_description($rel, 'pg_class'), '-') || ' ' || coalesce(reloptions::text, '-') FROM pg_class WHERE oid = $rel"
		],
		[
			'statistics targets',
			"SELECT string_agg(attname || '=' || attstattarget, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = $rel AND attnum > 0"
		],);
}

# snapshot(PARTITION): { label => result } for every fact.
sub snapshot
{
	my ($p) = @_;
	my %s;
	$s{ $_->[0] } = $node->safe_psql('postgres', $_->[1]) for facts($p);
	return \%s;
}

# same_facts(BEFORE, PARTITION, WHAT, LABELS...): one assertion per fact.
sub same_facts
{
	my ($before, $p, $what, @labels) = @_;
	my $after = snapshot($p);
	is($after->{$_}, $before->{$_}, "$what: $_ of $p") for @labels;
	return;
}

# layout(JOB, PARTITION): the chunk's state and attempts, then the
# partition's indexes and constraints.
sub layout
{
	my ($job, $p) = @_;
	my $s = snapshot($p);
	return $node->safe_psql('postgres',
		"SELECT state || ' after ' || attempts || ' attempt(s)' FROM backfill.chunks WHERE job_name = '$job'"
	) . "\n" . $s->{'index definitions'} . "\n" . $s->{'constraints with their names'};
}

# --- 1. everything ev_1 has survives a run ----------------------------------

my $before = snapshot('ev_1');
like($before->{'index tablespaces'}, qr/ev_1_pkey ts/, 'the primary key is in its own tablespace');
create_job('all', '2024-01-01', '2024-01-02', '{}');
$node->safe_psql('postgres', "CALL backfill.run('all')");
is(job_state($node, 'postgres', 'all'), 'completed', 'job "all" completed');
same_facts(
	$before, 'ev_1', 'after a run',
	'index tablespaces',
	'replica identity',
	'CLUSTER mark',
	'comments on indexes and constraints',
	'column options',
	'TOAST reloptions',
	'extended statistics with their names');
diag('swap_ms of ev_1: '
	  . $node->safe_psql('postgres', "SELECT swap_ms FROM backfill.chunks WHERE job_name = 'all'"));

# --- 2. metadata changed between build and publish (manual) ------------------

create_job('meta', '2024-01-02', '2024-01-03', '{"publish": "manual"}');
$node->safe_psql('postgres', "CALL backfill.run('meta')");
$node->safe_psql(
	'postgres', q{
REVOKE SELECT ON ev_2 FROM reader;
ALTER TABLE ev_2 ALTER COLUMN note SET DEFAULT 'later';
COMMENT ON TABLE ev_2 IS 'commented after the build';
ALTER TABLE ev_2 SET (fillfactor = 70);
ALTER TABLE ev_2 ALTER COLUMN amount SET STATISTICS 300;
});
$before = snapshot('ev_2');
$node->safe_psql('postgres', "SELECT backfill.publish('meta')");
same_facts($before, 'ev_2', 'changed between build and manual publish',
	'grants', 'defaults', 'table comment and reloptions', 'statistics targets');

# --- 3. DROP INDEX / CREATE INDEX on the parent (manual) --------------------

create_job('ddl', '2024-01-03', '2024-01-04', '{"publish": "manual"}');
$node->safe_psql('postgres', "CALL backfill.run('ddl')");
my $built = layout('ddl', 'ev_3');
$node->safe_psql(
	'postgres', q{
DROP INDEX ev_amount_idx;
CREATE INDEX ev_note_idx ON ev (note);
});
(my $expected = layout('ddl', 'ev_3')) =~ s/^built/published/;
isnt($expected, $built, 'the indexes of ev_3 changed after the build');
my ($rc, $out, $err) = $node->psql('postgres', "SELECT backfill.publish('ddl')");
is($out, '1', 'publish() finishes after DROP INDEX and CREATE INDEX on the parent')
  or diag($err);
is(layout('ddl', 'ev_3'), $expected,
	'published with the partition\'s indexes, each under its own name (the primary key\'s too)');

# --- 4. the same while a runner waits to publish (background) ----------------

# An older snapshot holds the runner between build and publish.
my $holder = start_psql($node, 'postgres',
	"BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT count(*) FROM pg_class;\nSELECT pg_sleep(600);\n",
	'holder');
my $holder_pid = backend_pid_of($node, 'postgres', 'holder');
wait_for_query($node, 'postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE pid = $holder_pid AND query LIKE '%pg_sleep%'",
	'1', 'the holder to take its snapshot');
create_job('bg', '2024-01-04', '2024-01-05', '{}');
my $runner = start_psql($node, 'postgres', "CALL backfill.run('bg');\n", 'runner');
wait_for_query(
	$node, 'postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'runner' AND query LIKE '%older than the build%'",
	'1', 'the runner to wait for older snapshots');
$node->safe_psql(
	'postgres', q{
DROP INDEX ev_note_idx;
CREATE INDEX ev_amount_r_idx ON ev (amount, r);
REVOKE SELECT ON ev_4 FROM reader;
});
($expected = layout('bg', 'ev_4')) =~ s/^built/published/;
$before = snapshot('ev_4');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($holder_pid)");
finish_psql($holder);
is(finish_psql($runner), 0, 'the runner finished') or diag($runner->{err});
is(layout('bg', 'ev_4'), $expected,
	'published without a rebuild, with the partition\'s indexes under their names');
same_facts($before, 'ev_4', 'changed while the runner waited to publish', 'grants');

# --- 5. CHECK constraints and foreign keys changed between build and publish -

# The CHECK constraints and foreign keys of a table, one per line.
sub constraints_of
{
	my ($table) = @_;
	return $node->safe_psql('postgres',
		"SELECT conname || '|' || contype::text || '|' || pg_get_constraintdef(oid) || '|' || convalidated"
		  . " FROM pg_constraint WHERE conrelid = '$table'::regclass AND contype IN ('c', 'f')"
		  . " ORDER BY conname");
}

create_job('cons', '2024-01-02', '2024-01-03', '{"publish": "manual"}');
$node->safe_psql('postgres', "CALL backfill.run('cons')");
$node->safe_psql(
	'postgres', q{
ALTER TABLE ev_2 ADD CONSTRAINT ev_2_amount_small CHECK (amount < 1000);
ALTER TABLE ev_2 ADD CONSTRAINT ev_2_note_n CHECK (note LIKE 'n%') NOT VALID;
ALTER TABLE ev_2 ADD CONSTRAINT ev_2_r_fk FOREIGN KEY (r) REFERENCES ref (id);
ALTER TABLE ev ADD CONSTRAINT ev_amount_pos CHECK (amount >= 0);
});
my $constraints = constraints_of('ev_2');
like($constraints, qr/^ev_2_amount_small.*\nev_2_note_n.*NOT VALID\|false\nev_2_r_fk.*\nev_amount_pos/,
	'ev_2 gained CHECK constraints (one NOT VALID, one from the parent) and a foreign key');
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM ev_2');
($rc, $out, $err) = $node->psql('postgres', "SELECT backfill.publish('cons')");
is($out, '1', 'publish() finishes after constraints changed on the partition and its parent')
  or diag($err);
is(constraints_of('ev_2'), $constraints,
	'the published partition has exactly the constraints the partition had at publication');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ev_2'), $rows, 'every row is there');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM backfill.log WHERE job_name = 'cons' AND event = 'chunk_retry'"),
	'0', 'the shadow was completed, not rebuilt');

done_testing();

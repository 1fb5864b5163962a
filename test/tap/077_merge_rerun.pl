
# A rerun of a completed correction writes nothing (issue 11, item 3).
#
# 200,000 rows, 10 % of them corrected by a first job. A second job with
# the same source and options then finds every row equal to the source:
# rows_unchanged = all the range's rows in every chunk and nothing inserted,
# updated or deleted, no row gets a new version, no row trigger fires, and
# the WAL it writes (its own bookkeeping only) is a small fraction of the
# first job's.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use MergeTest;

my $node = new_backfill_node('merge_rerun');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

sql(q{
CREATE TABLE big (id bigint PRIMARY KEY, grp int NOT NULL, amount numeric(12,2) NOT NULL, note text);
CREATE INDEX big_grp_idx ON big (grp);
INSERT INTO big SELECT g, g % 1000, g % 9973, 'row ' || g FROM generate_series(1, 200000) g;
CREATE TABLE big_fixed AS
SELECT id, grp, CASE WHEN id % 10 = 3 THEN amount + 1 ELSE amount END AS amount, note FROM big;
CREATE TABLE big_writes (n int);
CREATE FUNCTION big_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.big_writes VALUES (1); RETURN NULL; END $$;
CREATE TRIGGER big_count AFTER INSERT OR UPDATE OR DELETE ON big FOR EACH ROW EXECUTE FUNCTION big_count();
VACUUM ANALYZE big;
});
my $source  = 'SELECT id, grp, amount, note FROM big_fixed WHERE id >= $1 AND id < $2';
my $options = '"chunk_by": "id", "chunk_size": 20000, "delete_missing": true';

# Runs a job and returns the WAL bytes written meanwhile.
sub run_measured
{
	my ($job) = @_;
	create_merge_job($node, $db, $job, 'big', $source, '1', '200001', $options);
	my $lsn0 = sql('SELECT pg_current_wal_lsn()');
	sql("CALL backfill.run('$job')");
	return sql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')");
}

my $first_wal = run_measured('first');
is(job_state($node, $db, 'first'), 'completed', 'the first job completes');
is( sql("SELECT sum(rows_updated) || '/' || sum(rows_inserted) || '/' || sum(rows_deleted) FROM backfill.chunks WHERE job_name = 'first'"),
	'20000/0/0', 'the first job updates 10 % of the rows');
is(sql('SELECT count(*) FROM big_writes'), '20000', 'its row trigger fired for them');
sql('TRUNCATE big_writes; CREATE TABLE big_before AS SELECT id, xmin::text AS x FROM big');

my $rerun_wal = run_measured('rerun');
is(job_state($node, $db, 'rerun'), 'completed', 'the rerun completes');
is( sql("SELECT count(*) || '/' || count(*) FILTER (WHERE rows_unchanged = 20000 AND rows_inserted = 0"
		  . " AND rows_updated = 0 AND rows_deleted = 0) FROM backfill.chunks WHERE job_name = 'rerun'"),
	'10/10', 'every chunk of the rerun: rows_unchanged = all, nothing written');
is(sql("SELECT rows_written FROM backfill.jobs WHERE name = 'rerun'"), '0', 'rows_written is 0');
is(changed_rows($node, $db, 'big', 'big_before'), '0', 'no row has a new version');
is(sql('SELECT count(*) FROM big_writes'), '0', 'no row trigger fired');
note("WAL: first job $first_wal bytes, rerun $rerun_wal bytes");
cmp_ok($rerun_wal, '<', $first_wal * 0.02, 'the rerun writes less than 2 % of the first job\'s WAL');

$node->stop;
done_testing();

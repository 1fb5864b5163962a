# Copyright (c) backfill authors
#
# Jobs survive pg_dump and pg_restore into another cluster (issue 14,
# item 9). On the first cluster role alice runs a swap job half way (three
# of six partitions published, their originals retained) and a merge job
# to the end (before-image); the database is dumped with pg_dump -Fc and
# restored with pg_restore into a new database of a second cluster, where
# every OID differs (alice too).
#   (a) before anything adopts them, backfill.jobs shows the targets by
#       name and the owner by role name, to alice only;
#   (b) rollback of the swap job puts back exactly the pre-job content,
#       purge then drops exactly the restored tables the job set aside;
#   (c) rollback of the merge job restores the pre-job rows (the rows it
#       wrote carry the restore's transaction id: no force needed);
#   (d) a job whose recorded OIDs name other tables in the new database
#       (an OID reused) never touches them: the objects are found by name,
#       and one missing by name makes rollback refuse, the other table
#       intact; a job whose target is gone is refused, saying why;
#   (e) new jobs get fresh ids after the restore (the control tables'
#       identity sequences travel with the dump).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $old = new_backfill_node('dump_source');
sub on_old { return $old->safe_psql('postgres', $_[0]); }

on_old(q{
CREATE ROLE alice LOGIN;
GRANT CREATE ON SCHEMA public TO alice;
});
create_events($old, 'postgres', 6, 40);
on_old(q{
ALTER TABLE events OWNER TO alice;
DO $$ DECLARE p regclass; BEGIN
  FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO alice', p);
  END LOOP;
END $$;
CREATE TABLE m (id bigint PRIMARY KEY, v int NOT NULL);
INSERT INTO m SELECT g, g FROM generate_series(1, 300) g;
CREATE TABLE m_fixed AS SELECT id, CASE WHEN id % 7 = 0 THEN v + 1000 ELSE v END AS v
  FROM m WHERE id <> 150 UNION ALL SELECT 301, 0;
ALTER TABLE m OWNER TO alice;
ALTER TABLE m_fixed OWNER TO alice;
-- a second swap job, on a table of its own, for (d)
CREATE TABLE d (k int NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE d_1 PARTITION OF d FOR VALUES FROM (0) TO (10);
CREATE TABLE d_2 PARTITION OF d FOR VALUES FROM (10) TO (20);
INSERT INTO d SELECT g, g FROM generate_series(0, 19) g;
ALTER TABLE d OWNER TO alice;
ALTER TABLE d_1 OWNER TO alice;
ALTER TABLE d_2 OWNER TO alice;
});
my $events_digest = table_checksum($old, 'postgres');
my $m_digest = "SELECT count(*) || ':' || md5(string_agg(m::text, ',' ORDER BY id)) FROM m";
my $d_digest = "SELECT count(*) || ':' || md5(string_agg(d::text, ',' ORDER BY k)) FROM d";
my $m_before = on_old($m_digest);
my $d_before = on_old($d_digest);
my $src = events_source();

on_old(qq{
SET ROLE alice;
SELECT backfill.create('sw', 'events', \$s\$$src\$s\$, '2024-01-01', '2024-01-07',
  '{"snapshot_view": "events_before"}');
SELECT backfill.create('mg', 'm', 'SELECT id, v FROM m_fixed WHERE id >= \$1 AND id < \$2',
  '1', '400', '{"mode": "merge", "chunk_by": "id", "chunk_size": 100, "delete_missing": true}');
SELECT backfill.create('dj', 'd', 'SELECT k, v + 1 FROM d WHERE k >= \$1 AND k < \$2', '0', '20');
});
on_old("SET ROLE alice; CALL backfill.run('sw', max_chunks => 3)");
on_old("SET ROLE alice; CALL backfill.run('mg')");
on_old("SET ROLE alice; CALL backfill.run('dj')");
on_old("SET ROLE alice; SELECT backfill.pause('sw')");
is(on_old("SELECT count(*) FROM backfill.chunks WHERE job_name = 'sw' AND retained IS NOT NULL"),
	'3', 'the swap job has published three chunks and retains their originals');
isnt(table_checksum($old, 'postgres'), $events_digest, 'the swap job changed the table');
isnt(on_old($m_digest), $m_before, 'the merge job changed its table');
my $max_id = on_old('SELECT max(id) FROM backfill.job');

my $dump = $old->basedir . '/jobs.dump';
$old->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'postgres' ], 'pg_dump');

# ------------------------------------------------ the new cluster
my $new = new_backfill_node('dump_target');
# other roles first, so that alice's OID differs from the old cluster's
$new->safe_psql('postgres', q{
CREATE ROLE zed LOGIN;
CREATE ROLE yves LOGIN;
CREATE ROLE alice LOGIN;
CREATE DATABASE restored;
});
$new->command_ok([ 'pg_restore', '-d', 'restored', $dump ], 'pg_restore into a new database');
sub on_new { return $new->safe_psql('restored', $_[0]); }
sub fails_new
{
	my ($q) = @_;
	my ($rc, $out, $err) = $new->psql('restored', $q);
	isnt($rc, 0, "fails: $q");
	return $err;
}
isnt(on_new("SELECT oid FROM pg_roles WHERE rolname = 'alice'"),
	on_old("SELECT oid FROM pg_roles WHERE rolname = 'alice'"), "alice's OID differs");
isnt(on_new("SELECT 'events'::regclass::oid"), on_old("SELECT 'events'::regclass::oid"),
	"the target's OID differs");

# (a) by name before anything adopted the jobs
is( on_new("SET ROLE alice; SELECT string_agg(name || ' ' || target || ' ' || owner, ',' ORDER BY id) FROM backfill.jobs"),
	'sw events alice,mg m alice,dj d alice',
	'backfill.jobs shows targets and owner by name');
is(on_new("SET ROLE zed; SELECT count(*) FROM backfill.jobs"), '0', 'another role sees none of them');
is(on_new("SET ROLE zed; SELECT count(*) FROM backfill.chunks"), '0', '... nor their chunks');

# (d) first: recorded OIDs that name other tables here. The decoys hold
# copies of what the job's own tables hold; the job's stored OIDs are
# pointed at them, as if the new database had reused those OIDs.
on_new(q{
CREATE TABLE decoy_target (k int NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE decoy_live PARTITION OF decoy_target FOR VALUES FROM (0) TO (10);
CREATE TABLE decoy_kept AS SELECT * FROM d_1;
INSERT INTO decoy_target SELECT * FROM d_1;
ALTER TABLE decoy_target OWNER TO alice;
ALTER TABLE decoy_live OWNER TO alice;
ALTER TABLE decoy_kept OWNER TO alice;
UPDATE backfill.job SET target = 'decoy_target'::regclass WHERE name = 'dj';
UPDATE backfill.chunk c SET live_oid = 'decoy_live'::regclass,
  retained_oid = 'decoy_kept'::regclass
FROM backfill.job j WHERE j.id = c.job_id AND j.name = 'dj' AND c.chunk_no = 1;
});
my $decoys = "SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY k)) FROM decoy_target t)"
  . " || (SELECT md5(string_agg(t::text, ',' ORDER BY k)) FROM decoy_kept t)";
my $decoys_before = on_new($decoys);

# (b) the swap job; its snapshot view came with the dump and still shows
# the rows before the job (retained originals and live partitions)
is(table_checksum($new, 'restored', 'events_before'), $events_digest,
	'the restored snapshot view shows the pre-job rows');
is(on_new("SET ROLE alice; SELECT backfill.rollback('sw')"), '3',
	'rollback of the restored swap job restores three partitions');
is(table_checksum($new, 'restored'), $events_digest, 'the table has its exact pre-job content');
is(on_new("SELECT target::text FROM backfill.jobs WHERE name = 'sw'"), 'events',
	'adopted: the target by OID now');
is( on_new("SELECT target = 'events'::regclass AND owner = (SELECT oid FROM pg_roles WHERE rolname = 'alice') FROM backfill.job WHERE name = 'sw'"),
	't', 'the job row holds the new OIDs');
is(on_new("SELECT snapshot_oid = 'events_before'::regclass FROM backfill.job WHERE name = 'sw'"),
	't', 'the snapshot view re-found by name');
my $kept = "SELECT count(*) FROM pg_class WHERE relname LIKE 'events%bf%' AND relkind = 'r'";
is(on_new($kept), '3', 'the three tables the rollback took out are kept');
is(on_new("SET ROLE alice; SELECT backfill.purge('sw')"), '3', 'purge drops three tables');
is(on_new($kept), '0', 'exactly the restored ones');
is(on_new("SELECT to_regclass('events_before') IS NULL"), 't', 'purge dropped the snapshot view');
is(table_checksum($new, 'restored'), $events_digest, 'the table is untouched by purge');
is( on_new("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname LIKE 'events%' AND t.tgname LIKE '%backfill%'"),
	'0', 'no guard trigger is left');

# (c) the merge job
is(on_new("SET ROLE alice; SELECT backfill.rollback('mg')"), '4',
	'rollback of the restored merge job, without force');
is(on_new($m_digest), $m_before, 'the merge target has its pre-job rows');
is(on_new("SET ROLE alice; SELECT backfill.purge('mg')"), '1', 'purge drops the before-image');

# (d) the job whose OIDs name the decoys: found by name, it acts on d
is(on_new("SET ROLE alice; SELECT backfill.rollback('dj')"), '2',
	'the job found its own tables by name');
is(on_new($d_digest), $d_before, 'd has its pre-job content');
is(on_new($decoys), $decoys_before, 'the decoys are untouched');

# a retained original missing by name while its recorded OID names a decoy
on_new(q{
SET ROLE alice;
SELECT backfill.create('dk', 'd', 'SELECT k, v + 1 FROM d WHERE k >= $1 AND k < $2', '0', '10');
CALL backfill.run('dk');
});
my $dk = on_new(q{SELECT id FROM backfill.job WHERE name = 'dk'});
on_new(qq{
-- as a copy restored elsewhere would be
UPDATE backfill.job SET home = 'elsewhere', target = 'decoy_target'::regclass WHERE id = $dk;
UPDATE backfill.chunk SET retained_oid = 'decoy_kept'::regclass, live_oid = 'decoy_live'::regclass
 WHERE job_id = $dk;
});
on_new(q{SELECT format('ALTER TABLE %I RENAME TO gone_elsewhere', retained_name) FROM backfill.chunk c JOIN backfill.job j ON j.id = c.job_id WHERE j.name = 'dk' \gexec});
like(fails_new("SET ROLE alice; SELECT backfill.rollback('dk')"),
	qr/retained original of public.d_1 .* is missing/, 'rollback refuses: the original is missing by name');
is(on_new("SET ROLE alice; SELECT backfill.purge('dk')"), '0',
	'purge of the job drops nothing it cannot find by name');
is(on_new($decoys), $decoys_before, 'the decoys are still untouched');

# a job whose target is gone by name
on_new(q{
SET ROLE alice;
SELECT backfill.create('dt', 'decoy_target', 'SELECT k, v FROM decoy_target WHERE k >= $1 AND k < $2', '0', '10');
});
on_new(q{UPDATE backfill.job SET home = 'elsewhere', target_name = 'renamed_away' WHERE name = 'dt'});
like(fails_new("SET ROLE alice; SELECT backfill.cancel('dt')"),
	qr/backfill job "dt" was restored from another database and cannot be taken over here: its target public.renamed_away does not exist here/,
	'a job whose target is gone is refused, saying why');
is(on_new("SET ROLE alice; SELECT target IS NULL FROM backfill.jobs WHERE name = 'dt'"), 't',
	'backfill.jobs shows no target for it');

# a table of the recorded name that another role made is not the job's:
# adoption refuses rather than bind the job to it
on_new(q{
CREATE ROLE mallory;
CREATE TABLE public.planted (k int NOT NULL, v int) PARTITION BY RANGE (k);
CREATE TABLE public.planted_0 PARTITION OF public.planted FOR VALUES FROM (0) TO (10);
INSERT INTO public.planted VALUES (1, 1);
ALTER TABLE public.planted OWNER TO mallory;
ALTER TABLE public.planted_0 OWNER TO mallory;
SET ROLE alice;
SELECT backfill.create('dp', 'd', 'SELECT k, v FROM d WHERE k >= $1 AND k < $2', '0', '10');
});
on_new(q{UPDATE backfill.job SET home = 'elsewhere', target_name = 'planted' WHERE name = 'dp'});
like(fails_new("SET ROLE alice; SELECT backfill.cancel('dp')"),
	qr/its target public.planted does not exist here \(or is not a table of the kind the job needs, or is not owned by role "alice"\)/,
	'a same-named table of another role is not taken as the target');
is(on_new(q{SELECT target = 'd'::regclass FROM backfill.job WHERE name = 'dp'}), 't',
	'the job row still names its own target');
is(on_new(q{SELECT string_agg(k || ':' || v, ',') FROM public.planted}), '1:1',
	'the planted table is untouched');

# (e) ids go on after the restored ones
cmp_ok(on_new(q{SELECT id FROM backfill.job WHERE name = 'dk'}), '>', $max_id,
	'a job created after the restore gets a fresh id');

done_testing();

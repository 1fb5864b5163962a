
# Security, a hostile tenant (issue 8): an ordinary LOGIN role "mallory"
# with a schema of her own attacks backfill and another tenant "alice".
# Each attack asserts that it fails or has no effect, that mallory gained
# nothing (gained_nothing: rolsuper still false, nothing created in a
# superuser-only schema, her code never ran as a superuser), and that the
# victim's job completes or fails with a clear error.
#
#  1  source leaves search_path behind (foreground and background)
#  2  throttle_query leaves search_path behind (foreground and background)
#  3  validate aggregate / validate query leave search_path behind
#  8  forged guard writes (CREATE TRIGGER on _guard, during a build, after
#     publication against rollback, a guard firing on a foreign table)
#  9  an idle REPEATABLE READ transaction against a job with snapshot_wait
# 10  squatting shadow / retained / index names in a shared schema
# 11  job names per owner; nothing reveals another role's job
# 12  the audit trail stays append-only
# 13  internals (backfill._*) are not callable
# 14  nothing acts on another role's job; views show only one's own
# 15  more: SET LOCAL-like side effects, SET ROLE in a throttle_query, any
#     GUC left behind, temp tables / LISTEN from the source, a validate
#     query terminating another backend, a source cancelling alice's job
#
# The superuser-acts-on-a-tenant's-job attacks are in 042_security_ownership.pl,
# worker slots and the launcher in 041_security_workers.pl.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use BackfillTest;
use SecurityTest;

my $node = sec_node('security');

# ---------------------------------------------------------------- alice's baseline

make_table('alice', 'alice.orders', 3);
my ($rc, $out, $err) = q_as('alice',
	"SELECT backfill.create('fix', 'alice.orders', \$s\$" . plain_source('alice.orders') . "\$s\$)");
is($rc, 0, "alice creates job 'fix'") or diag($err);
($rc, $out, $err) = q_as('alice', "CALL backfill.run('fix')");
is($rc, 0, "alice runs 'fix'") or diag($err);
is(job_state($node, 'postgres', 'fix'), 'completed', "alice's job 'fix' completed");
q_as('alice',
	"SELECT backfill.create('alice-secret', 'alice.orders', \$s\$" . plain_source('alice.orders') . "\$s\$)");

# mallory's jobs, one table each: returns the job id (or '' when create failed).
sub mallory_job
{
	my ($job, $table, $options, %o) = @_;
	make_table('mallory', $table, $o{parts} // 2);
	my $source = $o{source} // plain_source($table, $o{extra});
	my ($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.create('$job', '$table', \$s\$$source\$s\$, NULL, NULL, '"
		  . ($options // '{}') . "')");
	is($rc, 0, "mallory creates her job $job") or diag($err);
	return $rc eq '0' ? $out : '';
}

# In one mallory session: the search_path, role and a custom setting before,
# the statement, and the same after. Returns (before, after, rc, err).
sub session_around
{
	my ($sql, $timeout) = @_;
	my $probe = "SELECT current_setting('search_path') || '|' || current_user || '|'"
	  . " || current_setting('role') || '|' || coalesce(current_setting('mallory.marker', true), '');";
	my ($rc, $out, $err) = q_as('mallory', "$probe\n$sql;\n$probe", stop => 0, timeout => ($timeout // 90));
	my @lines = grep { /\|/ } split /\n/, $out;
	return ($lines[0] // '', $lines[-1] // '', $rc, $err);
}

sub amounts_fixed
{
	my ($table) = @_;
	return su("SELECT count(*) FILTER (WHERE amount2 IS DISTINCT FROM amount * 2) || '/' || count(*) FROM $table");
}

my $leave_path = q{set_config('search_path', 'mallory, pg_catalog', false) IS NOT NULL};

# ---------------------------------------------------------------- 1. source

subtest 'attack 1a: the source sets search_path (foreground run)' => sub {
	my $pos = log_pos();
	mallory_job('m_src_fg', 'mallory.t1a', undef,
		extra => "$leave_path AND set_config('mallory.marker', 'left-behind', false) IS NOT NULL");
	my ($before, $after, $rc, $err) = session_around("CALL backfill.run('m_src_fg')");
	is($rc, 0, 'the run ends without error') or diag($err);
	is($after, $before, "mallory's session settings after the run are those before it (search_path|user|role|marker)");
	gained_nothing('source search_path, foreground', $pos);
	is(job_state($node, 'postgres', 'm_src_fg'), 'completed', "mallory's own job still completes");
	is(amounts_fixed('mallory.t1a'), '0/6', 'and rewrote her table');
};

subtest 'attack 1b: the source sets search_path (background worker)' => sub {
	my $pos = log_pos();
	make_table('mallory', 'mallory.t1b', 2);
	my ($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.start('m_src_bg', 'mallory.t1b', \$s\$"
		  . plain_source('mallory.t1b', $leave_path) . "\$s\$);"
		  . " SELECT backfill.wait('m_src_bg', '40s')");
	is($rc, 0, 'start and wait work') or diag($err);
	like($out, qr/completed$/, "mallory's background job completes");
	gained_nothing('source search_path, background', $pos);
};

subtest 'attack 15a: the source uses set_config(..., is_local => true)' => sub {
	my $pos = log_pos();
	mallory_job('m_src_local', 'mallory.t15a', undef,
		extra => q{set_config('search_path', 'mallory, pg_catalog', true) IS NOT NULL});
	my ($before, $after, $rc, $err) = session_around("CALL backfill.run('m_src_local')");
	is($rc, 0, 'the run ends without error') or diag($err);
	is($after, $before, "mallory's session settings are unchanged");
	gained_nothing('source SET LOCAL search_path', $pos);
	is(job_state($node, 'postgres', 'm_src_local'), 'completed', 'job completed');
};

# ---------------------------------------------------------------- 2. throttle_query

as_role('mallory', 'CREATE SEQUENCE mallory.s2a; CREATE SEQUENCE mallory.s2b');

subtest 'attack 2a: throttle_query sets search_path (foreground run)' => sub {
	my $pos = log_pos();
	# holds the job for its first two checks (so backfill records the hold
	# with its own SQL), then lets it go
	my $tq = "SELECT $leave_path AND set_config('mallory.marker', 'from-throttle', false) IS NOT NULL"
	  . " AND nextval('mallory.s2a') < 3";
	$tq =~ s/'/''/g;
	mallory_job('m_thr_fg', 'mallory.t2a', qq({"throttle_query": "$tq"}));
	my ($before, $after, $rc, $err) = session_around("CALL backfill.run('m_thr_fg')");
	is($rc, 0, 'the run ends without error') or diag($err);
	is($after, $before, "mallory's session settings after the run are those before it");
	gained_nothing('throttle_query search_path, foreground', $pos);
	is(job_state($node, 'postgres', 'm_thr_fg'), 'completed', 'job completed');
};

subtest 'attack 2b: throttle_query sets search_path (background worker)' => sub {
	my $pos = log_pos();
	my $tq = "SELECT $leave_path AND nextval('mallory.s2b') < 3";
	$tq =~ s/'/''/g;
	make_table('mallory', 'mallory.t2b', 2);
	my ($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.start('m_thr_bg', 'mallory.t2b', \$s\$"
		  . plain_source('mallory.t2b') . "\$s\$, NULL, NULL, '{\"throttle_query\": \"$tq\"}');"
		  . " SELECT backfill.wait('m_thr_bg', '40s')");
	is($rc, 0, 'start and wait work') or diag($err);
	like($out, qr/completed$/, 'the background job completes');
	gained_nothing('throttle_query search_path, background', $pos);
};

subtest 'attack 15b: throttle_query changes the role (SET ROLE minion)' => sub {
	my $pos = log_pos();
	as_role('mallory', q{
CREATE FUNCTION mallory.become_minion() RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        PERFORM set_config('role', 'minion', false);
    EXCEPTION WHEN others THEN NULL;
    END;
    RETURN false;
END
$f$;});
	mallory_job('m_thr_role', 'mallory.t15b',
		'{"max_attempts": 1, "throttle_query": "SELECT mallory.become_minion()"}');
	my ($before, $after, $rc, $err) = session_around("CALL backfill.run('m_thr_role')", 25);
	# a run that hung is stopped here, so that it does not disturb what follows
	q_as(undef, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		  . " WHERE query LIKE '%backfill.run(''m_thr_role'')%' AND pid <> pg_backend_pid()");
	is($rc, 0, 'the run ends without error') or diag($err);
	is($after, $before, 'current_user and role after the run are those before it');
	is(job_state($node, 'postgres', 'm_thr_role'), 'completed',
		'the job completes (its build did not run as another role)');
	is(su("SELECT count(*) FROM pg_class WHERE relowner = 'minion'::regrole"),
		'0', 'nothing was created as minion');
	gained_nothing('throttle_query SET ROLE', $pos);
};

# ---------------------------------------------------------------- 3. validate

subtest 'attack 3a: a validate aggregate sets search_path (foreground run)' => sub {
	my $pos = log_pos();
	my $expr = "count(*) FILTER (WHERE $leave_path)";
	$expr =~ s/'/''/g;
	mallory_job('m_val_agg', 'mallory.t3a',
		qq({"validate": {"aggregates": [{"expr": "$expr"}]}}));
	my ($before, $after, $rc, $err) = session_around("CALL backfill.run('m_val_agg')");
	is($rc, 0, 'the run ends without error') or diag($err);
	is($after, $before, "mallory's session settings after the run are those before it");
	gained_nothing('validate aggregate search_path, foreground', $pos);
	is(job_state($node, 'postgres', 'm_val_agg'), 'completed', 'job completed');
};

subtest 'attack 3b: a validate query sets search_path (foreground and background)' => sub {
	my $pos = log_pos();
	my $vq = "SELECT $leave_path AND (SELECT count(*) FROM {shadow}) >= 0";
	$vq =~ s/'/''/g;
	mallory_job('m_val_q', 'mallory.t3b', qq({"validate": {"query": "$vq"}}));
	my ($before, $after, $rc, $err) = session_around("CALL backfill.run('m_val_q')");
	is($rc, 0, 'the run ends without error') or diag($err);
	is($after, $before, "mallory's session settings after the run are those before it");
	gained_nothing('validate query search_path, foreground', $pos);
	is(job_state($node, 'postgres', 'm_val_q'), 'completed', 'job completed');

	$pos = log_pos();
	make_table('mallory', 'mallory.t3c', 2);
	($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.start('m_val_q_bg', 'mallory.t3c', \$s\$"
		  . plain_source('mallory.t3c')
		  . "\$s\$, NULL, NULL, '{\"validate\": {\"query\": \"$vq\"}}');"
		  . " SELECT backfill.wait('m_val_q_bg', '40s')");
	is($rc, 0, 'start and wait work') or diag($err);
	like($out, qr/completed$/, 'the background job completes');
	gained_nothing('validate query search_path, background', $pos);
};

# ---------------------------------------------------------------- 8. forged guard writes

# alice's jobs are created first: mallory guesses their ids (they are
# sequential; the test reads them to stay short).
make_table('alice', 'alice.forge1', 2);
make_table('alice', 'alice.forge2', 2);
make_table('alice', 'alice.forge3', 2);
make_table('alice', 'alice.forge4', 2);
as_role('alice', q{
CREATE FUNCTION alice.slow(s float8) RETURNS boolean LANGUAGE plpgsql STABLE
AS $f$ BEGIN PERFORM pg_sleep(s); RETURN true; END $f$;});
my %fid;
for my $j (
	[ 'a_forge_manual', 'alice.forge1', '{"publish": "manual"}', undef ],
	[ 'a_forge_build',  'alice.forge2', '{"max_attempts": 1}',   '(SELECT alice.slow(0.8))' ],
	[ 'a_forge_live',   'alice.forge3', '{}',                    undef ],
	[ 'a_forge_oid',    'alice.forge4', '{"publish": "manual"}', undef ])
{
	my ($name, $table, $opt, $extra) = @$j;
	$fid{$name} = as_role('alice',
		"SELECT backfill.create('$name', '$table', \$s\$"
		  . plain_source($table, $extra) . "\$s\$, NULL, NULL, '$opt')");
}

# mallory's forging table: a trigger per (job, chunk, phase).
sub forge_triggers
{
	my ($role, $table, $job_id, $phase) = @_;
	my @errs;
	for my $chunk (1, 2)
	{
		my ($rc, $out, $err) = q_as($role,
			"CREATE TRIGGER forge_${job_id}_${chunk}_$phase AFTER INSERT ON $table"
			  . " FOR EACH ROW EXECUTE FUNCTION backfill._guard('$job_id', '$chunk', '$phase')");
		push @errs, $rc eq '0' ? 'created' : $err;
	}
	return @errs;
}

as_role('mallory', 'CREATE TABLE mallory.forge (x int); CREATE TABLE mallory.forge_live (x int)');

subtest 'attack 8a: mallory cannot put backfill._guard on her own table' => sub {
	my @r = forge_triggers('mallory', 'mallory.forge', $fid{a_forge_manual}, 'build');
	push @r, forge_triggers('mallory', 'mallory.forge', $fid{a_forge_build}, 'build');
	push @r, forge_triggers('mallory', 'mallory.forge_live', $fid{a_forge_live}, 'live');
	for my $r (@r)
	{
		like($r, qr/permission denied for function (?:backfill\.)?_guard/,
			'CREATE TRIGGER ... EXECUTE FUNCTION backfill._guard(<alice job>) is refused');
	}
};

subtest 'attack 8b: forged build writes do not stop alice publishing (publish manual)' => sub {
	my ($rc, $out, $err) = q_as('alice', "CALL backfill.run('a_forge_manual')");
	is($rc, 0, 'alice builds her job') or diag($err);
	is(job_state($node, 'postgres', 'a_forge_manual'), 'paused', 'it awaits publication');
	q_as('mallory', 'INSERT INTO mallory.forge VALUES (1)');
	($rc, $out, $err) = q_as('alice', "SELECT backfill.publish('a_forge_manual')");
	is($rc, 0, 'alice publishes') or diag($err);
	is($out, '2', "both chunks are published despite mallory's writes");
	unlike($err, qr/written/i, 'no warning about writes during the build');
	is(job_state($node, 'postgres', 'a_forge_manual'), 'completed', "alice's job completed");
	is(amounts_fixed('alice.forge1'), '0/6', "alice's table is rewritten");
};

subtest 'attack 8c: forged writes while alice builds do not fail her job' => sub {
	# mallory writes (and commits) every 100 ms for 5 s
	my $writer = $node->background_psql('postgres', extra_params => [ '-U', 'mallory' ]);
	$writer->query_until(qr/forging/, q{\echo forging
DO $$ BEGIN
  FOR i IN 1 .. 50 LOOP
    INSERT INTO mallory.forge VALUES (i);
    COMMIT;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
});
	usleep(300_000);
	my ($rc, $out, $err) = q_as('alice', "CALL backfill.run('a_forge_build')");
	is($rc, 0, 'alice runs her job') or diag($err);
	$writer->quit;
	is(job_state($node, 'postgres', 'a_forge_build'), 'completed', "alice's job completed");
	is( su("SELECT count(*) FROM backfill.chunks WHERE job_name = 'a_forge_build'"
			  . " AND error ~* 'written'"),
		'0', 'no chunk failed for "written while its shadow was built"');
	is(amounts_fixed('alice.forge2'), '0/6', "alice's table is rewritten");
};

subtest "attack 8d: forged 'live' writes do not block alice's rollback" => sub {
	my ($rc, $out, $err) = q_as('alice', "CALL backfill.run('a_forge_live')");
	is($rc, 0, 'alice runs her job') or diag($err);
	is(job_state($node, 'postgres', 'a_forge_live'), 'completed', 'completed');
	q_as('mallory', 'INSERT INTO mallory.forge_live VALUES (1)');
	($rc, $out, $err) = q_as('alice', "SELECT backfill.rollback('a_forge_live')");
	is($rc, 0, "alice's rollback is not refused") or diag($err);
	is($out, '2', 'both chunks are rolled back');
	is(job_state($node, 'postgres', 'a_forge_live'), 'rolled_back', 'rolled_back');
};

subtest 'attack 8e: a guard trigger firing on another table records nothing (OID check)' => sub {
	# created by the superuser (any way mallory might get one there)
	su('CREATE TABLE mallory.forge_oid (x int); ALTER TABLE mallory.forge_oid OWNER TO mallory');
	forge_triggers(undef, 'mallory.forge_oid', $fid{a_forge_oid}, 'build');
	my ($rc, $out, $err) = q_as('alice', "CALL backfill.run('a_forge_oid')");
	is($rc, 0, 'alice builds her job') or diag($err);
	($rc, $out, $err) = q_as('mallory', 'INSERT INTO mallory.forge_oid VALUES (1)');
	is($rc, 0, 'mallory writes to her table') or diag($err);
	($rc, $out, $err) = q_as('alice', "SELECT backfill.publish('a_forge_oid')");
	is($out, '2', 'alice publishes both chunks') or diag($err);
	is(job_state($node, 'postgres', 'a_forge_oid'), 'completed', "alice's job completed");
};

# ---------------------------------------------------------------- 9. idle REPEATABLE READ

subtest 'attack 9: an idle REPEATABLE READ transaction does not stall alice' => sub {
	make_table('alice', 'alice.snap', 2);
	my $idle = $node->background_psql('postgres', extra_params => [ '-U', 'mallory' ]);
	my $mpid = $idle->query_safe('SELECT pg_backend_pid()');
	$idle->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1;');
	my ($rc, $out, $err) = q_as('alice',
		"SELECT backfill.start('a_snap', 'alice.snap', \$s\$" . plain_source('alice.snap')
		  . "\$s\$, NULL, NULL, '{\"snapshot_wait\": \"2s\"}')");
	is($rc, 0, 'alice starts a job with snapshot_wait 2s') or diag($err);
  SKIP: {
		skip 'the job could not be started', 8 if $rc ne '0';
		my $seen = poll_as('alice', "SELECT throttled_by FROM backfill.progress WHERE name = 'a_snap'",
			sub { $_[0] =~ /^waiting for snapshot of pid $mpid\b/ }, 20);
		ok(defined $seen, "progress.throttled_by says 'waiting for snapshot of pid $mpid ...'");
		sleep 3;    # past the bound
		is(su("SELECT count(*) FROM backfill.chunks WHERE job_name = 'a_snap' AND state = 'failed'"),
			'0', 'past the bound no chunk failed');
		like(su("SELECT string_agg(state, ',') FROM backfill.chunks WHERE job_name = 'a_snap'"),
			qr/built/, 'the chunk stays built');
		is(job_state($node, 'postgres', 'a_snap'), 'running', 'the job is still running');
		# never hangs: a pause is obeyed while mallory still holds her snapshot
		($rc, $out, $err) = q_as('alice', "SELECT backfill.pause('a_snap')");
		is($rc, 0, 'alice pauses') or diag($err);
		ok( defined poll_as('alice', "SELECT workers FROM backfill.jobs WHERE name = 'a_snap'",
				sub { $_[0] eq '0' }, 10),
			'its worker stops within 10 s although the snapshot is still held');
		$idle->query_safe('COMMIT');
		($rc, $out, $err) = q_as('alice',
			"SELECT backfill.resume('a_snap'); SELECT backfill.wait('a_snap', '30s')");
		like($out, qr/completed$/, 'once mallory commits, alice resumes and her job completes')
		  or diag($err);
		is(amounts_fixed('alice.snap'), '0/6', "alice's table is rewritten");
	}
	eval { $idle->query_safe('COMMIT') };
	$idle->quit;
};

# ---------------------------------------------------------------- 10. squatting

subtest 'attack 10: squatting shadow, retained and index names in a shared schema' => sub {
	my $pos = log_pos();
	make_table('alice', 'common.orders', 3);
	my $id = as_role('alice',
		"SELECT backfill.create('a_squat', 'common.orders', \$s\$" . plain_source('common.orders')
		  . "\$s\$)");
	# the names of src/core/names.cpp: <partition>_bf<job>_<chunk>_new / _old,
	# shadow indexes <partition>_bf<job>_<chunk>_n<k>
	my %chunk = split /[|\n]/,
	  as_role('alice', "SELECT chunk_no, partition FROM backfill.chunks WHERE job_name = 'a_squat'");
	my @squats;
	for my $no (sort keys %chunk)
	{
		(my $part = $chunk{$no}) =~ s/^common\.//;
		push @squats, "${part}_bf${id}_${no}_new" if $no == 1;
		push @squats, "${part}_bf${id}_${no}_old" if $no == 2;
		push @squats, "${part}_bf${id}_${no}_n1"  if $no == 3;
	}
	is(scalar @squats, 3, 'three names to squat');
	for my $s (@squats)
	{
		as_role('mallory', qq{CREATE TABLE common."$s" (who text); INSERT INTO common."$s" VALUES ('mine')});
	}
	my $fingerprint = sub {
		join ',', map {
			su(qq{SELECT coalesce((SELECT c.oid || ':' || pg_get_userbyid(c.relowner)
                FROM pg_class c WHERE c.oid = to_regclass('common."$_"')), 'gone')})
			  . ':'
			  . (q_as(undef, qq{SELECT string_agg(who, ';') FROM common."$_"}))[1]
		} @squats;
	};
	my $before = $fingerprint->();
	my ($rc, $out, $err) = q_as('alice', "CALL backfill.run('a_squat')", timeout => 60);
	isnt($rc, 'timeout', "alice's run does not hang");
	my $state = job_state($node, 'postgres', 'a_squat');
	if ($state eq 'completed')
	{
		pass("alice's job completed without touching mallory's tables");
		is(amounts_fixed('common.orders'), '0/9', "alice's table is rewritten");
	}
	else
	{
		my $all = $err . "\n"
		  . su("SELECT coalesce(last_error, '') FROM backfill.jobs WHERE name = 'a_squat'") . "\n"
		  . su("SELECT coalesce(string_agg(error, ' / '), '') FROM backfill.chunks WHERE job_name = 'a_squat'");
		my $named = grep { $all =~ /\Q$_\E/ } @squats;
		ok($named, "alice's job ($state) fails with an error naming a squatting table") or diag($all);
		like($all, qr/mallory/, '... and its owner mallory');
		isnt($state, 'running', 'and the job is not left running');
	}
	is($fingerprint->(), $before, "mallory's tables are untouched (same oid, owner and rows)");

	# a superuser cleaning up alice's job must not drop mallory's tables either
	q_as(undef, "SELECT backfill.cancel('a_squat')");
	($rc, $out, $err) = q_as(undef, "SELECT backfill.purge('a_squat')");
	is($fingerprint->(), $before, "after a superuser's cancel and purge of alice's job, mallory's tables are untouched");
	my @bad = grep { /did not account for all active snapshots/ } split /\n/,
	  substr(slurp_file($node->logfile), $pos);
	ok(!@bad, 'no "portal snapshots ... did not account for all active snapshots" error')
	  or diag(join "\n", @bad);
};

# ---------------------------------------------------------------- 11 + 14. job names, another role's job

subtest "attack 11: job names are per owner and nothing reveals alice's" => sub {
	make_table('mallory', 'mallory.tnames', 2);
	my $src = plain_source('mallory.tnames');
	my ($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.create('fix', 'mallory.tnames', \$s\$$src\$s\$)");
	is($rc, 0, "mallory creates her own job 'fix' although alice has one") or diag($err);
	unlike($err, qr/already exists/, 'and is not told that the name exists');

	my $su_pause = join '', (q_as(undef, "SELECT backfill.pause('fix')"))[ 0, 2 ];
	like($su_pause, qr/SET ROLE/i,
		"a superuser's pause('fix') with two jobs named fix asks to SET ROLE to the owner");
	is(su("SELECT string_agg(owner || ':' || state, ',' ORDER BY owner) FROM backfill.jobs WHERE name = 'fix'"),
		'alice:completed,mallory:pending', "neither job named 'fix' was changed");

	# every function: alice's job reads exactly like one that does not exist
	my $ghost = 'no-such-job-xyz';
	for my $call (
		"SELECT backfill.pause('%s')",
		"SELECT backfill.resume('%s')",
		"SELECT backfill.cancel('%s')",
		"SELECT backfill.retry('%s')",
		"SELECT backfill.wait('%s', '1s')",
		"SELECT backfill.rollback('%s')",
		"SELECT backfill.rollback('%s', force => true)",
		"SELECT backfill.purge('%s')",
		"SELECT backfill.publish('%s')",
		"SELECT backfill.set('%s', '{\"sleep\": \"1s\"}')",
		"SELECT * FROM backfill.report('%s')",
		"CALL backfill.run('%s')")
	{
		my ($rc1, $o1, $e1) = q_as('mallory', sprintf($call, 'alice-secret'));
		my ($rc2, $o2, $e2) = q_as('mallory', sprintf($call, $ghost));
		my $label = sprintf($call, '<alice job>');
		isnt($rc1, 0, "mallory: $label fails");
		like($e1, qr/does not exist/, "mallory: $label says the job does not exist");
		is(norm_err($e1, 'alice-secret'), norm_err($e2, $ghost),
			"mallory: $label reads exactly like a job that does not exist");
	}
	for my $view (qw(jobs progress chunks log releases))
	{
		my $col = $view =~ /^(jobs|progress)$/ ? 'name' : 'job_name';
		is( as_role('mallory',
				"SELECT count(*) FROM backfill.$view WHERE $col IN ('alice-secret', 'a_squat', 'a_snap')"),
			'0', "mallory's backfill.$view shows none of alice's jobs");
	}
	is(as_role('mallory', "SELECT count(*) FROM backfill.jobs WHERE owner <> 'mallory'"),
		'0', 'backfill.jobs shows mallory only her own jobs');
	is(as_role('mallory', "SELECT count(*) FROM backfill.jobs WHERE name = 'fix'"),
		'1', "mallory sees exactly one 'fix', hers");
	# (on a table of its own: her job 'fix' holds the partitions of tnames)
	make_table('mallory', 'mallory.tnames2', 2);
	my $src2 = plain_source('mallory.tnames2');
	($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.create('alice-secret', 'mallory.tnames2', \$s\$$src2\$s\$)");
	is($rc, 0, "mallory may also name a job 'alice-secret'") or diag($err);
	is(su("SELECT state FROM backfill.jobs WHERE name = 'alice-secret' AND owner = 'alice'"),
		'pending', "alice's job 'alice-secret' is untouched");
};

# ---------------------------------------------------------------- 12. audit trail

subtest 'attack 12: the audit trail stays append-only' => sub {
	my $fp_sql = q{SELECT count(*) || ':' || md5(coalesce(string_agg(r::text, ',' ORDER BY id), '')) FROM backfill.release_log r};
	my $fp = su($fp_sql);
	like($fp, qr/^[1-9]/, 'there are releases (alice published)');
	for my $sql (
		"UPDATE backfill.release_log SET reason = 'tampered'",
		"DELETE FROM backfill.release_log",
		"TRUNCATE backfill.release_log",
		"UPDATE backfill.releases SET reason = 'tampered'",
		"DELETE FROM backfill.releases",
		"ALTER TABLE backfill.release_log DISABLE TRIGGER USER; DELETE FROM backfill.release_log",
		"SET session_replication_role = replica; DELETE FROM backfill.release_log")
	{
		my ($rc, $out, $err) = q_as('mallory', $sql);
		isnt($rc, 0, "mallory: $sql fails");
	}
	is(su($fp_sql), $fp, 'mallory changed no release');
	for my $sql (
		"SET session_replication_role = replica; UPDATE backfill.release_log SET reason = 'tampered'",
		"SET session_replication_role = replica; DELETE FROM backfill.release_log",
		"SET session_replication_role = replica; TRUNCATE backfill.release_log")
	{
		my ($rc, $out, $err) = q_as(undef, $sql);
		isnt($rc, 0, "superuser: $sql is refused");
		is(su($fp_sql), $fp, "superuser: after $sql the releases are unchanged");
	}
};

# ---------------------------------------------------------------- 13. internals

subtest 'attack 13: internal functions are not callable' => sub {
	is( su(q{SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '')
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'backfill' AND p.proname LIKE '\_%'
               AND has_function_privilege('mallory', p.oid, 'EXECUTE')}),
		'', 'mallory may EXECUTE no backfill._* function');
	my @fn = split /\n/, su(q{SELECT p.oid::regprocedure::text FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'backfill' AND p.proname LIKE '\_%' ORDER BY 1});
	ok(scalar @fn, 'there are internal functions: ' . join(', ', @fn));
	for my $call (
		'SELECT backfill._guard()',
		'SELECT backfill._visible(0)',
		'SELECT backfill._bar(50)',
		"SELECT backfill._eta(1, 2, '1s')",
		"SELECT * FROM backfill._plan_spec('{}', 'public')",
		'SELECT backfill._append_only()')
	{
		my ($fn) = $call =~ /backfill\.(\w+)/;
		next unless grep { /^backfill\.\Q$fn\E\(/ } @fn;
		my ($rc, $out, $err) = q_as('mallory', $call);
		like($err, qr/permission denied for function $fn/, "mallory: $call is refused");
	}
	# the contract keeps working for her
	for my $view (qw(jobs progress chunks log releases))
	{
		my ($rc, $out, $err) = q_as('mallory', "SELECT count(*) FROM backfill.$view");
		is($rc, 0, "mallory can still read backfill.$view") or diag($err);
	}
};

# ---------------------------------------------------------------- 15. more

subtest 'attack 15c: the source cannot create temp tables or LISTEN' => sub {
	my $pos = log_pos();
	as_role('mallory', q{
CREATE TABLE mallory.results (what text, outcome text);
CREATE FUNCTION mallory.try_restricted() RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        CREATE TEMP TABLE IF NOT EXISTS mallory_tmp (x int);
        INSERT INTO mallory.results VALUES ('temp', 'allowed');
    EXCEPTION WHEN others THEN
        INSERT INTO mallory.results VALUES ('temp', 'refused: ' || SQLERRM);
    END;
    BEGIN
        LISTEN mallory_channel;
        INSERT INTO mallory.results VALUES ('listen', 'allowed');
    EXCEPTION WHEN others THEN
        INSERT INTO mallory.results VALUES ('listen', 'refused: ' || SQLERRM);
    END;
    RETURN true;
END
$f$;});
	mallory_job('m_restricted', 'mallory.t15c', undef, extra => '(SELECT mallory.try_restricted())');
	my ($rc, $out, $err) = q_as('mallory', "CALL backfill.run('m_restricted')");
	is($rc, 0, 'the run ends without error') or diag($err);
	my $res = su("SELECT string_agg(what || '=' || outcome, '; ' ORDER BY what) FROM mallory.results");
	ok($res, 'the source function ran');
	unlike($res // '', qr/allowed/, 'creating a temp table and LISTEN are refused in the source')
	  or diag($res);
	like($res // '', qr/restricted/i, 'refused as a security-restricted operation');
	gained_nothing('restricted operations in the source', $pos);
};

subtest 'attack 15d: a validate query cannot terminate another role\'s backend' => sub {
	my $pos = log_pos();
	my $victim = $node->background_psql('postgres', extra_params => [ '-U', 'alice' ]);
	my $vpid = $victim->query_safe('SELECT pg_backend_pid()');
	mallory_job('m_kill', 'mallory.t15d',
		qq({"max_attempts": 1, "validate": {"query": "SELECT pg_terminate_backend($vpid) OR true"}}));
	q_as('mallory', "CALL backfill.run('m_kill')");
	usleep(300_000);
	my $alive = eval { $victim->query_safe('SELECT 42') };
	is($alive, '42', "alice's session survives");
	gained_nothing('validate pg_terminate_backend', $pos);
	eval { $victim->quit };
};

subtest "attack 15e: a source calling backfill.cancel on alice's job" => sub {
	my $pos = log_pos();
	mallory_job('m_cancel_other', 'mallory.t15e', '{"max_attempts": 1}',
		extra => "(SELECT backfill.cancel('alice-secret') IS NULL)");
	q_as('mallory', "CALL backfill.run('m_cancel_other')");
	is(su("SELECT state FROM backfill.jobs WHERE name = 'alice-secret' AND owner = 'alice'"),
		'pending', "alice's job is untouched");
	gained_nothing('source cancelling another job', $pos);
};

# ---------------------------------------------------------------- the whole run

my @crash = grep { /terminated by signal|PANIC|TRAP:|did not account for all active snapshots/ }
  split /\n/, slurp_file($node->logfile);
ok(!@crash, 'no backend crashed, no snapshot accounting error') or diag(join "\n", @crash);
my @super = grep { /bf-evil .*super=t/ } split /\n/, slurp_file($node->logfile);
note('mallory code ran as superuser ' . scalar(@super) . ' time(s) in this run');

$node->stop('fast', fail_ok => 1);
done_testing();

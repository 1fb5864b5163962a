
# Security (issue 8): a superuser acting on a hostile tenant's job never
# runs the tenant's code with superuser rights. mallory's table carries a
# malicious implicit cast (used by a foreign key), column DEFAULT, index
# expression, trigger and CHECK, all calling mallory.evil (see SecurityTest.pm);
# a DBA then calls publish, rollback, cancel and purge on her job, or
# follows run's own hint ("SET ROLE to the owner first") and runs it.
#
#  4  superuser publish; the FK added after the build is validated at ATTACH
#  5  superuser rollback; the FK added after publication is validated when
#     the retained originals are attached again
#  6  superuser cancel of a built job
#  7  superuser purge of a completed job
# 16  superuser SET ROLE mallory; CALL backfill.run(...): the source resets
#     the role and acts as the superuser

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;
use SecurityTest;

my $node = sec_node('ownership');

as_role('mallory', q{
CREATE TYPE mallory.code AS (v int);
-- cast functions may not be volatile; it calls the volatile evil()
CREATE FUNCTION mallory.code_to_int(c mallory.code) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
    PERFORM mallory.evil('cast');
    RETURN c.v;
END
$f$;
CREATE CAST (mallory.code AS int) WITH FUNCTION mallory.code_to_int(mallory.code) AS IMPLICIT;
CREATE TABLE mallory.dim (id int PRIMARY KEY);
INSERT INTO mallory.dim SELECT generate_series(1, 100);
CREATE FUNCTION mallory.evil_trg() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM mallory.evil('trigger');
    RETURN NEW;
END
$f$;
});

# evil_table(NAME): mallory.NAME with the malicious DEFAULT, CHECK, index
# expression and a column of the malicious type; returns its source.
sub evil_table
{
	my ($name) = @_;
	make_table('mallory', "mallory.$name", 2, 3, 'ref mallory.code');
	as_role('mallory', qq{
UPDATE mallory.$name SET ref = ROW((id % 10 + 1)::int)::mallory.code;
ALTER TABLE mallory.$name ALTER COLUMN amount2 SET DEFAULT (CASE WHEN mallory.evil('default') THEN 0 END);
ALTER TABLE mallory.$name ADD CONSTRAINT ${name}_evil_check CHECK (mallory.evil_imm(id) IS NOT NULL);
CREATE INDEX ${name}_evil_idx ON mallory.$name ((mallory.evil_imm(id)));
});
	return "SELECT id, day, amount, amount * 2, ref FROM mallory.$name WHERE day >= \$1 AND day < \$2";
}

# mallory's job on an evil table, with a trigger added after create (a
# trigger on the table is cloned to the shadow when it is attached).
sub evil_job
{
	my ($job, $name, $options) = @_;
	my $src = evil_table($name);
	my ($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.create('$job', 'mallory.$name', \$s\$$src\$s\$, NULL, NULL, '"
		  . ($options // '{}') . "')");
	is($rc, 0, "mallory creates $job") or diag($err);
	as_role('mallory',
		"CREATE TRIGGER ${name}_evil_trg BEFORE INSERT OR UPDATE OR DELETE ON mallory.$name"
		  . " FOR EACH ROW EXECUTE FUNCTION mallory.evil_trg()");
	($rc, $out, $err) = q_as('mallory', "CALL backfill.run('$job')");
	is($rc, 0, "mallory runs $job") or diag($err);
	return;
}

sub add_fk
{
	my ($name) = @_;
	my ($rc, $out, $err) = q_as('mallory',
		"ALTER TABLE mallory.$name ADD CONSTRAINT ${name}_evil_fk FOREIGN KEY (ref) REFERENCES mallory.dim (id)");
	is($rc, 0, "mallory adds a foreign key using her cast to $name") or diag($err);
	return;
}

sub state_of { return su("SELECT state FROM backfill.jobs WHERE name = '$_[0]'"); }

# ---------------------------------------------------------------- 4. publish

subtest 'attack 4: a superuser publishes mallory\'s job (FK with a malicious cast at ATTACH)' => sub {
	evil_job('m_pub', 'p4', '{"publish": "manual"}');
	is(state_of('m_pub'), 'paused', 'built, awaiting publication');
	add_fk('p4');
	my $pos = log_pos();
	my ($rc, $out, $err) = q_as(undef, "SELECT backfill.publish('m_pub')");
	gained_nothing('superuser publish', $pos);
	if ($rc eq '0')
	{
		is($out, '2', 'both chunks published');
		is(state_of('m_pub'), 'completed', 'the job completed');
	}
	else
	{
		like($err, qr/ERROR/, "publish failed with an error: $err");
	}
};

subtest 'attack 4b: a superuser publishes; an index expression added after the build' => sub {
	evil_job('m_pub_idx', 'p4b', '{"publish": "manual"}');
	as_role('mallory', 'CREATE INDEX p4b_late_idx ON mallory.p4b ((mallory.evil_imm(id + 1)))');
	my $pos = log_pos();
	my ($rc, $out, $err) = q_as(undef, "SELECT backfill.publish('m_pub_idx')");
	gained_nothing('superuser publish, late index expression', $pos);
	is($rc, 0, 'published') or diag($err);
};

# ---------------------------------------------------------------- 5. rollback

subtest 'attack 5: a superuser rolls back mallory\'s job (FK validated on the retained originals)' => sub {
	evil_job('m_rb', 'p5');
	is(state_of('m_rb'), 'completed', 'mallory\'s job completed');
	add_fk('p5');
	my $pos = log_pos();
	my ($rc, $out, $err) = q_as(undef, "SELECT backfill.rollback('m_rb')");
	gained_nothing('superuser rollback', $pos);
	if ($rc eq '0')
	{
		is($out, '2', 'both chunks rolled back');
		is(state_of('m_rb'), 'rolled_back', 'rolled_back');
	}
	else
	{
		like($err, qr/ERROR/, "rollback failed with an error: $err");
	}
};

subtest 'attack 5b: a superuser force-rolls back after mallory wrote to her table' => sub {
	evil_job('m_rb_force', 'p5b');
	add_fk('p5b');
	as_role('mallory', "UPDATE mallory.p5b SET amount = amount + 1 WHERE id = 1");
	my $pos = log_pos();
	my ($rc, $out, $err) = q_as(undef, "SELECT backfill.rollback('m_rb_force', force => true)");
	gained_nothing('superuser forced rollback', $pos);
};

# ---------------------------------------------------------------- 6. cancel

subtest 'attack 6: a superuser cancels mallory\'s built job' => sub {
	evil_job('m_cancel', 'p6', '{"publish": "manual"}');
	add_fk('p6');
	my $pos = log_pos();
	my ($rc, $out, $err) = q_as(undef, "SELECT backfill.cancel('m_cancel')");
	is($rc, 0, 'cancelled') or diag($err);
	gained_nothing('superuser cancel', $pos);
	is(state_of('m_cancel'), 'cancelled', 'state cancelled');
	is(su(q{SELECT count(*) FROM pg_class WHERE relname ~ '^p6_p\d_bf\d+_\d+_new$'}),
		'0', 'its shadows are dropped');
};

# ---------------------------------------------------------------- 7. purge

subtest 'attack 7: a superuser purges mallory\'s completed job' => sub {
	evil_job('m_purge', 'p7');
	is(state_of('m_purge'), 'completed', 'completed');
	add_fk('p7');
	my $pos = log_pos();
	my ($rc, $out, $err) = q_as(undef, "SELECT backfill.purge('m_purge')");
	is($rc, 0, 'purged') or diag($err);
	is($out, '2', 'both retained originals dropped');
	gained_nothing('superuser purge', $pos);
};

# ---------------------------------------------------------------- 16. SET ROLE, then run

subtest 'attack 16: a superuser follows the hint "SET ROLE mallory" and runs her job' => sub {
	as_role('mallory', q{
CREATE FUNCTION mallory.reset_role_and_pwn() RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        PERFORM set_config('role', 'none', false);
    EXCEPTION WHEN others THEN NULL;
    END;
    PERFORM mallory.evil('setrole');
    RETURN true;
END
$f$;});
	make_table('mallory', 'mallory.p16', 2);
	my ($rc, $out, $err) = q_as('mallory',
		"SELECT backfill.create('m_setrole', 'mallory.p16', \$s\$"
		  . plain_source('mallory.p16', '(SELECT mallory.reset_role_and_pwn())') . "\$s\$)");
	is($rc, 0, 'mallory creates her job') or diag($err);
	($rc, $out, $err) = q_as(undef, "CALL backfill.run('m_setrole')");
	like($err, qr/SET ROLE/, 'run as the superuser is refused with a hint to SET ROLE');
	my $pos = log_pos();
	($rc, $out, $err) = q_as(undef,
		"SET ROLE mallory; CALL backfill.run('m_setrole'); SELECT current_user", stop => 0);
	gained_nothing('superuser SET ROLE mallory + run', $pos);
	like($out, qr/^mallory$/m, 'after the run the session is still mallory');
	is(state_of('m_setrole'), 'completed', 'the job completed');
};

$node->stop('fast', fail_ok => 1);
done_testing();

# The after_publish hook runs in the owner's box (issue 13 item 5), tried as
# a hostile job owner whose job a superuser runs in the foreground (after
# SET ROLE to the owner, as CALL backfill.run asks):
#
#  a  GUC changes the hook makes (set_config(..., false) of work_mem and
#     search_path) are discarded: the superuser's session keeps its own.
#  b  A hook that tries RESET ROLE (back to the superuser session user) to
#     create a role, or plants a temporary table in the superuser's
#     session, fails (hook_failed) and changes nothing.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BackfillTest;

my $node = new_backfill_node('after_publish_box');
my $db   = 'postgres';
sub sql { return $node->safe_psql($db, $_[0]); }

create_events($node, $db, 2, 20);
sql(q{
CREATE ROLE tenant LOGIN;
GRANT CREATE ON SCHEMA public TO tenant;
ALTER TABLE events OWNER TO tenant;
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO tenant', p);
    END LOOP;
END $$;
});
my $me  = sql('SELECT current_user');
my $src = events_source();

# Creates a job of the tenant with the given hook, one chunk per unit.
sub tenant_job {
	my ($name, $hook, $range_to) = @_;
	(my $quoted = $hook) =~ s/'/''/g;
	sql(qq{SET ROLE tenant;
SELECT backfill.create('$name', 'events', \$\$$src\$\$, '2024-01-01', '$range_to',
  '{"on_failure": "continue", "after_publish": "$quoted"}')});
}

subtest 'a: GUC changes of the hook are discarded' => sub {
	tenant_job('box_gucs',
		q{SELECT set_config('work_mem', '1234kB', false), set_config('search_path', 'evil', false)},
		'2024-01-02');
	my $after = sql(q{SET work_mem = '4MB';
SET ROLE tenant;
CALL backfill.run('box_gucs');
RESET ROLE;
SELECT current_setting('work_mem') || ' ' || current_setting('search_path') || ' ' || current_user});
	is($after, qq{4MB "\$user", public $me},
		'the session keeps its settings and its role after the hook ran');
	is(sql("SELECT count(*) FROM backfill.log WHERE job_name = 'box_gucs' AND event = 'hook_failed'"),
		'0', 'the hook itself ran');
	is(sql("SELECT state FROM backfill.jobs WHERE name = 'box_gucs'"), 'completed', 'the job completed');
};

subtest 'b: RESET ROLE and temporary tables are refused inside the hook' => sub {
	sql(q{SET ROLE tenant; SELECT backfill.rollback('box_gucs'); SELECT backfill.purge('box_gucs')});
	tenant_job('box_role', q{RESET ROLE; CREATE ROLE pwned SUPERUSER}, '2024-01-02');
	my $role = sql(q{SET ROLE tenant; CALL backfill.run('box_role'); SELECT current_user});
	is($role, 'tenant', 'the session is still SET ROLE tenant after the hook');
	is(sql(q{SELECT count(*) FROM pg_roles WHERE rolname = 'pwned'}), '0',
		'the hook could not act as the superuser session user');
	like(sql("SELECT detail FROM backfill.log WHERE job_name = 'box_role' AND event = 'hook_failed'"),
		qr/cannot set parameter "role"/, 'RESET ROLE in the hook was refused');

	sql(q{SET ROLE tenant; SELECT backfill.rollback('box_role'); SELECT backfill.purge('box_role')});
	tenant_job('box_temp', q{CREATE TEMPORARY TABLE planted (x int)}, '2024-01-02');
	my $planted = sql(q{SET ROLE tenant; CALL backfill.run('box_temp');
SELECT count(*) FROM pg_class WHERE relname = 'planted'});
	is($planted, '0', 'no temporary table was planted in the superuser session');
	like(sql("SELECT detail FROM backfill.log WHERE job_name = 'box_temp' AND event = 'hook_failed'"),
		qr/security-restricted/, 'the temporary table was refused');
};

done_testing();

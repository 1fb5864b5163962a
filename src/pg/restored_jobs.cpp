#include "pg/restored_jobs.hpp"

#include "core/user_error.hpp"
#include "pg/job_store.hpp"
#include "pg/mode.hpp"

namespace backfill::pg {

namespace {

// This database's identity; it cannot change while a backend lives (a
// restore makes another database, pg_upgrade another cluster).
const std::string& this_database() {
    static std::string identity;
    if (identity.empty())
        identity = *control_query("SELECT backfill.database_identity()", {})[0][0];
    return identity;
}

// SQL for the OID of a table the job made (a shadow, a retained original,
// a before-image, a staging table) named by two columns: a plain table,
// not attached to anything, owned by the job's owner (owner: the SQL of
// its OID), so that a same-named table another role planted is never
// taken; NULL when there is none.
std::string own_table(const std::string& schema_column, const std::string& name_column,
                      const std::string& owner) {
    return "(SELECT r.oid FROM pg_catalog.pg_class r"
           " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
           " WHERE n.nspname = " +
           schema_column + " AND r.relname = " + name_column +
           " AND r.relkind = 'r' AND NOT r.relispartition AND r.relowner = " + owner + ")";
}

// The job's owner and target found by name here ("" when missing), the
// target's OID in the job row, and how people name both.
struct Resolution {
    std::string owner, target, recorded_target, owner_name, target_name;
};

Resolution resolve(const std::string& job_id) {
    // a swap job's target is a partitioned table; a merge job's a table
    // or a partitioned table; either owned by the job's owner (a table of
    // the recorded name that another role made is not the job's)
    Row r = control_query(
        "SELECT (SELECT ro.oid::text FROM pg_catalog.pg_roles ro"
        "        WHERE ro.rolname = j.owner_name),"
        " (SELECT c.oid::text FROM pg_catalog.pg_class c"
        "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        "  WHERE n.nspname = j.target_schema AND c.relname = j.target_name"
        "  AND c.relkind IN ('p', CASE WHEN j.mode = 'swap' THEN 'p' ELSE 'r' END)"
        "  AND c.relowner = (SELECT ro.oid FROM pg_catalog.pg_roles ro"
        "                    WHERE ro.rolname = j.owner_name)),"
        " j.target::text, j.owner_name, pg_catalog.format('%I.%I', j.target_schema, j.target_name)"
        " FROM backfill.job j WHERE j.id = $1::bigint",
        {job_id})[0];
    return Resolution{r[0].value_or(""), r[1].value_or(""), *r[2], *r[3], *r[4]};
}

// What keeps the job from being adopted, "" when nothing does.
std::string adoption_problem(const Resolution& found) {
    if (found.owner.empty())
        return "its owner, role \"" + found.owner_name + "\", does not exist here";
    if (found.target.empty())
        return "its target " + found.target_name +
               " does not exist here (or is not a table of the kind the job needs, or is not "
               "owned by role \"" +
               found.owner_name + "\")";
    return "";
}

// Adopts one job: every OID replaced by the one its recorded name has here,
// or NULL. A target with another OID than recorded means the rows were
// copied (pg_dump), not carried over (pg_upgrade keeps OIDs and
// transaction ids): the transaction ids the job recorded are then another
// cluster's, and its mode brings them to the copies'.
void adopt(const std::string& job_id) {
    Resolution found = resolve(job_id);
    if (!adoption_problem(found).empty())
        return;
    control_execute(
        "UPDATE backfill.job j SET owner = $2::oid, target = $3::oid,"
        " before_oid = CASE WHEN j.before_oid IS NOT NULL THEN " +
            own_table("j.before_schema", "j.before_name", "$2::oid") +
            " END,"
            " stage_oid = CASE WHEN j.stage_oid IS NOT NULL THEN " +
            own_table("j.stage_schema", "j.stage_name", "$2::oid") +
            " END,"
            " snapshot_oid = CASE WHEN j.snapshot_oid IS NOT NULL THEN"
            "  (SELECT v.oid FROM pg_catalog.pg_class v"
            "   JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace"
            "   WHERE n.nspname = j.snapshot_schema AND v.relname = j.snapshot_name"
            "   AND v.relkind = 'v' AND v.relowner = $2::oid) END,"
            " home = backfill.database_identity() WHERE j.id = $1::bigint",
        {job_id, found.owner, found.target});
    control_execute(
        "UPDATE backfill.chunk c SET"
        " live_oid = CASE WHEN c.live_oid IS NOT NULL THEN"
        "  (SELECT r.oid FROM pg_catalog.pg_class r"
        "   JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
        "   JOIN pg_catalog.pg_inherits i ON i.inhrelid = r.oid AND i.inhparent = $2::oid"
        "   WHERE n.nspname = c.part_schema AND r.relname = c.part_name AND r.relkind = 'r') END,"
        " shadow_oid = CASE WHEN c.shadow_oid IS NOT NULL THEN " +
            own_table("c.part_schema", "c.shadow_name", "$3::oid") +
            " END,"
            " retained_oid = CASE WHEN c.retained_oid IS NOT NULL THEN " +
            own_table("c.part_schema", "c.retained_name", "$3::oid") +
            " END WHERE c.job_id = $1::bigint",
        {job_id, found.target, found.owner});
    if (found.target != found.recorded_target) {
        Job job = *load_job_by_id(std::stoll(job_id));
        mode_of(job).adopt_copied_rows(job);
    }
}

}  // namespace

bool adopted(const std::string& home) { return home == this_database(); }

void adopt_restored_jobs() {
    // locked, so that two sessions never adopt one job twice
    for (const auto& r :
         control_query("SELECT id FROM backfill.job WHERE home <> $1 ORDER BY id FOR UPDATE",
                       {this_database()}))
        adopt(*r[0]);
}

void refuse_unadopted(std::int64_t job_id) {
    std::string id = std::to_string(job_id);
    Row r = control_query("SELECT name FROM backfill.job WHERE id = $1::bigint", {id})[0];
    throw UserError(ErrorKind::WrongState,
                    "backfill job \"" + *r[0] +
                        "\" was restored from another database and cannot be taken over here: " +
                        adoption_problem(resolve(id)),
                    "Create the role or restore the table under the name the job recorded "
                    "(see docs/restore.md), then call again.");
}

}  // namespace backfill::pg

#include "pg/snapshot_view.hpp"

#include <vector>

#include "core/snapshot_view.hpp"
#include "core/user_error.hpp"
#include "pg/job_tables.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// Where the view goes: the schema named, or the target's.
struct ViewPlace {
    std::string schema, name;
};
ViewPlace view_place(const PlannedJob& plan) {
    ViewName v = parse_view_name(*plan.options.snapshot_view);
    return ViewPlace{v.schema.value_or(plan.target.schema), v.name};
}

Oid target_owner(Oid target) {
    return static_cast<Oid>(
        std::stoul(*scalar("SELECT relowner::text FROM pg_catalog.pg_class WHERE oid = $1::oid",
                           {std::to_string(target)})));
}

}  // namespace

void check_snapshot_view(const PlannedJob& plan) {
    if (!plan.options.snapshot_view)
        return;
    ViewPlace at = view_place(plan);
    Value may_create = scalar(
        "SELECT pg_catalog.has_schema_privilege($2::oid, n.oid, 'CREATE')"
        " FROM pg_catalog.pg_namespace n WHERE n.nspname = $1",
        {at.schema, std::to_string(target_owner(plan.target.oid))});
    if (!may_create)
        throw UserError(ErrorKind::InvalidParameter,
                        "schema \"" + at.schema + "\" of snapshot_view does not exist",
                        "Create the schema first, or name the view without a schema to make it "
                        "beside the target.");
    if (*may_create != "t")
        throw UserError(ErrorKind::InvalidParameter,
                        "the owner of " + plan.target.qualified +
                            " may not create the snapshot view in schema \"" + at.schema + "\"",
                        "The view is made as the target's owner: GRANT CREATE ON SCHEMA to it, or "
                        "choose another schema.");
    require_name_free(at.schema, at.name, InvalidOid, "the job's snapshot_view");
}

void create_snapshot_view(std::int64_t job_id, const PlannedJob& plan) {
    if (!plan.options.snapshot_view)
        return;
    check_snapshot_view(plan);
    ViewPlace at = view_place(plan);
    std::vector<std::string> columns;
    for (const auto& r : query("SELECT pg_catalog.quote_ident(attname) FROM pg_catalog.pg_attribute"
                               " WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped"
                               " ORDER BY attnum",
                               {std::to_string(plan.target.oid)}))
        columns.push_back(*r[0]);
    std::vector<std::string> partitions;
    for (const auto& c : plan.chunks) {
        const PartitionRef& leaf = plan.target.leaf_refs[c.partition_index];
        partitions.push_back(qualified(leaf.schema, leaf.name));
    }
    {
        // DDL beside the user's tables runs as the target's owner
        OwnerBox box(target_owner(plan.target.oid), kOurSql);
        execute_quietly(
            snapshot_view_statement(qualified(at.schema, at.name), columns, partitions));
    }
    Oid oid = relation_named(at.schema, at.name).value().oid;
    control_execute(
        "UPDATE backfill.job SET snapshot_oid = $2::oid, snapshot_schema = $3,"
        " snapshot_name = $4 WHERE id = $1::bigint",
        {std::to_string(job_id), std::to_string(oid), at.schema, at.name});
}

bool drop_snapshot_view(const Job& job) {
    auto recorded = control_query(
        "SELECT snapshot_oid::text, pg_catalog.format('%I.%I', snapshot_schema, snapshot_name)"
        " FROM backfill.job WHERE id = $1::bigint AND snapshot_oid IS NOT NULL",
        {std::to_string(job.id)});
    if (recorded.empty())
        return false;
    // the job's view belongs to the target's owner, which the job's owner
    // is or is a member of: an OID reused by another role's view is not it
    auto live = query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.oid = $1::oid AND c.relkind = 'v'"
        " AND pg_catalog.pg_has_role($2::oid, c.relowner, 'USAGE')",
        {recorded[0][0], std::to_string(job.owner)});
    if (live.empty()) {
        notice("backfill job \"" + job.name + "\": its snapshot view " + *recorded[0][1] +
               " is gone already");
    } else {
        execute_quietly("DROP VIEW " + *live[0][0]);
        notice("backfill job \"" + job.name + "\": snapshot view " + *live[0][0] + " dropped");
    }
    control_execute("UPDATE backfill.job SET snapshot_oid = NULL WHERE id = $1::bigint",
                    {std::to_string(job.id)});
    return !live.empty();
}

}  // namespace backfill::pg

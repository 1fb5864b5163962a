#include "pg/swap/chunk_records.hpp"

#include "core/names.hpp"
#include "core/partition_shapes.hpp"
#include "core/user_error.hpp"
#include "pg/job_store.hpp"
#include "pg/job_tables.hpp"

namespace backfill::pg {

void insert_chunk(std::int64_t job_id, int chunk_no, const PartitionRef& ref,
                  const PartitionInfo& p) {
    std::string shadow = shadow_table_name(ref.name, job_id, chunk_no);
    std::string retained = retained_table_name(ref.name, job_id, chunk_no);
    for (const auto& n : {shadow, retained})
        if (relation_named(ref.schema, n).has_value())
            throw UserError(ErrorKind::InvalidParameter,
                            "relation " + qualified(ref.schema, n) + " already exists",
                            "backfill needs this name for chunk " + std::to_string(chunk_no) +
                                "; rename or drop that relation.");
    control_execute(
        "INSERT INTO backfill.chunk (job_id, chunk_no, part_schema, part_name, lower_bound,"
        " upper_bound, lower_key, upper_key, shadow_name, retained_name, est_rows, est_bytes,"
        " part_bound)"
        " VALUES ($1::bigint, $2::int, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, "
        "$12::bigint, $13)",
        {std::to_string(job_id), std::to_string(chunk_no), ref.schema, ref.name, p.lower.text,
         p.upper.text, stored_sort_key(p.lower), stored_sort_key(p.upper), shadow, retained,
         std::to_string(p.est_rows), std::to_string(p.est_bytes), ref.bound_spec});
}

void restart_snapshot_waits(const Job& job) {
    control_execute(
        "UPDATE backfill.chunk SET build_xid = pg_catalog.pg_current_xact_id()::xid"
        " WHERE job_id = $1::bigint AND state = 'built' AND build_xid IS NOT NULL",
        {std::to_string(job.id)});
}

}  // namespace backfill::pg

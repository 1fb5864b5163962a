#include "pg/job_overlap.hpp"

#include "core/overlap.hpp"
#include "core/partition_shapes.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/job_store.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

void refuse_overlapping_jobs(const TargetInfo& target, const std::vector<PlannedChunk>& chunks) {
    lock_target_jobs(target.oid);
    std::vector<KeySpan> mine;
    for (const auto& c : chunks) {
        mine.push_back(KeySpan{c.name, stored_sort_key(c.lower), stored_sort_key(c.upper)});
    }
    std::vector<OtherJobChunk> others;
    for (const auto& r : control_query(
             "SELECT j.name, pg_catalog.pg_get_userbyid(j.owner), j.owner = $2::oid, j.state,"
             " EXISTS (SELECT 1 FROM backfill.event e WHERE e.job_id = j.id AND e.event = "
             "'purged'),"
             // a key-range chunk (no partition) is named by its range
             " CASE WHEN c.part_name IS NULL THEN c.lower_bound || ' .. ' || c.upper_bound"
             "  ELSE pg_catalog.format('%I.%I', c.part_schema, c.part_name) END,"
             " c.lower_key, c.upper_key"
             " FROM backfill.job j JOIN backfill.chunk c ON c.job_id = j.id"
             " WHERE j.target = $1::oid ORDER BY j.id, c.chunk_no",
             {std::to_string(target.oid), std::to_string(current_role())}))
        others.push_back(OtherJobChunk{*r[0], *r[1], *r[2] == "t", parse_job_state(*r[3]),
                                       *r[4] == "t", KeySpan{*r[5], *r[6], *r[7]}});
    if (auto found = find_overlap(mine, others))
        throw overlap_refusal(*found, target.qualified);
}

}  // namespace backfill::pg

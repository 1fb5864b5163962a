#include "pg/swap/chunk_plan.hpp"

#include "core/names.hpp"
#include "core/swap/swap_ddl.hpp"
#include "pg/catalog_cache.hpp"
#include "pg/catalog_fingerprint.hpp"
#include "pg/job_tables.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/swap/guard_triggers.hpp"
#include "pg/swap/swap_spec.hpp"

namespace backfill::pg {

LiveChunk live_chunk(const Job& job, const ChunkRow& chunk, bool with_constraint) {
    auto live = live_partition(job.target, chunk.part_schema, chunk.part_name, with_constraint);
    std::string qname = qualified(chunk.part_schema, chunk.part_name);
    if (!live)
        throw PermanentFailure(ErrorKind::WrongState,
                               "partition " + qname + " is no longer a partition of the target",
                               "Create a new job for the table as it is now.");
    if (live->bound_spec != chunk.part_bound)
        throw PermanentFailure(
            ErrorKind::WrongState,
            "the bounds of partition " + qname + " changed since the job was created",
            "Create a new job for the table as it is now.");
    return LiveChunk{*live, Bound{BoundKind::Finite, chunk.lower_key, chunk.lower_bound},
                     Bound{BoundKind::Finite, chunk.upper_key, chunk.upper_bound}};
}

ChunkPlan plan_chunk(const Job& job, const ChunkRow& chunk, const std::string& top,
                     PlanFor purpose) {
    LiveChunk lc = live_chunk(job, chunk, purpose == PlanFor::Build);
    SwapSpec spec = swap_spec(job, chunk, top, lc.live, {});
    if (purpose == PlanFor::Publication)
        return ChunkPlan{lc, spec, {}, ""};
    std::string fingerprint = catalog_fingerprint(lc.live.oid);
    spec.columns = insert_columns(job);
    std::vector<LiveIndex> indexes = live_indexes(lc.live.oid);
    describe_live_partition(lc.live.oid, indexes, job, chunk, spec);
    return ChunkPlan{lc, spec, indexes, fingerprint};
}

// Drops the shadow the chunk built (by OID, as the job's owner) and puts
// the chunk back to pending (cancel, writes seen); a chunk published
// meanwhile keeps its tables.
void discard_shadow(const Job& job, const ChunkRow& chunk) {
    auto shadow = control_query(
        "SELECT shadow_oid FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
    if (!discard_chunk_build(job, chunk.chunk_no))
        return;
    if (!shadow.empty() && shadow[0][0]) {
        OwnerBox box(job.owner, kOurSql);
        drop_own_table(static_cast<Oid>(std::stoul(*shadow[0][0])));
    }
}

void install_guard(const SwapSpec& spec, const std::string& table, Oid table_oid,
                   const std::string& phase, GuardSlate slate) {
    AsExtensionOwner owner;
    std::string trigger = guard_trigger_name(std::stoll(spec.job_id));
    if (slate == GuardSlate::Replace && (trigger_exists(table_oid, trigger) ||
                                         trigger_exists(table_oid, truncate_trigger_name(trigger))))
        run_all(drop_guard_statements(spec, table));
    for (const GuardTrigger& t : guard_triggers(spec, phase))
        create_guard_trigger(table_oid, t);
}

}  // namespace backfill::pg

#include "pg/swap/swap_mode.hpp"

#include "pg/swap/chunk_builder.hpp"
#include "pg/swap/chunk_plan.hpp"
#include "pg/swap/chunk_records.hpp"
#include "pg/swap/partition_watch.hpp"
#include "pg/swap/publisher.hpp"
#include "pg/swap/swap_commands.hpp"
#include "pg/swap/swap_preflight.hpp"
#include "pg/swap/swap_rehearsal.hpp"

namespace backfill::pg {

namespace {

// The swap's operations, each handed to the file that does it.
class SwapMode final : public Mode {
public:
    TargetInfo load_target(Oid relid, JobOptions&) const override {
        return pg::load_target(relid, kSwapRequirements);
    }
    std::vector<PlannedChunk> plan_chunks(const TargetInfo& target, const JobOptions& options,
                                          const RangeLimit& from,
                                          const RangeLimit& to) const override {
        ShapeChoice choice{target.range_keyed, from, to, options.partitions,
                           options.include_default};
        return plan_leaf_chunks(target.partitions, target.leaves, choice, target.qualified);
    }
    void preflight(const TargetInfo& target,
                   const std::vector<PlannedChunk>& chunks) const override {
        preflight_swap(target, chunks);
    }
    void record_chunks(std::int64_t job_id, const PlannedJob& plan) const override {
        for (const auto& c : plan.chunks) {
            PartitionInfo leaf;
            leaf.lower = c.lower;
            leaf.upper = c.upper;
            leaf.est_rows = c.est_rows;
            leaf.est_bytes = c.est_bytes;
            insert_chunk(job_id, c.chunk_no, plan.target.leaf_refs[c.partition_index], leaf);
        }
    }
    int adopt_new_chunks(const Job& job) const override { return adopt_new_partitions(job); }
    void announce_uncovered(const Job& job) const override { announce_skipped_partitions(job); }
    Outcome build(const Job& job, const ChunkRow& chunk) const override {
        return build_chunk(job, chunk, parent_name(job));
    }
    PublishResult publish_ready(const Job& job, std::int64_t snapshot_budget_us) const override {
        return pg::publish_ready(job, parent_name(job), snapshot_budget_us);
    }
    int publish_all_built(const Job& job) const override { return pg::publish_all_built(job); }
    void discard_build(const Job& job, const ChunkRow& chunk) const override {
        discard_shadow(job, chunk);
    }
    int discard_unpublished(const Job& job) const override { return drop_unpublished_shadows(job); }
    int rollback(const Job& job, bool force) const override {
        return restore_retained_originals(job, force);
    }
    int purge(const Job& job) const override { return drop_kept_tables(job); }
    void adopt_copied_rows(const Job& job) const override { restart_snapshot_waits(job); }
    std::vector<std::string> row_key(const Job& job) const override {
        return primary_key_columns(job.target);
    }
    RehearsalBuild rehearse_build(const Job& job, const ChunkRow& chunk) const override {
        return rehearse_shadow(job, chunk, parent_name(job));
    }
    void diff_sides(const Job&, const ChunkRow& chunk, DiffSpec& spec) const override {
        swap_diff_sides(chunk, spec);
    }
};

}  // namespace

const Mode& swap_mode() {
    static const SwapMode mode;
    return mode;
}

}  // namespace backfill::pg

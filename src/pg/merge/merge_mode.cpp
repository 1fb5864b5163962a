#include "pg/merge/merge_mode.hpp"

#include "core/user_error.hpp"
#include "pg/merge/before_image.hpp"
#include "pg/merge/chunk_merge.hpp"
#include "pg/merge/merge_rehearsal.hpp"
#include "pg/merge/merge_target.hpp"
#include "pg/merge/merge_units.hpp"
#include "pg/merge/range_plan.hpp"
#include "pg/state_store.hpp"

namespace backfill::pg {

namespace {

// Records a range chunk (no partition) of a new job.
void insert_range_chunk(std::int64_t job_id, const PlannedChunk& c) {
    control_execute(
        "INSERT INTO backfill.chunk (job_id, chunk_no, lower_bound, upper_bound, lower_key,"
        " upper_key, est_rows, est_bytes) VALUES ($1::bigint, $2::int, $3, $4, $5, $6,"
        " $7::bigint, $8::bigint)",
        {std::to_string(job_id), std::to_string(c.chunk_no), c.lower.text, c.upper.text,
         c.lower.sort_key, c.upper.sort_key, std::to_string(c.est_rows),
         std::to_string(c.est_bytes)});
}

// The merge's operations. With publish each a chunk is one transaction
// that commits its rows: built and published at once. With publication
// units a chunk's build stages its source rows, and a unit is applied in
// one transaction (merge_units). No partition appears that would need a
// chunk.
class MergeMode final : public Mode {
public:
    TargetInfo load_target(Oid relid, JobOptions& options) const override {
        return load_merge_target(relid, options);
    }
    std::vector<PlannedChunk> plan_chunks(const TargetInfo& target, const JobOptions& options,
                                          const RangeLimit& from,
                                          const RangeLimit& to) const override {
        return plan_ranges(target, options, from, to);
    }
    void preflight(const TargetInfo&, const std::vector<PlannedChunk>&) const override {}
    void record_chunks(std::int64_t job_id, const PlannedJob& plan) const override {
        for (const auto& c : plan.chunks)
            insert_range_chunk(job_id, c);
        create_before_image(job_id, plan.target);
        if (plan.options.publish != PublishMode::Each)
            create_stage_table(job_id, plan.target);
    }
    int adopt_new_chunks(const Job&) const override { return 0; }
    void announce_uncovered(const Job&) const override {}
    Outcome build(const Job& job, const ChunkRow& chunk) const override {
        return job.options.publish == PublishMode::Each ? merge_chunk(job, chunk)
                                                        : stage_chunk(job, chunk);
    }
    PublishResult publish_ready(const Job& job, std::int64_t) const override {
        if (job.options.publish == PublishMode::Each)
            return {};
        return apply_ready_units(job);
    }
    int publish_all_built(const Job& job) const override { return apply_all_built(job); }
    void discard_build(const Job& job, const ChunkRow& chunk) const override {
        // an interrupted chunk's writes rolled back with it; what it staged
        // for a unit goes
        drop_staged_rows(job, chunk.chunk_no);
        discard_chunk_build(job, chunk.chunk_no);
    }
    int discard_unpublished(const Job& job) const override {
        drop_staged_rows(job, std::nullopt);
        return 0;
    }
    int rollback(const Job& job, bool force) const override {
        return restore_before_image(job, force);
    }
    int purge(const Job& job) const override {
        return drop_before_image(job) + drop_stage_table(job);
    }
    void adopt_copied_rows(const Job& job) const override { adopt_copied_image(job); }
    std::vector<std::string> row_key(const Job& job) const override {
        return job.options.merge.key;
    }
    RehearsalBuild rehearse_build(const Job& job, const ChunkRow& chunk) const override {
        return rehearse_range(job, chunk);
    }
    void diff_sides(const Job& job, const ChunkRow& chunk, DiffSpec& spec) const override {
        merge_diff_sides(job, chunk, spec);
    }
};

}  // namespace

const Mode& merge_mode() {
    static const MergeMode mode;
    return mode;
}

}  // namespace backfill::pg

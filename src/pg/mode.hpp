// A mode is how a job puts corrected rows in place (the job's mode column):
// swap builds a shadow table per partition and swaps it in. The run loop,
// the workers and the job commands know a mode only through this
// interface, so a new mode adds an implementation and a registry entry,
// not a branch in them (docs/design.md, "How to add a mode").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/diff_sql.hpp"
#include "core/planner.hpp"
#include "core/rehearsal.hpp"
#include "core/target_checks.hpp"
#include "pg/catalog.hpp"
#include "pg/job_planning.hpp"
#include "pg/runner_common.hpp"

namespace backfill::pg {

// What one round of publishing did.
struct PublishResult {
    int published = 0;      // chunks published
    bool stopped = false;   // the job was cancelled (or paused) meanwhile
    bool deferred = false;  // older snapshots outlived the wait: built chunks wait
};

class Mode {
public:
    virtual ~Mode() = default;

    // Reads the target, refusing one this mode cannot work on (the core's
    // refusals decide), and completes the options the mode takes from the
    // target (merge: its key, chunk_by, chunk_size).
    virtual TargetInfo load_target(Oid relid, JobOptions& options) const = 0;

    // Cuts the job's range of the target into chunks.
    virtual std::vector<PlannedChunk> plan_chunks(const TargetInfo& target,
                                                  const JobOptions& options, const RangeLimit& from,
                                                  const RangeLimit& to) const = 0;

    // Refuses (or warns about) what around the target would break these
    // chunks; runs before anything is recorded.
    virtual void preflight(const TargetInfo& target,
                           const std::vector<PlannedChunk>& chunks) const = 0;

    // Records the planned chunks of a new job (state pending).
    virtual void record_chunks(std::int64_t job_id, const PlannedJob& plan) const = 0;

    // Chunks the job's target gained since create (returns how many), and
    // what the job did not cover, said once it completes.
    virtual int adopt_new_chunks(const Job& job) const = 0;
    virtual void announce_uncovered(const Job& job) const = 0;

    // Builds a claimed chunk; returns Built, Retried, Failed, or rethrows a
    // user's cancel.
    virtual Outcome build(const Job& job, const ChunkRow& chunk) const = 0;

    // Publishes every unit that is ready under the job's publish mode, each
    // after waiting at most snapshot_budget_us for older snapshots.
    virtual PublishResult publish_ready(const Job& job, std::int64_t snapshot_budget_us) const = 0;

    // backfill.publish(): every built chunk in the caller's transaction.
    virtual int publish_all_built(const Job& job) const = 0;

    // Undoes what a chunk's interrupted build left (its runner died) and
    // puts the chunk back to pending.
    virtual void discard_build(const Job& job, const ChunkRow& chunk) const = 0;

    // Cancel: drops what the unpublished builds left (chunks nobody works
    // on); returns how many tables it dropped.
    virtual int discard_unpublished(const Job& job) const = 0;

    // Puts every published chunk back as it was before, in the caller's
    // transaction; returns how many chunks it restored.
    virtual int rollback(const Job& job, bool force) const = 0;

    // Drops what the job keeps for rollback and what it left behind;
    // returns how many tables it dropped.
    virtual int purge(const Job& job) const = 0;

    // A job adopted after a pg_dump / restore (its rows were copied, so
    // the transaction ids it recorded are another cluster's): brings them
    // to what the copies carry here (src/pg/restored_jobs.hpp).
    virtual void adopt_copied_rows(const Job& job) const = 0;

    // The columns that identify a row of the target, unquoted (swap: the
    // primary key; merge: its key): a rehearsal checks them unique, a diff
    // pairs rows by them. Empty when the target has none.
    virtual std::vector<std::string> row_key(const Job& job) const = 0;

    // One build of the chunk for backfill.rehearse, like a real one, in the
    // caller's subtransaction (which the caller rolls back): the chunk's
    // new rows made and measured (measure_rows), nothing recorded. Throws
    // what the build meets.
    virtual RehearsalBuild rehearse_build(const Job& job, const ChunkRow& chunk) const = 0;

    // What backfill.diff compares for a chunk that is built or published:
    // fills spec.old_rows, new_rows (and the conflict rule's
    // report_deleted, change_filter); refuses (UserError) a chunk whose
    // old rows are gone.
    virtual void diff_sides(const Job& job, const ChunkRow& chunk, DiffSpec& spec) const = 0;
};

// The implementation of a job's mode (its mode column); throws for a mode
// this build does not know.
const Mode& mode_of(const Job& job);

// The implementation called name (the option "mode" of a job being
// planned); throws for a mode this build does not know.
const Mode& mode_named(const std::string& name);

}  // namespace backfill::pg

// The one writer of job states, chunk states and events (backfill.job's and
// backfill.chunk's state columns, backfill.event). Each state change, in
// the caller's transaction: locks the row it changes, re-reads the state
// there, checks the move against the core's transition table (an internal
// error naming both states otherwise), writes the state, and writes the
// typed event that goes with the change, if any.
//
// Locks. A job change locks the job row FOR UPDATE, as the commands do
// (load_job(name, true)): it waits for a command in flight, and a command
// for it. A chunk change locks the chunk row only (FOR NO KEY UPDATE, the
// lock its UPDATE takes anyway): workers change chunk states while they
// hold locks on partitions, and commands hold the job row while they wait
// for partitions, so a job-row lock there could deadlock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/events.hpp"
#include "core/planner.hpp"
#include "core/publication.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// An event to write: chunk_no when it is about one chunk.
struct EventNote {
    Event event;
    std::string detail;
    std::optional<int> chunk_no = std::nullopt;
};

// Writes an event that goes with no state change.
void log_event(const Job& job, std::optional<int> chunk_no, Event event, const std::string& detail);

// The job's state now, its row locked FOR UPDATE until the transaction
// ends: a caller deciding on it (settle, the launcher) holds it unchanged.
JobState lock_job_state(const Job& job);

// Moves the job to next (started_at set on the first run, finished_at on a
// terminal state and cleared on a run), with the event note, if any.
void change_job_state(const Job& job, JobState next, const std::optional<EventNote>& note);

// The publishing transaction's check, before it locks the parent: the
// job's state read under a share lock on its row, kept to the end of the
// transaction, and what that allows (core publish_gate). A command holding
// the row (pause, cancel, rollback...) is waited for within the try's
// lock_timeout; the row comes before the parent, in the order commands
// take them, so neither ever waits for the other in a cycle.
PublishGate lock_publication_gate(const Job& job, bool manual);

// pending (or running: an orphaned build taken over) -> running: a new
// attempt, counted, its error cleared, no shadow yet.
void start_chunk_attempt(const Job& job, int chunk_no);

// What building a chunk's shadow measured and made.
struct BuildRecord {
    bool passed = true;  // validation said yes (or there was none)
    std::string rows_before, rows_after, build_ms, index_names, build_xid, shadow_oid;
    std::optional<std::string> validation;  // the figures, as jsonb text
    std::string failures;                   // why validation said no
};

// running -> built, or failed (validation said no; the shadow is kept for
// inspection), with the build's figures; event chunk_built or
// chunk_failed.
void record_chunk_build(const Job& job, int chunk_no, const BuildRecord& build,
                        const std::string& detail);

// A failed try -> pending while attempts remain, failed otherwise
// (core state_after_failure); the error recorded, the shadow gone; event
// chunk_retry or chunk_failed. Returns the chunk's new state.
ChunkState record_failed_try(const Job& job, int chunk_no, const std::string& message,
                             bool permanent);

// A build thrown away -> pending, without a shadow; false (and nothing
// written) when the chunk has none to throw away (core build_discardable).
bool discard_chunk_build(const Job& job, int chunk_no);

// pause() cancelled the chunk's build: running -> pending with its attempt
// given back (core attempts_after_pause); event build_aborted either way.
void give_back_attempt(const Job& job, int chunk_no, const std::string& detail);

// retry(): every failed chunk -> pending with its attempts reset and its
// error cleared; returns how many.
int reset_failed_chunks(const Job& job);

// What publishing a chunk swapped.
struct PublishRecord {
    bool retained = false;
    Oid taken_out = InvalidOid;  // the live partition now set aside
    std::string index_names, statistics_names;
    double swap_ms = 0;  // how long its unit held the parent's lock
};

// built -> published: the shadow is the live partition now; event
// chunk_published with detail. The caller holds the chunk's row lock.
void record_chunk_published(const Job& job, int chunk_no, const PublishRecord& record,
                            const std::string& detail);

// What a merge chunk wrote, in the transaction that wrote it.
struct MergeRecord {
    std::int64_t rows_before = 0, rows_inserted = 0, rows_updated = 0, rows_deleted = 0,
                 rows_unchanged = 0;
    std::string build_ms;
    std::optional<std::string> write_xid;  // the xid its written rows carry; none: it wrote nothing
    std::optional<Bound> clamped_upper;    // the watermark cut the range here
    std::optional<std::string> validation;  // the validate figures, as jsonb text
};

// running -> published: a merge chunk's writes are in place; event
// chunk_published with what it wrote.
void record_chunk_merged(const Job& job, int chunk_no, const MergeRecord& record);

// running -> built: a merge chunk's source rows are staged for its unit;
// event chunk_built.
void record_chunk_staged(const Job& job, int chunk_no, std::int64_t rows_staged);

// running -> skipped: the chunk lies wholly at or above the watermark;
// event skipped_above_watermark.
void record_chunk_skipped(const Job& job, int chunk_no, const std::string& detail);

// rollback(): every published chunk -> rolled_back, the retained originals
// live again.
void record_chunks_rolled_back(const Job& job);

// rollback() of a merge job: every published chunk -> rolled_back (its
// rows are back as they were).
void record_merge_chunks_rolled_back(const Job& job);

}  // namespace backfill::pg

// One merge chunk, in one transaction: the watermark, the source's rows
// staged, only the rows that differ written, their old versions kept.
#pragma once

#include <exception>
#include <functional>
#include <string>

#include "core/merge/merge_sql.hpp"
#include "core/planner.hpp"
#include "pg/job_store.hpp"
#include "pg/runner_common.hpp"
#include "pg/state_store.hpp"

namespace backfill::pg {

// A chunk's range as the core's bounds (its upper bound cut at the
// watermark, if that lies inside).
struct Range {
    Bound lower, upper;
};

// Makes the chunk's source rows of range readable and returns the FROM
// item the chunk's statements read them from (a temporary table, or the
// chunk's rows in the job's staging table).
using StageStep = std::function<std::string(const MergeTable& m, const Range& range)>;

// How long a chunk waits for a row another session holds before it is
// retried (a live writer's transaction should be far shorter).
inline constexpr const char* kRowLockWait = "5s";

// The source's rows of the range (source: the chunk's, see
// chunk_source) in a temporary table of this transaction
// (pg_temp.backfill_stage, returned). A security-restricted operation may
// not create one, so the empty table is made before the box (it runs no
// user code); the source fills it inside.
std::string stage_in_temporary_table(const Job& job, const std::string& source, const MergeTable& m,
                                     const Range& range);

// Writes the staged rows of a chunk (m.stage), in the caller's
// subtransaction and the owner's box; what they did. Refuses duplicate
// keys and rows moved across chunks.
MergeRecord apply_staged(const Job& job, const MergeTable& m, int chunk_no, const Range& range);

// The chunk's watermark check, staging, writes, validation and record
// (published, or skipped above the watermark), in the caller's
// transaction; false when skipped.
bool merge_in_place(const Job& job, const MergeTable& m, const ChunkRow& chunk,
                    const StageStep& stage);

// Records what an attempt on the chunk threw (PermanentFailure, UserError
// or PgError): retried or failed; rethrows a user's cancel.
Outcome record_merge_failure(const Job& job, const ChunkRow& chunk, const std::exception& error);

// Merges a claimed chunk (publish each): Published (its writes committed,
// or nothing to write), Retried, Failed; rethrows a user's cancel.
Outcome merge_chunk(const Job& job, const ChunkRow& chunk);

}  // namespace backfill::pg

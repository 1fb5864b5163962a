// Mode merge's part of backfill.rehearse and backfill.diff: a chunk's
// range merged for a rehearsal, and the rows a diff compares.
#pragma once

#include "core/diff_sql.hpp"
#include "core/rehearsal.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Stages the chunk's source rows and writes them like merge_chunk does,
// in the caller's subtransaction (which the caller rolls back), and
// measures the staged rows; the validate rules over the range before and
// after the writes. Nothing is recorded.
RehearsalBuild rehearse_range(const Job& job, const ChunkRow& chunk);

// A published chunk: the old versions the before-image keeps against the
// live rows of the keys it wrote; a built (staged) one: the live rows of
// the range against the staged rows, under the job's conflict rule.
void merge_diff_sides(const Job& job, const ChunkRow& chunk, DiffSpec& spec);

}  // namespace backfill::pg

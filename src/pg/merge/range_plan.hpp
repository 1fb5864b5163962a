// Mode merge's chunks: the job's range of chunk_by cut into consecutive
// ranges of chunk_size.
#pragma once

#include <vector>

#include "core/options.hpp"
#include "core/planner.hpp"
#include "pg/catalog.hpp"

namespace backfill::pg {

// [from, to) of the target's key column (chunk_by) in steps of chunk_size;
// an open end is the column's current min (from) or max + 1 step (to).
// Estimates share the table's row estimate out by width. Refuses an empty
// range, an empty table with an open end, more than kMaxRangeChunks chunks.
std::vector<PlannedChunk> plan_ranges(const TargetInfo& target, const JobOptions& options,
                                      const RangeLimit& from, const RangeLimit& to);

}  // namespace backfill::pg

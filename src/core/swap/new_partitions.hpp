// Partitions that appeared inside a job's range after it was created: they
// are never skipped silently. Each one is reported; with the option
// include_new_partitions those wholly inside the range become chunks too.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/planner.hpp"

namespace backfill {

// A partition of the target that no chunk of the job covers and that the
// job has not reported yet.
struct NewPartition {
    std::size_t partition_index;  // into the partitions vector given
    // Wholly inside the range, finite bounds and not partitioned itself:
    // it can be built like any chunk.
    bool buildable;
};

// The partitions (in key order) that intersect [from, to) and whose bounds
// are neither those of a chunk nor of one already reported (known: lower
// and upper bound pairs). Default partitions are never new.
std::vector<NewPartition> find_new_partitions(const std::vector<PartitionInfo>& partitions,
                                              const RangeLimit& from, const RangeLimit& to,
                                              const std::vector<std::pair<Bound, Bound>>& known);

}  // namespace backfill

// Before a swap job is created: the neighbours of its leaves (and of the
// partitioned partitions above them) checked, and a large default partition
// of a range-keyed top level warned about. What the shape itself refuses
// (a foreign-table leaf...) core/partition_shapes.cpp decides.
#pragma once

#include <vector>

#include "core/planner.hpp"
#include "pg/catalog.hpp"

namespace backfill::pg {

// Refuses what would break a swap of the chunks' partitions (see
// preflight_neighbours); warns about a default partition so large that
// scanning it under the parent's lock at every swap would hurt.
void preflight_swap(const TargetInfo& target, const std::vector<PlannedChunk>& chunks);

}  // namespace backfill::pg

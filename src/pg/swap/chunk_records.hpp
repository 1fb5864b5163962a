// Recording a swap chunk: one partition of the target, with the names its
// shadow and retained original will take.
#pragma once

#include <cstdint>

#include "pg/catalog.hpp"

namespace backfill::pg {

// Records chunk chunk_no of a job for partition p (state pending), after
// checking that the names of its shadow and retained original are free.
// create and the adoption of new partitions share it.
void insert_chunk(std::int64_t job_id, int chunk_no, const PartitionRef& ref,
                  const PartitionInfo& p);

}  // namespace backfill::pg

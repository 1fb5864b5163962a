// Recording a swap chunk: one partition of the target, with the names its
// shadow and retained original will take.
#pragma once

#include <cstdint>

#include "pg/catalog.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Records chunk chunk_no of a job for partition p (state pending), after
// checking that the names of its shadow and retained original are free.
// create and the adoption of new partitions share it.
void insert_chunk(std::int64_t job_id, int chunk_no, const PartitionRef& ref,
                  const PartitionInfo& p);

// A job adopted after a restore: the build xid of a built chunk is another
// cluster's, so it becomes this transaction's (the snapshot wait before
// publishing then waits for every reader older than the adoption).
void restart_snapshot_waits(const Job& job);

}  // namespace backfill::pg

// Partitions created inside a job's range after create are never skipped
// silently: each is recorded (backfill.new_partitions), logged
// (partition_added), announced in a NOTICE and listed by backfill.report;
// with the option include_new_partitions it becomes a chunk of the job.
// The core decides which partitions are new (core/new_partitions.hpp).
#pragma once

#include "pg/job_store.hpp"

namespace backfill::pg {

// Looks for partitions the job does not know yet (locking the job row, so
// runners finishing at once record each one once); returns how many chunks
// it added.
int adopt_new_partitions(const Job& job);

// When a job completes: names the partitions it did not rebuild in a NOTICE
// and in jobs.last_error. Does nothing when there are none.
void announce_skipped_partitions(const Job& job);

}  // namespace backfill::pg

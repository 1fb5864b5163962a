// The after_publish hook: the owner's SQL run after each publication unit
// commits (refresh what depends on the corrected rows, for example).
#pragma once

#include <vector>

#include "pg/job_store.hpp"

namespace backfill::pg {

// Runs the job's after_publish (if any) for the unit of chunk_nos, which
// the caller has just committed, in a transaction of its own, as the owner
// with the job's search_path (the source's box); {range_from} / {range_to}
// become the unit's bounds as quoted literals. A failure is logged
// (hook_failed) and, with on_failure stop, pauses the job; the published
// chunks stay published. Commits.
void run_after_publish(const Job& job, const std::vector<int>& chunk_nos);

}  // namespace backfill::pg

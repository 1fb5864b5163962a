// Background workers: the job workers that run a job as its owner, the
// launcher (with shared_preload_libraries) and the per-database scanner it
// starts to relaunch running jobs that lost their workers.
#pragma once

#include <vector>

#include "pg/job_store.hpp"

namespace backfill::pg {

// Registers up to count job workers for the job; they wait for the calling
// transaction to end before they look at the job. Returns how many could
// be registered (backfill.max_workers and max_worker_processes permitting).
int launch_workers(const Job& job, int count);

// Sessions (workers or foreground runs) working on the job now.
std::vector<int> job_runner_pids(const Job& job);

// Background workers of the job that are building a chunk right now.
std::vector<int> building_worker_pids(const Job& job);

// Once the current transaction commits, sends a cancel to these sessions.
void cancel_sessions_on_commit(const std::vector<int>& pids);

// Registers the launcher; called from _PG_init when preloaded.
void register_launcher();

}  // namespace backfill::pg

// Background job workers: launching them for a job (within the worker
// slots, see worker_slots.hpp), finding them, and the worker's main.
#pragma once

#include <vector>

#include "pg/job_store.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Registers up to count job workers for the job; they wait for the calling
// transaction to end before they look at the job. Returns how many could
// be registered: never more than the job's max_concurrency less its runners
// alive (counting workers registered but not started yet), and within
// backfill.max_workers, backfill.max_workers_per_role and
// max_worker_processes. With probe_only, one worker at most, and only when
// nobody works on the job (it gave its workers back to its throttle).
int launch_workers(const Job& job, int count, bool probe_only = false);

// The parts common to every background worker of backfill.
BackgroundWorker worker_template(const char* function, const char* type);

// Sessions (workers or foreground runs) working on the job now.
std::vector<int> job_runner_pids(const Job& job);

// Background workers of the job that are building a chunk right now.
std::vector<int> building_worker_pids(const Job& job);

// Once the current transaction commits, sends a cancel to these sessions.
void cancel_sessions_on_commit(const std::vector<int>& pids);

}  // namespace backfill::pg

// The table of backfill worker slots in shared memory: one entry per job
// worker, registered or running, with its role, database and job. Every
// launch counts and reserves under one LWLock, so no race can exceed
// backfill.max_workers or backfill.max_workers_per_role, and a worker gives
// its slot back when its process exits, whatever the reason. The table also
// keeps the launcher's pid and which databases lack the extension.
#pragma once

#include <cstdint>
#include <vector>

#include "core/worker_budget.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Called from _PG_init when preloaded: asks for the table's shared memory
// and its LWLock in shmem_request_hook and creates it in shmem_startup_hook.
void request_worker_slots();

// A reserved slot, as the worker that takes it over is told in bgw_extra.
struct SlotClaim {
    int index = -1;
    std::uint64_t generation = 0;
};

// What a launch asks for: the job, its owner, and the budget inputs the
// caller measured (max_workers, max_per_role, max_concurrency, open_chunks,
// probe_only); runner_pids are the sessions holding the job's runner lock.
struct SlotRequest {
    Oid role = InvalidOid;
    std::int64_t job_id = 0;
    WorkerBudgetInput budget;
    std::vector<int> runner_pids;
};

struct SlotGrant {
    WorkerBudget budget;
    std::vector<SlotClaim> claims;
};

// Counts the slots in use (in the cluster, of the role, of the job) and
// reserves the slots worker_budget allows, all under the table's lock.
SlotGrant reserve_worker_slots(const SlotRequest& request);

// Gives back a slot whose worker could not be registered.
void release_worker_slot(const SlotClaim& claim);

// In a starting job worker: takes over the slot reserved for it and gives
// it back when the process exits. False when the reservation expired (the
// worker must stop at once).
bool attach_worker_slot(const SlotClaim& claim);

// Whether this process is a job worker holding a slot.
bool holds_worker_slot();

// The launcher announces itself (and is forgotten when it exits).
void register_launcher_pid();

// Whether a launcher runs that will relaunch a job left without workers.
bool launcher_running();

// What a scanner found out about the extension in its database; workers
// launched in a database say it has the extension.
void note_database(Oid database, bool has_extension);

// Whether the launcher may skip the database: known to lack the extension
// and looked at recently.
bool database_known_without_extension(Oid database);

}  // namespace backfill::pg

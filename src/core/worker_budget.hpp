// How many background workers a job may start now, and when a worker must
// give its slot back: the rules that keep backfill.max_workers a shared
// resource that no role and no job can take over.
#pragma once

#include <cstdint>

namespace backfill {

// What the PostgreSQL layer counted, under the lock of the slot table.
struct WorkerBudgetInput {
    int max_workers = 0;      // backfill.max_workers
    int max_per_role = 0;     // effective backfill.max_workers_per_role
    int used = 0;             // worker slots taken in the whole cluster
    int role_used = 0;        // of those, taken by the job's owner
    int max_concurrency = 1;  // the job's option
    int open_chunks = 0;      // chunks still pending, running or built
    // Sessions working on the job: its worker slots (started or merely
    // registered) plus foreground runs (CALL backfill.run).
    int runners_alive = 0;
    // The job's workers gave their slots back to its throttle: one worker
    // is enough to find out whether it may work again.
    bool probe_only = false;
};

// Which limit stopped the job from getting every worker it wants.
enum class WorkerLimit { None, Concurrency, Cluster, Role };

struct WorkerBudget {
    int count = 0;
    WorkerLimit limited_by = WorkerLimit::None;
};

// The workers to start now: what the job still wants (max_concurrency,
// never more than its open chunks, minus its runners alive), within the
// free slots of the cluster and of its owner's role. limited_by names the
// cluster or role limit when one of them cut the count.
WorkerBudget worker_budget(const WorkerBudgetInput& in);

// The per-role limit in force: setting < 0 (the default) means half of
// max_workers, at least 1; never more than max_workers.
int per_role_limit(int max_workers, int setting);

// A worker held by its throttle this long gives its slot back.
constexpr std::int64_t kGiveBackAfterMs = 5000;

// Whether a worker held by its throttle for held_ms gives its slot back:
// only a background worker holding a slot does, and only when a launcher
// runs that will relaunch the job once it may work again.
bool should_give_back(std::int64_t held_ms, bool holds_slot, bool launcher_running);

// Relaunches in a row, each followed by no progress at all, after which the
// launcher stops relaunching a job (its workers keep dying, e.g. crashing
// the server each time) and pauses it instead.
constexpr int kMaxRelaunchesWithoutProgress = 3;

// Whether the launcher may relaunch a job that was relaunched this many
// times since its last sign of progress.
bool may_relaunch(int relaunches_since_progress);

}  // namespace backfill

#include "core/worker_budget.hpp"

#include <algorithm>

namespace backfill {

WorkerBudget worker_budget(const WorkerBudgetInput& in) {
    int wanted = std::min(in.max_concurrency, in.open_chunks) - in.runners_alive;
    if (in.probe_only)
        wanted = std::min(wanted, in.runners_alive > 0 ? 0 : 1);
    wanted = std::max(0, wanted);
    int cluster_room = std::max(0, in.max_workers - in.used);
    int role_room = std::max(0, in.max_per_role - in.role_used);
    WorkerBudget b;
    b.count = std::min({wanted, cluster_room, role_room});
    if (b.count < wanted)
        b.limited_by = role_room < cluster_room ? WorkerLimit::Role : WorkerLimit::Cluster;
    else if (wanted == 0)
        b.limited_by = WorkerLimit::Concurrency;
    return b;
}

int per_role_limit(int max_workers, int setting) {
    int limit = setting < 0 ? max_workers / 2 : setting;
    return std::clamp(limit, 1, std::max(1, max_workers));
}

bool should_give_back(std::int64_t held_ms, bool holds_slot, bool launcher_running) {
    return holds_slot && launcher_running && held_ms >= kGiveBackAfterMs;
}

bool may_relaunch(int relaunches_since_progress) {
    return relaunches_since_progress < kMaxRelaunchesWithoutProgress;
}

}  // namespace backfill

#include "snapshot_wait.hpp"

#include "duration.hpp"

namespace backfill {

namespace {

// "pid 4242 (since ...)", the backend as both texts name it.
std::string backend_text(int pid, const std::optional<std::string>& since) {
    return "pid " + std::to_string(pid) + (since ? " (since " + *since + ")" : std::string());
}

}  // namespace

// The order matters: an ended wait publishes even if the job was paused a
// moment ago (the publishing transaction checks the job again), and a
// paused job stops before its budget is looked at.
SnapshotWaitStep next_snapshot_wait_step(int older_left, bool job_running, std::int64_t waited_us,
                                         std::int64_t budget_us) {
    if (older_left == 0)
        return SnapshotWaitStep::Publish;
    if (!job_running)
        return SnapshotWaitStep::Stop;
    if (budget_us <= 0)
        return SnapshotWaitStep::Busy;
    if (waited_us >= budget_us)
        return SnapshotWaitStep::TimedOut;
    return SnapshotWaitStep::Wait;
}

// Waiting the whole bound before every chunk would slow the build down to
// one chunk per snapshot_wait while a reader stays idle.
std::int64_t snapshot_wait_budget_us(const JobOptions& options, bool ran_out) {
    return ran_out ? 0 : options.snapshot_wait_us;
}

// The text people read in backfill.progress, so they know whom to ask.
std::string snapshot_wait_reason(int pid, const std::optional<std::string>& since) {
    return "waiting for snapshot of " + backend_text(pid, since);
}

// The log says the chunk was not failed, so nobody retries it by hand.
std::string snapshot_wait_timeout_detail(int pid, const std::optional<std::string>& since,
                                         std::int64_t budget_us) {
    return "waited " + format_duration(budget_us) + " for the snapshot of " +
           backend_text(pid, since) +
           ", older than the build; the chunk stays built and is published once it ends";
}

}  // namespace backfill

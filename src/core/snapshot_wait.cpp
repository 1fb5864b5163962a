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

// A paused job publishes nothing from a runner, but backfill.publish() is
// how a job awaiting publication (paused) publishes at all.
bool may_publish_after_wait(JobState state, bool manual) {
    return state == JobState::Running || (manual && state == JobState::Paused);
}

// The standby's xmin is the oldest xmin of its snapshots: once it follows
// build_xid, every snapshot there and every later one sees the build
// committed. 0 means hot_standby_feedback reported nothing.
bool standby_xmin_holds_build(std::uint32_t standby_xmin, std::uint32_t build_xid) {
    if (standby_xmin == 0)
        return false;
    return static_cast<std::int32_t>(standby_xmin - build_xid) <= 0;
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

// backfill.publish() runs in the caller's transaction and cannot come back
// later by itself: the caller is told why nothing happened and whom to ask.
std::string manual_snapshot_wait_warning(const std::string& job, int pid,
                                         const std::optional<std::string>& since,
                                         std::int64_t budget_us) {
    return "nothing was published: backfill job \"" + job + "\" waited " +
           format_duration(budget_us) + " for the snapshot of " + backend_text(pid, since) +
           ", older than the build";
}

}  // namespace backfill

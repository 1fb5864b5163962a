// Waiting, before a publication, for the transactions whose snapshot is
// older than the build: how long, when to give up, and what to tell people
// meanwhile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/options.hpp"
#include "core/states.hpp"

namespace backfill {

// What a runner waiting for older snapshots does next.
enum class SnapshotWaitStep {
    Publish,   // no older transaction is left: publish
    Stop,      // the job is no longer running: stop waiting, publish nothing
    Wait,      // sleep a little and look again
    TimedOut,  // waited the whole budget in vain: the chunks stay built
    Busy,      // a look without waiting (budget 0) found some: the chunks stay built
};

// The next step, from how many older transactions are left, whether the job
// is still running, how long the runner has waited and how long it may.
SnapshotWaitStep next_snapshot_wait_step(int older_left, bool job_running, std::int64_t waited_us,
                                         std::int64_t budget_us);

// Whether the job may still publish once the wait ends: a runner only
// while the job runs; backfill.publish() also on a paused job (a job
// awaiting publication is paused).
bool may_publish_after_wait(JobState state, bool manual);

// Whether a standby whose hot_standby_feedback reported xmin (0: none) may
// still hold a snapshot in which build_xid is running, i.e. one that would
// see the shadow empty: xmin does not follow build_xid (modulo 2^32).
bool standby_xmin_holds_build(std::uint32_t standby_xmin, std::uint32_t build_xid);

// How long a publication may wait this time: the whole snapshot_wait, or
// only a look (0) once a wait ran out and other chunks are being built, so
// that building goes on; the runner waits the whole bound again once
// nothing is left to build.
std::int64_t snapshot_wait_budget_us(const JobOptions& options, bool ran_out);

// backfill.progress.throttled_by while the runner waits, e.g. "waiting for
// snapshot of pid 4242 (since 2026-05-01 10:00:00+00)"; since is when that
// backend's transaction began, left out when unknown.
std::string snapshot_wait_reason(int pid, const std::optional<std::string>& since);

// The detail of the snapshot_wait_timeout event: who held the publication
// back, for how long, and what happens now.
std::string snapshot_wait_timeout_detail(int pid, const std::optional<std::string>& since,
                                         std::int64_t budget_us);

// The WARNING of a backfill.publish() whose wait ran out: nothing was
// published, who held it back, and what to do.
std::string manual_snapshot_wait_warning(const std::string& job, int pid,
                                         const std::optional<std::string>& since,
                                         std::int64_t budget_us);

}  // namespace backfill

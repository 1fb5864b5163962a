#include "pg/canary_gate.hpp"

#include "core/canary.hpp"
#include "pg/runner_common.hpp"
#include "pg/state_store.hpp"

namespace backfill::pg {

namespace {

// What the canary decisions read: the approval, the chunks published and
// those still to publish.
struct CanaryCount {
    bool approved = false;
    int published = 0, left = 0;
};

CanaryCount count_canary(const Job& job) {
    auto r = control_query(
        "SELECT j.approved_at IS NOT NULL,"
        " (SELECT count(*) FROM backfill.chunk c WHERE c.job_id = j.id"
        "   AND c.state = 'published'),"
        " (SELECT count(*) FROM backfill.chunk c WHERE c.job_id = j.id"
        "   AND c.state IN ('pending', 'running', 'built'))"
        " FROM backfill.job j WHERE j.id = $1::bigint",
        {job_key(job)});
    return CanaryCount{*r[0][0] == "t", std::stoi(*r[0][1]), std::stoi(*r[0][2])};
}

}  // namespace

std::optional<int> lock_canary_room(const Job& job) {
    if (!job.options.canary_chunks)
        return std::nullopt;
    control_query("SELECT 1 FROM backfill.job WHERE id = $1::bigint FOR NO KEY UPDATE",
                  {job_key(job)});
    CanaryCount n = count_canary(job);
    return canary_room(job.options.canary_chunks, n.approved, n.published);
}

void pause_at_canary(const Job& job) {
    if (!job.options.canary_chunks)
        return;
    CanaryCount n = count_canary(job);
    if (!stops_for_approval(job.options.canary_chunks, n.approved, n.published, n.left))
        return;
    JobState now = lock_job_state(job);
    if (now != JobState::Running && now != JobState::Pending)
        return;
    change_job_state(job, JobState::Paused,
                     EventNote{Event::AwaitingApproval,
                               std::to_string(n.published) + " canary chunk(s) published; " +
                                   std::to_string(n.left) + " wait for backfill.approve(name)"});
    notice("backfill job \"" + job.name + "\": the canary of " + std::to_string(n.published) +
           " chunk(s) is published; SELECT backfill.approve(name) lets the job go on");
}

}  // namespace backfill::pg

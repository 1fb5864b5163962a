#include "settlement.hpp"

#include "user_error.hpp"

namespace backfill {

// Counts the states settling looks at, from every chunk's state.
ChunkTally tally_of(const std::vector<ChunkState>& states) {
    ChunkTally t;
    for (ChunkState s : states) {
        t.total++;
        switch (s) {
            case ChunkState::Published:
                t.published++;
                break;
            case ChunkState::Failed:
                t.failed++;
                break;
            case ChunkState::Pending:
            case ChunkState::Running:
                t.unfinished++;
                break;
            case ChunkState::Built:
                t.built++;
                break;
            case ChunkState::Skipped:
                t.skipped++;
                break;
            case ChunkState::RolledBack:
                break;
        }
    }
    return t;
}

// The one rule for how a job ends, so that a runner and backfill.publish()
// cannot disagree on it.
Settlement settle_job(const ChunkTally& tally, PublishMode publish) {
    if (tally.unfinished > 0) {
        return Settlement::NotYet;
    }
    if (tally.built > 0 && tally.failed == 0) {
        return publish == PublishMode::Manual ? Settlement::AwaitPublish : Settlement::NotYet;
    }
    switch (
        settled_state(tally.total, tally.published + tally.skipped, tally.failed + tally.built)) {
        case JobState::Completed:
            return Settlement::Completed;
        case JobState::Failed:
            return Settlement::Failed;
        default:
            return Settlement::NotYet;
    }
}

// The state the state store writes for a settlement.
JobState settled_job_state(Settlement settlement) {
    switch (settlement) {
        case Settlement::AwaitPublish:
            return JobState::Paused;
        case Settlement::Completed:
            return JobState::Completed;
        case Settlement::Failed:
            return JobState::Failed;
        case Settlement::NotYet:
            break;
    }
    throw UserError(ErrorKind::Internal, "a job that has not settled has no settled state");
}

}  // namespace backfill

#include "attempts.hpp"

#include <algorithm>

namespace backfill {

// max_attempts bounds the tries; a permanent failure (the partition went
// away, validation said no) is not worth another.
ChunkState state_after_failure(int attempts, int max_attempts, bool permanent) {
    return permanent || attempts >= max_attempts ? ChunkState::Failed : ChunkState::Pending;
}

// The log says whether the chunk will be tried again.
Event failure_event(ChunkState after) {
    return after == ChunkState::Failed ? Event::ChunkFailed : Event::ChunkRetry;
}

// The job fails with its chunk only where the transition table lets a job
// fail from its state now.
bool failure_stops_job(OnFailure on_failure, JobState job_now) {
    return on_failure == OnFailure::Stop && job_transition_allowed(job_now, JobState::Failed);
}

// The attempt was counted when the build started; pause takes it back.
int attempts_after_pause(int attempts) { return std::max(attempts - 1, 0); }

// A command that stopped the worker decides what happens to its chunk;
// without one, the error is the news.
AfterWorkerError after_worker_error(JobState job_now, bool held_chunk) {
    if (held_chunk && job_now == JobState::Cancelled) {
        return AfterWorkerError::DiscardBuild;
    }
    if (held_chunk && job_now == JobState::Paused) {
        return AfterWorkerError::GiveBackAttempt;
    }
    return AfterWorkerError::LogError;
}

}  // namespace backfill

#include <gtest/gtest.h>

#include "core/attempts.hpp"

namespace backfill {
namespace {

// Retried while attempts remain; a permanent failure is final at once.
TEST(Attempts, StateAfterFailure) {
    EXPECT_EQ(state_after_failure(1, 3, false), ChunkState::Pending);
    EXPECT_EQ(state_after_failure(2, 3, false), ChunkState::Pending);
    EXPECT_EQ(state_after_failure(3, 3, false), ChunkState::Failed);
    EXPECT_EQ(state_after_failure(4, 3, false), ChunkState::Failed);
    EXPECT_EQ(state_after_failure(1, 3, true), ChunkState::Failed);
    // a try that failed before its build began has counted no attempt
    EXPECT_EQ(state_after_failure(0, 1, false), ChunkState::Pending);
}

TEST(Attempts, FailureEvent) {
    EXPECT_EQ(failure_event(ChunkState::Pending), Event::ChunkRetry);
    EXPECT_EQ(failure_event(ChunkState::Failed), Event::ChunkFailed);
}

// on_failure = stop fails the job, unless a command ended it meanwhile.
TEST(Attempts, FailureStopsJob) {
    EXPECT_TRUE(failure_stops_job(OnFailure::Stop, JobState::Running));
    EXPECT_TRUE(failure_stops_job(OnFailure::Stop, JobState::Paused));
    EXPECT_TRUE(failure_stops_job(OnFailure::Stop, JobState::Failed));
    EXPECT_FALSE(failure_stops_job(OnFailure::Stop, JobState::Cancelled));
    EXPECT_FALSE(failure_stops_job(OnFailure::Stop, JobState::RolledBack));
    EXPECT_FALSE(failure_stops_job(OnFailure::Stop, JobState::Completed));
    EXPECT_FALSE(failure_stops_job(OnFailure::Continue, JobState::Running));
}

// A paused build is not an attempt.
TEST(Attempts, PauseGivesTheAttemptBack) {
    EXPECT_EQ(attempts_after_pause(3), 2);
    EXPECT_EQ(attempts_after_pause(1), 0);
    EXPECT_EQ(attempts_after_pause(0), 0);
}

TEST(Attempts, AfterWorkerError) {
    EXPECT_EQ(after_worker_error(JobState::Cancelled, true), AfterWorkerError::DiscardBuild);
    EXPECT_EQ(after_worker_error(JobState::Paused, true), AfterWorkerError::GiveBackAttempt);
    EXPECT_EQ(after_worker_error(JobState::Running, true), AfterWorkerError::LogError);
    EXPECT_EQ(after_worker_error(JobState::Cancelled, false), AfterWorkerError::LogError);
    EXPECT_EQ(after_worker_error(JobState::Paused, false), AfterWorkerError::LogError);
    EXPECT_EQ(after_worker_error(JobState::Failed, true), AfterWorkerError::LogError);
}

}  // namespace
}  // namespace backfill

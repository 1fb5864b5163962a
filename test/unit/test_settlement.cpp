#include <gtest/gtest.h>

#include <vector>

#include "core/settlement.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

using C = ChunkState;

// Each state counts where settling looks for it; rolled back only in total.
TEST(Settlement, Tally) {
    ChunkTally t = tally_of(
        {C::Pending, C::Running, C::Built, C::Built, C::Published, C::Failed, C::RolledBack});
    EXPECT_EQ(t.total, 7);
    EXPECT_EQ(t.unfinished, 2);
    EXPECT_EQ(t.built, 2);
    EXPECT_EQ(t.published, 1);
    EXPECT_EQ(t.failed, 1);
    EXPECT_EQ(tally_of({}).total, 0);
}

Settlement settle(const std::vector<ChunkState>& states, PublishMode mode = PublishMode::Each) {
    return settle_job(tally_of(states), mode);
}

// Someone still builds: not yet, whatever else is there.
TEST(Settlement, NotWhileChunksAreBuilt) {
    EXPECT_EQ(settle({C::Published, C::Pending}), Settlement::NotYet);
    EXPECT_EQ(settle({C::Failed, C::Running}), Settlement::NotYet);
    EXPECT_EQ(settle({C::Built, C::Running}, PublishMode::Manual), Settlement::NotYet);
}

TEST(Settlement, CompletedWhenAllPublished) {
    EXPECT_EQ(settle({C::Published, C::Published}), Settlement::Completed);
    EXPECT_EQ(settle({C::Published}, PublishMode::Manual), Settlement::Completed);
}

// Built chunks without a failure: manual mode pauses for publish(); the
// other modes leave them to the runner publishing them.
TEST(Settlement, BuiltChunksWaitForTheirPublisher) {
    EXPECT_EQ(settle({C::Published, C::Built}, PublishMode::Manual), Settlement::AwaitPublish);
    EXPECT_EQ(settle({C::Built, C::Built}, PublishMode::Manual), Settlement::AwaitPublish);
    EXPECT_EQ(settle({C::Published, C::Built}, PublishMode::Each), Settlement::NotYet);
    EXPECT_EQ(settle({C::Built}, PublishMode::Batch), Settlement::NotYet);
    EXPECT_EQ(settle({C::Built}, PublishMode::End), Settlement::NotYet);
}

// A failure with nothing left to build fails the job, built chunks or not.
TEST(Settlement, FailedWhenAChunkFailed) {
    EXPECT_EQ(settle({C::Published, C::Failed}), Settlement::Failed);
    EXPECT_EQ(settle({C::Built, C::Failed}, PublishMode::Manual), Settlement::Failed);
    EXPECT_EQ(settle({C::Failed}), Settlement::Failed);
}

TEST(Settlement, StateOfEachSettlement) {
    EXPECT_EQ(settled_job_state(Settlement::AwaitPublish), JobState::Paused);
    EXPECT_EQ(settled_job_state(Settlement::Completed), JobState::Completed);
    EXPECT_EQ(settled_job_state(Settlement::Failed), JobState::Failed);
    EXPECT_EQ(expect_user_error([] { settled_job_state(Settlement::NotYet); }).kind(),
              ErrorKind::Internal);
}

}  // namespace
}  // namespace backfill

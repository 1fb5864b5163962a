// Which built chunks are published together under each publish mode.
#include <gtest/gtest.h>

#include "core/publication.hpp"

using namespace backfill;
using S = ChunkState;
using Units = std::vector<std::vector<int>>;

// Each built chunk is a unit of its own.
TEST(ReadyUnits, EachPublishesEveryBuiltChunk) {
    EXPECT_EQ(ready_units(PublishMode::Each, std::nullopt,
                          {S::Published, S::Built, S::Running, S::Built, S::Failed}),
              (Units{{2}, {4}}));
}

// A batch waits for all of its chunks; published ones are left out.
TEST(ReadyUnits, BatchWaitsForTheWholeBatch) {
    std::vector<S> states{S::Built, S::Built, S::Built, S::Built, S::Running, S::Built, S::Built};
    EXPECT_EQ(ready_units(PublishMode::Batch, 3, states), (Units{{1, 2, 3}, {7}}));
    states[4] = S::Built;
    EXPECT_EQ(ready_units(PublishMode::Batch, 3, states), (Units{{1, 2, 3}, {4, 5, 6}, {7}}));
    states = {S::Published, S::Built, S::Built};
    EXPECT_EQ(ready_units(PublishMode::Batch, 3, states), (Units{{2, 3}}));
}

// A failed chunk holds its batch back.
TEST(ReadyUnits, FailedChunkHoldsItsBatch) {
    EXPECT_EQ(ready_units(PublishMode::Batch, 2, {S::Built, S::Failed, S::Built, S::Built}),
              (Units{{3, 4}}));
}

// End publishes everything at once, only when everything is built.
TEST(ReadyUnits, EndWaitsForAll) {
    EXPECT_EQ(ready_units(PublishMode::End, std::nullopt, {S::Built, S::Pending}), Units{});
    EXPECT_EQ(ready_units(PublishMode::End, std::nullopt, {S::Built, S::Built}), (Units{{1, 2}}));
}

// Manual never publishes by itself.
TEST(ReadyUnits, ManualNeverPublishes) {
    EXPECT_EQ(ready_units(PublishMode::Manual, std::nullopt, {S::Built, S::Built}), Units{});
}

// Nothing is published once the job was paused (except by publish(),
// manual), cancelled or rolled back.
TEST(PublishGate, JobStateDecides) {
    using J = JobState;
    EXPECT_EQ(publish_gate(J::Running, false), PublishGate::Publish);
    EXPECT_EQ(publish_gate(J::Pending, false), PublishGate::Publish);
    EXPECT_EQ(publish_gate(J::Paused, false), PublishGate::KeepBuilt);
    EXPECT_EQ(publish_gate(J::Paused, true), PublishGate::Publish);
    EXPECT_EQ(publish_gate(J::Running, true), PublishGate::Publish);
    for (J s : {J::Completed, J::Failed, J::Cancelled, J::RolledBack}) {
        EXPECT_EQ(publish_gate(s, false), PublishGate::Refuse) << to_string(s);
        EXPECT_EQ(publish_gate(s, true), PublishGate::Refuse) << to_string(s);
    }
}

// Publication "each" is decided from the built chunks alone, as ready_units
// would from every state, and manual never; batch and end need every state.
TEST(UnitsOfBuilt, EachOnlyFromBuiltChunks) {
    EXPECT_EQ(units_of_built(PublishMode::Each, {2, 5}), (Units{{2}, {5}}));
    EXPECT_EQ(*units_of_built(PublishMode::Each, {2, 5}),
              ready_units(PublishMode::Each, std::nullopt,
                          {S::Published, S::Built, S::Pending, S::Running, S::Built}));
    EXPECT_EQ(units_of_built(PublishMode::Batch, {1}), std::nullopt);
    EXPECT_EQ(units_of_built(PublishMode::End, {1}), std::nullopt);
    EXPECT_EQ(units_of_built(PublishMode::Manual, {1}), Units{});
}

#include <gtest/gtest.h>

#include "core/claim_miss.hpp"

namespace backfill {
namespace {

// Only chunks being built by other runners are left: the runner leaves.
TEST(ClaimMiss, LeavesWhenNothingIsFree) {
    EXPECT_FALSE(after_claim_miss(0, 1).again);
    EXPECT_FALSE(after_claim_miss(0, 50).again);
}

// A free chunk the claim did not get (row-locked by a concurrent claim):
// the runner claims again, however many misses came before.
TEST(ClaimMiss, ClaimsAgainWhileAChunkIsFree) {
    EXPECT_TRUE(after_claim_miss(1, 1).again);
    EXPECT_TRUE(after_claim_miss(16, 1).again);
    EXPECT_TRUE(after_claim_miss(1, 1000).again);
}

// The first retry comes soon; later ones back off, doubling, to a cap.
TEST(ClaimMiss, PauseDoublesUpToACap) {
    EXPECT_EQ(after_claim_miss(3, 1).pause_ms, 5);
    EXPECT_EQ(after_claim_miss(3, 2).pause_ms, 10);
    EXPECT_EQ(after_claim_miss(3, 3).pause_ms, 20);
    EXPECT_EQ(after_claim_miss(3, 7).pause_ms, 250);
    EXPECT_EQ(after_claim_miss(3, 1000000).pause_ms, 250);
}

}  // namespace
}  // namespace backfill

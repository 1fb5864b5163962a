#include "core/canary.hpp"

#include <gtest/gtest.h>

namespace backfill {
namespace {

TEST(Canary, RoomCountsDownToZero) {
    EXPECT_EQ(canary_room(3, false, 0), 3);
    EXPECT_EQ(canary_room(3, false, 2), 1);
    EXPECT_EQ(canary_room(3, false, 3), 0);
    EXPECT_EQ(canary_room(3, false, 5), 0);
}

TEST(Canary, NoLimitWithoutCanaryOrOnceApproved) {
    EXPECT_FALSE(canary_room(std::nullopt, false, 7).has_value());
    EXPECT_FALSE(canary_room(3, true, 3).has_value());
}

// The job stops only when the canary is complete and something is left.
TEST(Canary, StopsForApproval) {
    EXPECT_TRUE(stops_for_approval(2, false, 2, 4));
    EXPECT_FALSE(stops_for_approval(2, false, 1, 5));
    EXPECT_FALSE(stops_for_approval(2, false, 2, 0));
    EXPECT_FALSE(stops_for_approval(2, true, 2, 4));
    EXPECT_FALSE(stops_for_approval(std::nullopt, false, 2, 4));
}

}  // namespace
}  // namespace backfill

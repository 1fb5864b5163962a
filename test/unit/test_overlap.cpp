#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/overlap.hpp"

namespace backfill {
namespace {

// Days since 1970: 2024-01-01 is 19723.
KeySpan day(int n) {
    return KeySpan{"public.events_" + std::to_string(n), std::to_string(19722 + n),
                   std::to_string(19723 + n)};
}

OtherJobChunk other(const std::string& name, JobState state, const KeySpan& span,
                    bool same_owner = true) {
    return OtherJobChunk{name, "alice", same_owner, state, false, span};
}

// Only jobs that are not completed, cancelled or rolled back hold their
// partitions; a failed one can still be retried, unless it was purged.
TEST(Overlap, StatesThatHoldPartitions) {
    EXPECT_TRUE(holds_partitions(JobState::Pending, false));
    EXPECT_TRUE(holds_partitions(JobState::Running, false));
    EXPECT_TRUE(holds_partitions(JobState::Paused, false));
    EXPECT_TRUE(holds_partitions(JobState::Failed, false));
    EXPECT_FALSE(holds_partitions(JobState::Completed, false));
    EXPECT_FALSE(holds_partitions(JobState::Cancelled, false));
    EXPECT_FALSE(holds_partitions(JobState::RolledBack, false));
    EXPECT_FALSE(holds_partitions(JobState::Failed, true));
}

// A shared partition is an overlap; neighbours that only touch are not.
TEST(Overlap, SharedPartitionOnly) {
    std::vector<KeySpan> mine = {day(3), day(4)};
    EXPECT_FALSE(find_overlap(
        mine, {other("a", JobState::Running, day(2)), other("b", JobState::Pending, day(5))}));
    auto found = find_overlap(
        mine, {other("a", JobState::Running, day(2)), other("b", JobState::Paused, day(4))});
    ASSERT_TRUE(found);
    EXPECT_EQ(found->job_name, "b");
    EXPECT_EQ(found->span.partition, "public.events_4");
}

// A partition that was re-cut wider still overlaps by its keys.
TEST(Overlap, ComparesKeysNotNames) {
    KeySpan wide{"public.events_wide", "19725", "19730"};
    EXPECT_TRUE(find_overlap({day(4)}, {other("a", JobState::Failed, wide)}));
    KeySpan big{"p", "99999999999999999999", "100000000000000000000"};
    EXPECT_FALSE(find_overlap({day(4)}, {other("a", JobState::Running, big)}));
}

// Finished jobs do not stand in the way.
TEST(Overlap, FinishedJobsIgnored) {
    EXPECT_FALSE(find_overlap(
        {day(1)}, {other("a", JobState::Completed, day(1)), other("b", JobState::Cancelled, day(1)),
                   other("c", JobState::RolledBack, day(1))}));
}

// The caller's own job is named; another role's job only by its owner.
TEST(Overlap, RefusalNamesJobOrOwner) {
    UserError own = overlap_refusal(other("fix", JobState::Running, day(1)), "public.events");
    EXPECT_EQ(own.kind(), ErrorKind::WrongState);
    EXPECT_STREQ(own.what(),
                 "partition public.events_1 of public.events is covered by backfill job \"fix\" "
                 "(state running)");
    EXPECT_EQ(own.hint(),
              "Two jobs rebuilding the same partition would publish over each other. Wait until "
              "that job completes, or cancel or roll back it first; or choose a range that "
              "leaves the partition out.");
    UserError theirs =
        overlap_refusal(other("secret", JobState::Pending, day(1), false), "public.events");
    EXPECT_STREQ(theirs.what(),
                 "partition public.events_1 of public.events is covered by a backfill job of "
                 "role alice (state pending)");
    EXPECT_EQ(theirs.hint(),
              "Two jobs rebuilding the same partition would publish over each other. Ask role "
              "alice to let its job complete, or to cancel or roll back it first; or choose a "
              "range that leaves the partition out.");
    EXPECT_EQ(theirs.hint().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace backfill

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/swap/new_partitions.hpp"

namespace backfill {
namespace {

// Day n of January 2024 as a bound (days since 1970).
Bound jan(int n) {
    return Bound{BoundKind::Finite, std::to_string(19722 + n), "2024-01-" + std::to_string(n)};
}

PartitionInfo part(const std::string& name, const Bound& lower, const Bound& upper) {
    PartitionInfo p;
    p.qualified_name = name;
    p.lower = lower;
    p.upper = upper;
    return p;
}

std::pair<Bound, Bound> known(int from, int to) { return {jan(from), jan(to)}; }

RangeLimit at(const Bound& b) { return RangeLimit{true, b}; }

// Names of the new partitions, "!" marking those that cannot be built.
std::vector<std::string> names(const std::vector<PartitionInfo>& parts,
                               const std::vector<NewPartition>& found) {
    std::vector<std::string> out;
    for (const auto& n : found)
        out.push_back(parts[n.partition_index].qualified_name + (n.buildable ? "" : "!"));
    return out;
}

// The job covers days 1-3 of [1, 10); day 5 was created later, day 12 is
// outside the range, and day 2 is known.
TEST(NewPartitions, FindsOnlyUnknownInRange) {
    std::vector<PartitionInfo> parts = {part("d5", jan(5), jan(6)), part("d1", jan(1), jan(2)),
                                        part("d12", jan(12), jan(13)), part("d2", jan(2), jan(3)),
                                        part("d4", jan(4), jan(5))};
    auto found = find_new_partitions(parts, at(jan(1)), at(jan(10)),
                                     {known(1, 2), known(2, 3), known(3, 4)});
    EXPECT_EQ(names(parts, found), (std::vector<std::string>{"d4", "d5"}));
}

// A partition that sticks out of the range is reported but not built;
// default partitions are never new.
TEST(NewPartitions, StraddlingAndDefault) {
    PartitionInfo def;
    def.qualified_name = "dflt";
    def.is_default = true;
    std::vector<PartitionInfo> parts = {part("wide", jan(8), jan(12)), def};
    auto found = find_new_partitions(parts, at(jan(1)), at(jan(10)), {});
    EXPECT_EQ(names(parts, found), (std::vector<std::string>{"wide!"}));
}

// A partition whose bounds changed is new under its new bounds.
TEST(NewPartitions, RecutPartitionIsNew) {
    std::vector<PartitionInfo> parts = {part("d1", jan(1), jan(3))};
    auto found = find_new_partitions(parts, at(jan(1)), at(jan(10)), {known(1, 2)});
    EXPECT_EQ(names(parts, found), (std::vector<std::string>{"d1"}));
}

// An open range covers everything; MAXVALUE and sub-partitioned partitions
// are reported, never built.
TEST(NewPartitions, OpenRangeAndUnbuildable) {
    PartitionInfo tail = part("tail", jan(20), Bound{BoundKind::MaxValue, "", ""});
    PartitionInfo sub = part("sub", jan(10), jan(11));
    sub.is_partitioned = true;
    std::vector<PartitionInfo> parts = {tail, sub, part("d9", jan(9), jan(10))};
    auto found = find_new_partitions(parts, RangeLimit{}, RangeLimit{}, {});
    EXPECT_EQ(names(parts, found), (std::vector<std::string>{"d9", "sub!", "tail!"}));
    // once reported, an unbounded one is known like any other
    found = find_new_partitions(parts, RangeLimit{}, RangeLimit{}, {{jan(20), tail.upper}});
    EXPECT_EQ(names(parts, found), (std::vector<std::string>{"d9", "sub!"}));
}

}  // namespace
}  // namespace backfill

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/partition_shapes.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

Bound finite(const std::string& sort_key, const std::string& text) {
    return Bound{BoundKind::Finite, sort_key, text};
}
const Bound kJan = finite("19723", "2024-01-01");
const Bound kFeb = finite("19754", "2024-02-01");
const Bound kMar = finite("19783", "2024-03-01");

// A top-level partition of a range-keyed target.
PartitionInfo month(const std::string& name, const Bound& lower, const Bound& upper) {
    PartitionInfo p;
    p.qualified_name = name;
    p.lower = lower;
    p.upper = upper;
    p.is_partitioned = true;
    return p;
}

// A leaf under the given partitioned partitions (top level first).
LeafInfo leaf(const std::string& name, std::vector<std::string> above = {}, std::size_t top = 0) {
    LeafInfo l;
    l.qualified = name;
    l.above = std::move(above);
    l.top_partition = top;
    return l;
}

// RANGE by month over LIST by region: January and February, each with eu,
// us and a default; and the top level's default.
std::vector<PartitionInfo> months() {
    return {month("public.t_01", kJan, kFeb), month("public.t_02", kFeb, kMar)};
}
std::vector<LeafInfo> month_regions() {
    std::vector<LeafInfo> out;
    for (std::size_t m = 0; m < 2; ++m) {
        const std::string parent = m == 0 ? "public.t_01" : "public.t_02";
        out.push_back(leaf(parent + "_us", {parent}, m));
        out.push_back(leaf(parent + "_eu", {parent}, m));
        LeafInfo d = leaf(parent + "_other", {parent}, m);
        d.is_default = true;
        out.push_back(d);
    }
    LeafInfo top_default = leaf("public.t_default");
    top_default.is_default = true;
    top_default.under_top_default = true;
    out.push_back(top_default);
    return out;
}

// The chosen leaves' names in chunk order, checking the numbering.
std::vector<std::string> names(const std::vector<PlannedChunk>& chunks) {
    std::vector<std::string> out;
    for (const PlannedChunk& c : chunks) {
        EXPECT_EQ(c.chunk_no, static_cast<int>(out.size()) + 1);
        out.push_back(c.name);
    }
    return out;
}

ShapeChoice ranged() {
    ShapeChoice c;
    c.range_keyed = true;
    return c;
}

// Range-keyed: leaves in key order of their month, by name within it, each
// with its month's bounds; defaults only with include_default.
TEST(PartitionShapes, RangeOverListInKeyOrder) {
    auto chunks = plan_leaf_chunks(months(), month_regions(), ranged(), "public.t");
    EXPECT_EQ(names(chunks), (std::vector<std::string>{"public.t_01_eu", "public.t_01_us",
                                                       "public.t_02_eu", "public.t_02_us"}));
    EXPECT_EQ(chunks[2].lower.text, "2024-02-01");
    EXPECT_EQ(chunks[2].upper.text, "2024-03-01");
    ShapeChoice c = ranged();
    c.include_default = true;
    c.from = RangeLimit{true, kFeb};
    EXPECT_EQ(names(plan_leaf_chunks(months(), month_regions(), c, "public.t")),
              (std::vector<std::string>{"public.t_02_eu", "public.t_02_other", "public.t_02_us"}));
}

// The top level's default has no bounds for $1 and $2: refused when chosen,
// left out when a range is given.
TEST(PartitionShapes, TopDefaultOfARangeKeyRefused) {
    ShapeChoice c = ranged();
    c.include_default = true;
    UserError e =
        expect_user_error([&]() { plan_leaf_chunks(months(), month_regions(), c, "public.t"); });
    EXPECT_EQ(e.kind(), ErrorKind::FeatureNotSupported);
    EXPECT_STREQ(e.what(),
                 "partition public.t_default lies in the default partition of the top level, "
                 "which has no bounds to give $1 and $2");
    c.to = RangeLimit{true, kMar};
    EXPECT_EQ(plan_leaf_chunks(months(), month_regions(), c, "public.t").size(), 6u);
}

// Option partitions: leaves and partitioned partitions, together with a
// range (both apply); a name that is no partition is refused.
TEST(PartitionShapes, PartitionsOptionChoosesLeavesAndSubtrees) {
    ShapeChoice c = ranged();
    c.partitions = {"public.t_01", "public.t_02_eu"};
    EXPECT_EQ(names(plan_leaf_chunks(months(), month_regions(), c, "public.t")),
              (std::vector<std::string>{"public.t_01_eu", "public.t_01_us", "public.t_02_eu"}));
    c.from = RangeLimit{true, kFeb};
    EXPECT_EQ(names(plan_leaf_chunks(months(), month_regions(), c, "public.t")),
              (std::vector<std::string>{"public.t_02_eu"}));
    c.partitions = {"public.nope"};
    UserError e =
        expect_user_error([&]() { plan_leaf_chunks(months(), month_regions(), c, "public.t"); });
    EXPECT_STREQ(e.what(),
                 "option \"partitions\": public.nope is not a partition of table public.t");
}

// A default partition named on its own needs include_default.
TEST(PartitionShapes, NamedDefaultNeedsIncludeDefault) {
    ShapeChoice c = ranged();
    c.partitions = {"public.t_01_other"};
    UserError e =
        expect_user_error([&]() { plan_leaf_chunks(months(), month_regions(), c, "public.t"); });
    EXPECT_EQ(e.hint(), "Set option include_default to true to rebuild default partitions.");
    c.include_default = true;
    EXPECT_EQ(names(plan_leaf_chunks(months(), month_regions(), c, "public.t")),
              (std::vector<std::string>{"public.t_01_other"}));
}

// LIST, HASH, several columns: no bounds, no range; leaves by name.
TEST(PartitionShapes, TargetWithoutBounds) {
    std::vector<LeafInfo> leaves = {leaf("public.h_3"), leaf("public.h_1"), leaf("public.h_0")};
    ShapeChoice c;
    auto chunks = plan_leaf_chunks({}, leaves, c, "public.h");
    EXPECT_EQ(names(chunks), (std::vector<std::string>{"public.h_0", "public.h_1", "public.h_3"}));
    EXPECT_EQ(chunks[0].partition_index, 2u);
    EXPECT_EQ(chunks[0].lower.kind, BoundKind::MinValue);
    EXPECT_EQ(chunks[0].upper.kind, BoundKind::MaxValue);
    c.to = RangeLimit{true, kFeb};
    UserError e = expect_user_error([&]() { plan_leaf_chunks({}, leaves, c, "public.h"); });
    EXPECT_STREQ(e.what(), "range_from and range_to must be NULL for table public.h");
}

// A chosen foreign table is refused; one left out is not.
TEST(PartitionShapes, ForeignLeafRefusedWhenChosen) {
    std::vector<LeafInfo> leaves = {leaf("public.l_eu"), leaf("public.l_remote")};
    leaves[1].is_foreign = true;
    ShapeChoice c;
    UserError e = expect_user_error([&]() { plan_leaf_chunks({}, leaves, c, "public.l"); });
    EXPECT_EQ(e.kind(), ErrorKind::FeatureNotSupported);
    EXPECT_STREQ(e.what(), "partition public.l_remote is a foreign table");
    c.partitions = {"public.l_eu"};
    EXPECT_EQ(plan_leaf_chunks({}, leaves, c, "public.l").size(), 1u);
}

// Nothing chosen is refused.
TEST(PartitionShapes, NothingChosenRefused) {
    std::vector<LeafInfo> leaves = {leaf("public.l_other")};
    leaves[0].is_default = true;
    UserError e = expect_user_error([&]() { plan_leaf_chunks({}, leaves, {}, "public.l"); });
    EXPECT_STREQ(e.what(), "no partition of table public.l is chosen");
}

// Unbounded chunks sort below and above every stored key.
TEST(PartitionShapes, StoredSortKeys) {
    EXPECT_EQ(stored_sort_key(kJan), "19723");
    EXPECT_LT(compare_decimal(stored_sort_key(Bound{BoundKind::MinValue, "", ""}),
                              "-100000000000000000000"),
              0);
    EXPECT_GT(compare_decimal(stored_sort_key(Bound{BoundKind::MaxValue, "", ""}),
                              "99999999999999999999"),
              0);
}

// The options that chose the chunks cannot change after create.
TEST(PartitionShapes, ShapeOptionsFixedAfterCreate) {
    JobOptions before;
    JobOptions after;
    EXPECT_FALSE(shape_option_change_refusal(before, after));
    after.include_default = true;
    EXPECT_TRUE(shape_option_change_refusal(before, after));
    after = before;
    after.partitions = {"public.t_01"};
    EXPECT_TRUE(shape_option_change_refusal(before, after));
}

}  // namespace
}  // namespace backfill

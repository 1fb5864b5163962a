#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/planner.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

// Bounds as the PostgreSQL layer gives them: dates as days since 1970.
Bound finite(const std::string& sort_key, const std::string& text) {
    return Bound{BoundKind::Finite, sort_key, text};
}
const Bound kMin{BoundKind::MinValue, "", ""};
const Bound kMax{BoundKind::MaxValue, "", ""};

const Bound kJan = finite("19723", "2024-01-01");
const Bound kFeb = finite("19754", "2024-02-01");
const Bound kMar = finite("19783", "2024-03-01");
const Bound kApr = finite("19814", "2024-04-01");
const Bound kMay = finite("19844", "2024-05-01");
const Bound kJun = finite("19875", "2024-06-01");
const Bound kJul = finite("19905", "2024-07-01");

// A leaf partition with the given bounds.
PartitionInfo part(const std::string& name, const Bound& lower, const Bound& upper) {
    PartitionInfo p;
    p.qualified_name = name;
    p.lower = lower;
    p.upper = upper;
    return p;
}

// A default partition, which has no bounds.
PartitionInfo default_part(const std::string& name) {
    PartitionInfo p;
    p.qualified_name = name;
    p.is_default = true;
    return p;
}

// A given range end, and an open one.
RangeLimit at(const Bound& b) { return RangeLimit{true, b}; }
const RangeLimit kOpen{};

// events, monthly from January to June 2024.
std::vector<PartitionInfo> monthly() {
    return {part("public.events_2024_01", kJan, kFeb), part("public.events_2024_02", kFeb, kMar),
            part("public.events_2024_03", kMar, kApr), part("public.events_2024_04", kApr, kMay),
            part("public.events_2024_05", kMay, kJun), part("public.events_2024_06", kJun, kJul)};
}

// The planned partitions' names, in chunk order, checking the numbering.
std::vector<std::string> planned(const std::vector<PartitionInfo>& parts, const RangeLimit& from,
                                 const RangeLimit& to) {
    std::vector<std::string> names;
    for (const PlannedChunk& c : plan_chunks(parts, from, to, "public.events")) {
        EXPECT_EQ(c.chunk_no, static_cast<int>(names.size()) + 1);
        names.push_back(parts.at(c.partition_index).qualified_name);
    }
    return names;
}

// The refusal plan_chunks gives for a range.
UserError refused(const std::vector<PartitionInfo>& parts, const RangeLimit& from,
                  const RangeLimit& to) {
    return expect_user_error([&] { plan_chunks(parts, from, to, "public.events"); });
}

// Decimal text compares as numbers of any size.
TEST(CompareDecimal, OrdersNumerically) {
    EXPECT_EQ(compare_decimal("1", "2"), -1);
    EXPECT_EQ(compare_decimal("2", "1"), 1);
    EXPECT_EQ(compare_decimal("10", "9"), 1);
    EXPECT_EQ(compare_decimal("-1", "-2"), 1);
    EXPECT_EQ(compare_decimal("-10", "2"), -1);
    EXPECT_EQ(compare_decimal("-0", "0"), 0);
    EXPECT_EQ(compare_decimal("0.50", "0.5"), 0);
    EXPECT_EQ(compare_decimal("007", "7"), 0);
    EXPECT_EQ(compare_decimal(".5", "0.5"), 0);
    EXPECT_EQ(compare_decimal("-0.001", "0"), -1);
    EXPECT_EQ(compare_decimal("1.0001", "1.001"), -1);
    EXPECT_EQ(compare_decimal("-1.0001", "-1.001"), 1);
    EXPECT_EQ(compare_decimal("999.999", "1000"), -1);
    EXPECT_EQ(compare_decimal("1714521600.25", "1714521600.250001"), -1);
    EXPECT_EQ(compare_decimal("123456789012345678901234567890", "123456789012345678901234567891"),
              -1);
}

// A malformed sort key is a bug in the layer that made it.
TEST(CompareDecimal, RefusesMalformedKeys) {
    for (const char* bad : {"", "-", ".", "abc", "1e5", "1.2.3", "+1", " 1", "1-"}) {
        UserError e = expect_user_error([&] { compare_decimal(bad, "0"); });
        EXPECT_EQ(e.kind(), ErrorKind::Internal) << bad;
        EXPECT_EQ(std::string(e.what()), std::string("invalid partition sort key \"") + bad + "\"");
    }
}

// The partitions that lie wholly in the range are the chunks.
TEST(PlanChunks, PartitionsInRange) {
    EXPECT_EQ(planned(monthly(), at(kFeb), at(kApr)),
              (std::vector<std::string>{"public.events_2024_02", "public.events_2024_03"}));
    EXPECT_EQ(planned(monthly(), at(kJan), at(kFeb)),
              (std::vector<std::string>{"public.events_2024_01"}));
}

// An open end reaches the first or last partition.
TEST(PlanChunks, OpenEnds) {
    EXPECT_EQ(planned(monthly(), kOpen, kOpen).size(), 6u);
    EXPECT_EQ(planned(monthly(), kOpen, at(kMar)),
              (std::vector<std::string>{"public.events_2024_01", "public.events_2024_02"}));
    EXPECT_EQ(planned(monthly(), at(kMay), kOpen),
              (std::vector<std::string>{"public.events_2024_05", "public.events_2024_06"}));
}

// A range that reaches past the partitions takes just the partitions.
TEST(PlanChunks, RangeWiderThanPartitions) {
    EXPECT_EQ(
        planned(monthly(), at(finite("0", "1970-01-01")), at(finite("20089", "2025-01-01"))).size(),
        6u);
}

// range_from inside a partition names it, its bounds, and where to start.
TEST(PlanChunks, RangeFromCutsThroughPartition) {
    UserError e = refused(monthly(), at(finite("19737", "2024-01-15")), at(kMar));
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "range_from 2024-01-15 cuts through partition public.events_2024_01 (FROM "
                 "2024-01-01 TO 2024-02-01)");
    EXPECT_EQ(e.hint(), "Start the range at a partition bound, such as 2024-01-01 or 2024-02-01.");
}

// range_to inside a partition names it, its bounds, and where to end.
TEST(PlanChunks, RangeToCutsThroughPartition) {
    UserError e = refused(monthly(), at(kFeb), at(finite("19792", "2024-03-10")));
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "range_to 2024-03-10 cuts through partition public.events_2024_03 (FROM "
                 "2024-03-01 TO 2024-04-01)");
    EXPECT_EQ(e.hint(), "End the range at a partition bound, such as 2024-03-01 or 2024-04-01.");
}

// Both ends inside one partition: range_from is reported first.
TEST(PlanChunks, BothEndsInsideOnePartition) {
    EXPECT_STREQ(
        refused(monthly(), at(finite("19737", "2024-01-15")), at(finite("19740", "2024-01-18")))
            .what(),
        "range_from 2024-01-15 cuts through partition public.events_2024_01 (FROM "
        "2024-01-01 TO 2024-02-01)");
}

// A default partition is never a chunk and never blocks a plan.
TEST(PlanChunks, DefaultPartitionSkipped) {
    std::vector<PartitionInfo> parts = monthly();
    parts.insert(parts.begin() + 2, default_part("public.events_default"));
    const std::vector<std::string> names = planned(parts, kOpen, kOpen);
    EXPECT_EQ(names.size(), 6u);
    EXPECT_EQ(names.front(), "public.events_2024_01");
    EXPECT_EQ(names.back(), "public.events_2024_06");
}

// A partition with partitions of its own lies in range like any other (its
// leaves become the chunks).
TEST(PlanChunks, SubPartitionedInRange) {
    std::vector<PartitionInfo> parts = monthly();
    parts[1].is_partitioned = true;
    EXPECT_EQ(planned(parts, kOpen, kOpen).size(), parts.size());
}

// MINVALUE and MAXVALUE partitions cannot be rebuilt; the hint says how to
// leave them out.
TEST(PlanChunks, UnboundedRefused) {
    std::vector<PartitionInfo> parts = monthly();
    parts.push_back(part("public.events_old", kMin, kJan));
    parts.push_back(part("public.events_new", kJul, kMax));

    UserError low = refused(parts, kOpen, at(kMar));
    EXPECT_EQ(low.kind(), ErrorKind::FeatureNotSupported);
    EXPECT_STREQ(low.what(),
                 "partition public.events_old has a MINVALUE bound and cannot be rebuilt");
    EXPECT_EQ(low.hint(),
              "Narrow the range to start at or after 2024-01-01 so that it leaves this partition "
              "out.");

    UserError high = refused(parts, at(kJan), kOpen);
    EXPECT_STREQ(high.what(),
                 "partition public.events_new has a MAXVALUE bound and cannot be rebuilt");
    EXPECT_EQ(high.hint(),
              "Narrow the range to end at or before 2024-07-01 so that it leaves this partition "
              "out.");

    EXPECT_EQ(planned(parts, at(kJan), at(kJul)).size(), 6u);
}

// A given end inside a MINVALUE partition is a cut, with the finite bound
// as the suggestion.
TEST(PlanChunks, CutThroughUnboundedPartition) {
    std::vector<PartitionInfo> parts = monthly();
    parts.push_back(part("public.events_old", kMin, kJan));
    UserError e = refused(parts, at(finite("19509", "2023-06-01")), at(kMar));
    EXPECT_STREQ(e.what(),
                 "range_from 2023-06-01 cuts through partition public.events_old (FROM MINVALUE "
                 "TO 2024-01-01)");
    EXPECT_EQ(e.hint(), "Start the range at a partition bound, such as 2024-01-01.");
}

// A partition over every key can never be left out.
TEST(PlanChunks, PartitionOverEveryKey) {
    std::vector<PartitionInfo> parts = {part("public.events_all", kMin, kMax)};
    for (const UserError& e : {refused(parts, kOpen, kOpen), refused(parts, at(kJan), at(kFeb))}) {
        EXPECT_EQ(e.kind(), ErrorKind::FeatureNotSupported);
        EXPECT_STREQ(e.what(),
                     "partition public.events_all has MINVALUE and MAXVALUE bounds and cannot be "
                     "rebuilt");
        EXPECT_EQ(e.hint(), "It holds every key, so no range can leave it out.");
    }
}

// A range that misses every partition says where the partitions are.
TEST(PlanChunks, NoPartitionInRange) {
    UserError e =
        refused(monthly(), at(finite("20089", "2025-01-01")), at(finite("20454", "2026-01-01")));
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "no partition of public.events lies in [2025-01-01, 2026-01-01)");
    EXPECT_EQ(e.hint(), "Its partitions cover keys from 2024-01-01 to 2024-07-01.");

    std::vector<PartitionInfo> gap = {part("public.events_2024_01", kJan, kFeb),
                                      part("public.events_2024_06", kJun, kJul)};
    EXPECT_STREQ(refused(gap, at(kFeb), at(kJun)).what(),
                 "no partition of public.events lies in [2024-02-01, 2024-06-01)");
    EXPECT_STREQ(refused(gap, kOpen, at(kJan)).what(),
                 "no partition of public.events lies in [-infinity, 2024-01-01)");
    EXPECT_STREQ(refused(gap, at(kJul), kOpen).what(),
                 "no partition of public.events lies in [2024-07-01, infinity)");
}

// A table without partitions, or with only a default, has nothing to plan.
TEST(PlanChunks, NoPartitionsAtAll) {
    UserError none = refused({}, kOpen, kOpen);
    EXPECT_STREQ(none.what(), "no partition of public.events lies in [-infinity, infinity)");
    EXPECT_EQ(none.hint(), "public.events has no partitions.");
    UserError only_default = refused({default_part("public.events_default")}, kOpen, kOpen);
    EXPECT_EQ(only_default.hint(), "public.events has no partitions but a default.");
}

// range_from must be strictly before range_to.
TEST(PlanChunks, EmptyRange) {
    for (const UserError& e :
         {refused(monthly(), at(kMar), at(kMar)), refused(monthly(), at(kApr), at(kFeb))}) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
        EXPECT_STREQ(e.what(), "range_from must be less than range_to");
    }
    EXPECT_EQ(refused(monthly(), at(kMar), at(kMar)).hint(),
              "The range [2024-03-01, 2024-03-01) is empty: range_from is inclusive, range_to "
              "exclusive.");
}

// Partitions arrive in catalog order; chunks come out in key order and
// point back at the input positions.
TEST(PlanChunks, UnorderedInputSorted) {
    std::vector<PartitionInfo> parts = {part("p_apr", kApr, kMay), part("p_jan", kJan, kFeb),
                                        default_part("p_default"), part("p_mar", kMar, kApr),
                                        part("p_feb", kFeb, kMar)};
    const std::vector<PlannedChunk> chunks = plan_chunks(parts, kOpen, kOpen, "t");
    ASSERT_EQ(chunks.size(), 4u);
    const std::size_t expected_index[] = {1, 4, 3, 0};
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(chunks[i].chunk_no, i + 1);
        EXPECT_EQ(chunks[i].partition_index, expected_index[i]);
    }
}

// numeric keys with signs and decimals order as numbers, not as text.
TEST(PlanChunks, NumericKeys) {
    std::vector<PartitionInfo> parts = {
        part("n_3", finite("0", "0"), finite("2.25", "2.25")),
        part("n_1", finite("-10.5", "-10.5"), finite("-2", "-2")),
        part("n_4", finite("2.25", "2.25"), finite("100", "100")),
        part("n_2", finite("-2", "-2"), finite("0", "0")),
    };
    EXPECT_EQ(planned(parts, kOpen, kOpen), (std::vector<std::string>{"n_1", "n_2", "n_3", "n_4"}));
    EXPECT_EQ(planned(parts, at(finite("-2.0", "-2.0")), at(finite("2.250", "2.250"))),
              (std::vector<std::string>{"n_2", "n_3"}));
    EXPECT_STREQ(refused(parts, at(finite("-1", "-1")), kOpen).what(),
                 "range_from -1 cuts through partition n_2 (FROM -2 TO 0)");
    EXPECT_STREQ(refused(parts, kOpen, at(finite("9.99", "9.99"))).what(),
                 "range_to 9.99 cuts through partition n_4 (FROM 2.25 TO 100)");
}

// Timestamp keys are epoch seconds with fractions; a cut by a fraction of a
// second is still a cut.
TEST(PlanChunks, TimestampKeysWithFractions) {
    const Bound t0 = finite("1704067200", "2024-01-01 00:00:00");
    const Bound t1 = finite("1704067200.5", "2024-01-01 00:00:00.5");
    const Bound t2 = finite("1704067201", "2024-01-01 00:00:01");
    std::vector<PartitionInfo> parts = {part("ts_b", t1, t2), part("ts_a", t0, t1)};
    EXPECT_EQ(planned(parts, at(t0), at(t2)), (std::vector<std::string>{"ts_a", "ts_b"}));
    EXPECT_EQ(planned(parts, at(finite("1704067200.500", "x")), kOpen),
              (std::vector<std::string>{"ts_b"}));
    EXPECT_STREQ(
        refused(parts, at(finite("1704067200.25", "2024-01-01 00:00:00.25")), kOpen).what(),
        "range_from 2024-01-01 00:00:00.25 cuts through partition ts_a (FROM 2024-01-01 00:00:00 "
        "TO 2024-01-01 00:00:00.5)");
}

}  // namespace
}  // namespace backfill

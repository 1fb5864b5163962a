#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/eras.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

// A key n (an integer key: its text is its sort key).
Bound key(int n) { return Bound{BoundKind::Finite, std::to_string(n), std::to_string(n)}; }

EraSpan era(int from, int to) { return EraSpan{key(from), key(to)}; }

PlannedChunk chunk(int no, int lower, int upper) {
    PlannedChunk c{};
    c.chunk_no = no;
    c.name = "public.p" + std::to_string(no);
    c.lower = key(lower);
    c.upper = key(upper);
    return c;
}

const std::vector<PlannedChunk> kChunks = {chunk(1, 0, 10), chunk(2, 10, 20), chunk(3, 20, 30)};

// Eras meeting at chunk bounds give each chunk the era holding it.
TEST(Eras, EachChunkGetsItsEra) {
    std::vector<std::size_t> got = assign_eras({era(0, 20), era(20, 30)}, kChunks, key(0), key(30));
    EXPECT_EQ(got, (std::vector<std::size_t>{0, 0, 1}));
    EXPECT_EQ(assign_eras({era(0, 30)}, kChunks, std::nullopt, std::nullopt),
              (std::vector<std::size_t>{0, 0, 0}));
}

TEST(Eras, GapAndOverlapNameBothEras) {
    EXPECT_STREQ(expect_user_error([] {
                     assign_eras({era(0, 10), era(15, 30)}, kChunks, key(0), key(30));
                 }).what(),
                 "sources leave a gap: sources[0] ends at 10, sources[1] starts at 15");
    EXPECT_STREQ(
        expect_user_error([] {
            assign_eras({era(0, 20), era(15, 30)}, kChunks, key(0), key(30));
        }).what(),
        "sources[0] and sources[1] overlap: sources[0] ends at 20, sources[1] starts at 15");
    EXPECT_STREQ(expect_user_error([] {
                     assign_eras({era(5, 5), era(5, 30)}, kChunks, {}, {});
                 }).what(),
                 "sources[0] is empty: from 5 is not below to 5");
    EXPECT_STREQ(expect_user_error([] { assign_eras({}, kChunks, {}, {}); }).what(),
                 "option \"sources\" must hold at least one era");
}

// The eras cover [range_from, range_to) exactly, not less and not more.
TEST(Eras, RangeCoveredExactly) {
    EXPECT_STREQ(
        expect_user_error([] { assign_eras({era(10, 30)}, kChunks, key(0), key(30)); }).what(),
        "sources do not cover the job's range exactly: they start at 10, range_from is 0");
    EXPECT_STREQ(
        expect_user_error([] { assign_eras({era(0, 40)}, kChunks, key(0), key(30)); }).what(),
        "sources do not cover the job's range exactly: they end at 40, range_to is 30");
    EXPECT_STREQ(expect_user_error([] { assign_eras({era(10, 30)}, kChunks, {}, {}); }).what(),
                 "chunk 1 (public.p1) [0, 10) is not covered by sources");
}

// A chunk is built by one source: one that spans two eras is named.
TEST(Eras, ChunkSpanningTwoErasNamed) {
    UserError e = expect_user_error([] {
        assign_eras({era(0, 15), era(15, 30)}, kChunks, key(0), key(30));
    });
    EXPECT_STREQ(e.what(),
                 "chunk 2 (public.p2) [10, 20) spans two eras of sources: sources[0] ends at 15");
    EXPECT_EQ(e.hint(), "A chunk is built by one source: make the eras meet at a chunk bound.");
}

TEST(Eras, EraHolding) {
    std::vector<EraSpan> eras = {era(0, 20), era(20, 30)};
    EXPECT_EQ(era_holding(eras, key(20), key(25)), std::optional<std::size_t>(1));
    EXPECT_EQ(era_holding(eras, key(0), key(20)), std::optional<std::size_t>(0));
    EXPECT_EQ(era_holding(eras, key(15), key(25)), std::nullopt);
    EXPECT_EQ(era_holding(eras, key(30), key(40)), std::nullopt);
}

}  // namespace
}  // namespace backfill

#include <gtest/gtest.h>

#include <string>

#include "core/spec_range.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

// The day after the inclusive end, across months, leap days and years.
TEST(ExclusiveRangeEnd, DatesGoToTheNextDay) {
    EXPECT_EQ(exclusive_range_end("2026-05-31", KeyFamily::Date), "2026-06-01");
    EXPECT_EQ(exclusive_range_end("2026-05-30", KeyFamily::Date), "2026-05-31");
    EXPECT_EQ(exclusive_range_end("2024-02-28", KeyFamily::Date), "2024-02-29");
    EXPECT_EQ(exclusive_range_end("2024-02-29", KeyFamily::Date), "2024-03-01");
    EXPECT_EQ(exclusive_range_end("2023-02-28", KeyFamily::Date), "2023-03-01");
    EXPECT_EQ(exclusive_range_end("1900-02-28", KeyFamily::Date), "1900-03-01");
    EXPECT_EQ(exclusive_range_end("2000-02-28", KeyFamily::Date), "2000-02-29");
    EXPECT_EQ(exclusive_range_end("2025-12-31", KeyFamily::Date), "2026-01-01");
    EXPECT_EQ(exclusive_range_end("10000-12-31", KeyFamily::Date), "10001-01-01");
}

// Dates before Christ as PostgreSQL writes them, and the infinities, which
// date + 1 leaves as they are.
TEST(ExclusiveRangeEnd, EraAndInfinity) {
    EXPECT_EQ(exclusive_range_end("0044-03-15 BC", KeyFamily::Date), "0044-03-16 BC");
    EXPECT_EQ(exclusive_range_end("0001-12-31 BC", KeyFamily::Date), "0001-01-01");
    EXPECT_EQ(exclusive_range_end("0002-12-31 BC", KeyFamily::Date), "0001-01-01 BC");
    EXPECT_EQ(exclusive_range_end("infinity", KeyFamily::Date), "infinity");
    EXPECT_EQ(exclusive_range_end("-infinity", KeyFamily::Date), "-infinity");
}

// The integer after the inclusive end; the largest bigint has none.
TEST(ExclusiveRangeEnd, IntegersGoToTheNextInteger) {
    EXPECT_EQ(exclusive_range_end("41", KeyFamily::Integer), "42");
    EXPECT_EQ(exclusive_range_end("-1", KeyFamily::Integer), "0");
    EXPECT_EQ(exclusive_range_end("2147483647", KeyFamily::Integer), "2147483648");
    UserError last =
        expect_user_error([] { exclusive_range_end("9223372036854775807", KeyFamily::Integer); });
    EXPECT_STREQ(last.what(),
                 "specification source_range.end \"9223372036854775807\" is the largest bigint: "
                 "no key follows it");
}

// Other key types have no next value to map an inclusive end to.
TEST(ExclusiveRangeEnd, OtherKeyTypesRefused) {
    UserError e =
        expect_user_error([] { exclusive_range_end("2026-05-31 10:00", KeyFamily::Other); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "specification source_range.end is inclusive, which only works for date, "
                 "timestamp, timestamptz and integer keys");
    EXPECT_EQ(e.hint(), "For this key type use create() with range_to (exclusive).");
}

// For a timestamp key, a date means the whole day: range_to is the day
// after (also across years, and before Christ); anything else is an instant.
TEST(TimestampRangeEnd, DateMeansTheWholeDay) {
    TimestampEnd day = timestamp_range_end("2026-05-31");
    EXPECT_TRUE(day.whole_day);
    EXPECT_EQ(day.day_after, "2026-06-01");
    EXPECT_EQ(timestamp_range_end("2025-12-31").day_after, "2026-01-01");
    EXPECT_EQ(timestamp_range_end("2024-02-28").day_after, "2024-02-29");
    EXPECT_EQ(timestamp_range_end("0044-03-15 BC").day_after, "0044-03-16 BC");
}

TEST(TimestampRangeEnd, AnythingElseIsAnInstant) {
    for (const char* text : {"2026-05-31 23:59:59", "2026-05-31T10:00:00+02", "2026-05-31 00:00",
                             "infinity", "2026-05", "May 31 2026", ""}) {
        TimestampEnd end = timestamp_range_end(text);
        EXPECT_FALSE(end.whole_day) << text;
        EXPECT_EQ(end.day_after, "") << text;
    }
}

// Text that is not what PostgreSQL writes for the type is refused.
TEST(ExclusiveRangeEnd, MalformedTextRefused) {
    for (const char* text : {"2026-13-01", "2026-05", "2026-05-31 AD", "yesterday", ""}) {
        EXPECT_NE(std::string(
                      expect_user_error([&] { exclusive_range_end(text, KeyFamily::Date); }).what())
                      .find("is not a date"),
                  std::string::npos)
            << text;
    }
    EXPECT_NE(std::string(
                  expect_user_error([] { exclusive_range_end("12a", KeyFamily::Integer); }).what())
                  .find("is not an integer"),
              std::string::npos);
}

}  // namespace
}  // namespace backfill

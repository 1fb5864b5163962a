#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "core/duration.hpp"

namespace backfill {
namespace {

// A reader that records what it was asked and answers with a fixed value.
struct RecordingReader {
    std::optional<std::int64_t> answer;
    std::string asked;
    std::optional<std::int64_t> operator()(const std::string& text) {
        asked = text;
        return answer;
    }
};

// An interval's days count 24h each and add to its time.
TEST(IntervalDuration, DaysAndTime) {
    EXPECT_EQ(interval_duration_us(0, 0, 250000), 250000);
    EXPECT_EQ(interval_duration_us(0, 1, 0), kDayUs);
    EXPECT_EQ(interval_duration_us(0, 2, 3600000000), 2 * kDayUs + 3600000000);
    EXPECT_EQ(interval_duration_us(0, 1, -3600000000), kDayUs - 3600000000);  // '1 day -1 hour'
    EXPECT_EQ(interval_duration_us(0, 0, 0), 0);
}

// Months have no fixed length; a negative total is no duration; nothing
// overflows.
TEST(IntervalDuration, RefusesMonthsNegativesAndOverflow) {
    EXPECT_EQ(interval_duration_us(1, 0, 0), std::nullopt);
    EXPECT_EQ(interval_duration_us(-12, 0, 0), std::nullopt);
    EXPECT_EQ(interval_duration_us(0, 0, -1), std::nullopt);
    EXPECT_EQ(interval_duration_us(0, -1, 0), std::nullopt);
    EXPECT_EQ(interval_duration_us(0, std::numeric_limits<std::int32_t>::max(),
                                   std::numeric_limits<std::int64_t>::max()),
              std::nullopt);
}

// Text with a unit goes to the reader as it is.
TEST(ReadDuration, HandsTextToTheReader) {
    RecordingReader reader{5000000, ""};
    EXPECT_EQ(read_duration_us(" 5s ", std::ref(reader)), 5000000);
    EXPECT_EQ(reader.asked, " 5s ");
    RecordingReader refusing{std::nullopt, ""};
    EXPECT_EQ(read_duration_us("soon", std::ref(refusing)), std::nullopt);
}

// A bare number other than zero is refused whatever the reader would make
// of it (interval input reads "5" as seconds); zero needs no unit.
TEST(ReadDuration, BareNumbersOnlyForZero) {
    for (const char* text : {"5", "1.5", " 2 ", "-5", "+3"}) {
        RecordingReader reader{5000000, ""};
        EXPECT_EQ(read_duration_us(text, std::ref(reader)), std::nullopt) << text;
    }
    for (const char* text : {"0", "0.0", " 00 "}) {
        RecordingReader reader{0, ""};
        EXPECT_EQ(read_duration_us(text, std::ref(reader)), 0) << text;
    }
}

// Echoed options use whole units, largest first.
TEST(FormatDuration, WholeUnitsLargestFirst) {
    EXPECT_EQ(format_duration(0), "0");
    EXPECT_EQ(format_duration(250000), "250ms");
    EXPECT_EQ(format_duration(100000), "100ms");
    EXPECT_EQ(format_duration(5000000), "5s");
    EXPECT_EQ(format_duration(90000000), "1min 30s");
    EXPECT_EQ(format_duration(7200000000), "2h");
    EXPECT_EQ(format_duration(1500), "1ms 500us");
    EXPECT_EQ(format_duration(86400000001), "1d 1us");
    EXPECT_EQ(format_duration(93784005006), "1d 2h 3min 4s 5ms 6us");
    EXPECT_EQ(format_duration(-5000000), "-5s");
}

}  // namespace
}  // namespace backfill

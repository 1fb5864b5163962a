#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

#include "core/duration.hpp"

namespace backfill {
namespace {

// Every documented way of writing a duration reads to the right count.
TEST(ParseDuration, AcceptsUnitsAndClockForms) {
    EXPECT_EQ(parse_duration_us("100ms"), 100000);
    EXPECT_EQ(parse_duration_us("2 seconds"), 2000000);
    EXPECT_EQ(parse_duration_us("1 min 30 s"), 90000000);
    EXPECT_EQ(parse_duration_us("1min30s"), 90000000);
    EXPECT_EQ(parse_duration_us("00:01:30"), 90000000);
    EXPECT_EQ(parse_duration_us("250us"), 250);
    EXPECT_EQ(parse_duration_us("1 microsecond"), 1);
    EXPECT_EQ(parse_duration_us("3 milliseconds"), 3000);
    EXPECT_EQ(parse_duration_us("5 Minutes"), 300000000);
    EXPECT_EQ(parse_duration_us("1 hour 2 minutes"), 3720000000);
    EXPECT_EQ(parse_duration_us("2h"), 7200000000);
    EXPECT_EQ(parse_duration_us("1d"), 86400000000);
    EXPECT_EQ(parse_duration_us("2 days"), 172800000000);
    EXPECT_EQ(parse_duration_us("5 SEC"), 5000000);
}

// Fractions are allowed and rounded to the microsecond.
TEST(ParseDuration, AcceptsFractions) {
    EXPECT_EQ(parse_duration_us("1.5s"), 1500000);
    EXPECT_EQ(parse_duration_us("0.5ms"), 500);
    EXPECT_EQ(parse_duration_us("1.5us"), 2);
    EXPECT_EQ(parse_duration_us(".25s"), 250000);
    EXPECT_EQ(parse_duration_us("01:00:00.25"), 3600250000);
    EXPECT_EQ(parse_duration_us("0:00:00.000001"), 1);
}

// Surrounding spaces do not matter; zero needs no unit.
TEST(ParseDuration, TrimsAndAcceptsBareZero) {
    EXPECT_EQ(parse_duration_us("  5s  "), 5000000);
    EXPECT_EQ(parse_duration_us("0"), 0);
    EXPECT_EQ(parse_duration_us("0.0"), 0);
    EXPECT_EQ(parse_duration_us("0ms"), 0);
    EXPECT_EQ(parse_duration_us("00:00:00"), 0);
}

// Anything ambiguous or malformed is refused rather than guessed.
TEST(ParseDuration, RefusesBadText) {
    for (const char* text : {"",
                             "   ",
                             "5",
                             "1.5",
                             "-5s",
                             "+5s",
                             "abc",
                             "5 parsecs",
                             "1 min 30",
                             "5s-",
                             "1m",
                             "s",
                             "1.2.3s",
                             "5 s s",
                             "00:60:00",
                             "00:00:60",
                             "1:30",
                             "00:01:30.",
                             "00:1:30",
                             "-00:01:00",
                             "00:01:30 5s",
                             "1s,2s",
                             "9999999999999999999s",
                             "999999999999d"}) {
        EXPECT_EQ(parse_duration_us(text), std::nullopt) << text;
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

// What format_duration writes, parse_duration_us reads back unchanged.
TEST(FormatDuration, RoundTrips) {
    for (std::int64_t us : {std::int64_t{0}, std::int64_t{1}, std::int64_t{999},
                            std::int64_t{100000}, std::int64_t{90000000}, std::int64_t{93784005006},
                            std::numeric_limits<std::int64_t>::max()}) {
        EXPECT_EQ(parse_duration_us(format_duration(us)), us) << us;
    }
}

}  // namespace
}  // namespace backfill

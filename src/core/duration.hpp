// Durations given in options ('100ms', '2 seconds', '1 min 30 s', '00:01:30').
// PostgreSQL's interval input reads the text (the PostgreSQL layer hands the
// core a DurationReader); the core decides which intervals are durations and
// writes them back.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace backfill {

// Lengths of time in microseconds, the unit of every duration here.
constexpr std::int64_t kMillisecondUs = 1000;
constexpr std::int64_t kSecondUs = 1000 * kMillisecondUs;
constexpr std::int64_t kMinuteUs = 60 * kSecondUs;
constexpr std::int64_t kHourUs = 60 * kMinuteUs;
constexpr std::int64_t kDayUs = 24 * kHourUs;

// Reads a duration's text into microseconds; nullopt when it is not one.
using DurationReader = std::function<std::optional<std::int64_t>(const std::string&)>;

// An interval's fields (months, days, microseconds, as PostgreSQL keeps
// them) as one length in microseconds. nullopt for anything without a fixed
// length (months, years), a negative total, and an overflow; a day is 24h.
std::optional<std::int64_t> interval_duration_us(std::int32_t months, std::int32_t days,
                                                 std::int64_t time_us);

// Reads an option's duration with reader; a bare number other than zero
// ("5", "1.5") is refused first, as its unit would be a guess.
std::optional<std::int64_t> read_duration_us(const std::string& text, const DurationReader& reader);

// Formats microseconds the way options are echoed back: "0", "250ms", "5s",
// "1min 30s", "2h"; whole units only, largest first.
std::string format_duration(std::int64_t us);

}  // namespace backfill

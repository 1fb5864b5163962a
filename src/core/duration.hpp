// Durations given in options ('100ms', '2 seconds', '1 min 30 s', '00:01:30').
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace backfill {

// Parses a duration into microseconds. Accepted: one or more "<number><unit>"
// parts (units us, ms, s, min, h, d and their long English forms, singular or
// plural, with or without a space) or "hh:mm:ss[.fff]". A bare zero ("0",
// the echo of a zero duration) is 0; any other bare number, a negative value
// or any other text gives std::nullopt.
std::optional<std::int64_t> parse_duration_us(const std::string& text);

// Formats microseconds the way options are echoed back: "0", "250ms", "5s",
// "1min 30s", "2h"; whole units only, largest first.
std::string format_duration(std::int64_t us);

}  // namespace backfill

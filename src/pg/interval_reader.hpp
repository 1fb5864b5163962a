// Durations in options are read by PostgreSQL's own interval input, so they
// accept what an interval literal accepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace backfill::pg {

// The text as an interval, in microseconds (core/duration.hpp decides which
// intervals are durations); nullopt when interval input refuses the text.
// This is the DurationReader the PostgreSQL layer gives the core.
std::optional<std::int64_t> read_interval_us(const std::string& text);

}  // namespace backfill::pg

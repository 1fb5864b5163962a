// The range of a specification document: source_range.end names the last
// key included, create() takes range_to as the first key excluded.
#pragma once

#include <string>

namespace backfill {

// The kinds of partition key an inclusive end can be mapped for.
enum class KeyFamily { Date, Integer, Other };

// range_to for a specification whose source_range.end is inclusive_end,
// given in the key type's canonical text ("2026-05-31", "0044-03-15 BC",
// "infinity", "-17"): the next day for a date key, the next integer for an
// integer key. Throws UserError for other key types (no next value exists)
// and for the largest bigint.
std::string exclusive_range_end(const std::string& inclusive_end, KeyFamily family);

// How source_range.end reads for a timestamp or timestamptz key. A date
// written as PostgreSQL writes one ("2026-05-31", "0044-03-15 BC") means
// through the whole of that day: whole_day, and range_to is day_after
// ("2026-06-01") read as the key's type (for timestamptz, midnight in the
// database's TimeZone). Any other text is an instant, included: range_to
// is the next microsecond, which the PostgreSQL layer adds.
struct TimestampEnd {
    bool whole_day = false;
    std::string day_after;  // set when whole_day
};
TimestampEnd timestamp_range_end(const std::string& inclusive_end);

}  // namespace backfill

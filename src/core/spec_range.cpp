#include "spec_range.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "user_error.hpp"

namespace backfill {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (year 0 is 1 BC).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The date of a day number, the inverse of days_from_civil.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

// Every refusal of an end names it and says how to do without one.
[[noreturn]] void refuse_end(const std::string& inclusive_end, const std::string& why) {
    throw UserError(ErrorKind::InvalidParameter,
                    "specification source_range.end \"" + inclusive_end + "\" " + why,
                    "Leave source_range.end out to include every key from source_range.start on.");
}

// An ISO date as PostgreSQL writes it ("2026-05-31", "0044-03-15 BC") as
// a proleptic year (0 is 1 BC), month and day; false for any other text.
bool read_iso_date(const std::string& date, std::int64_t& y, unsigned& month, unsigned& day) {
    long long year = 0;
    char era[3] = {};
    int used = 0;
    const int fields =
        std::sscanf(date.c_str(), "%lld-%u-%u%n %2s%n", &year, &month, &day, &used, era, &used);
    const bool bc = fields == 4 && std::string(era) == "BC";
    if (fields < 3 || (fields == 4 && !bc) || static_cast<std::size_t>(used) != date.size() ||
        month < 1 || month > 12 || day < 1 || day > 31 || year < 1) {
        return false;
    }
    y = bc ? 1 - year : year;
    return true;
}

// The day after an ISO date; infinities have no day after and stay as they
// are, as in date + 1.
std::string next_day(const std::string& date) {
    if (date == "infinity" || date == "-infinity") {
        return date;
    }
    std::int64_t y = 0;
    unsigned month = 0, day = 0;
    if (!read_iso_date(date, y, month, day)) {
        refuse_end(date, "is not a date");
    }
    civil_from_days(days_from_civil(y, month, day) + 1, y, month, day);
    char out[48];
    std::snprintf(out, sizeof out, "%04lld-%02u-%02u%s", static_cast<long long>(y <= 0 ? 1 - y : y),
                  month, day, y <= 0 ? " BC" : "");
    return out;
}

// The integer after an integer key's text.
std::string next_integer(const std::string& text) {
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || errno != 0 || *end != '\0') {
        refuse_end(text, "is not an integer");
    }
    if (value == std::numeric_limits<long long>::max()) {
        refuse_end(text, "is the largest bigint: no key follows it");
    }
    return std::to_string(value + 1);
}

}  // namespace

// A specification names the last key it includes, as people say "until the
// 31st"; the job model needs the first key it excludes.
std::string exclusive_range_end(const std::string& inclusive_end, KeyFamily family) {
    switch (family) {
        case KeyFamily::Date:
            return next_day(inclusive_end);
        case KeyFamily::Integer:
            return next_integer(inclusive_end);
        case KeyFamily::Other:
            break;
    }
    throw UserError(ErrorKind::InvalidParameter,
                    "specification source_range.end is inclusive, which only works for date, "
                    "timestamp, timestamptz and integer keys",
                    "For this key type use create() with range_to (exclusive).");
}

// People write "end: 2026-05-31" for a timestamp key too, meaning the
// whole day; an instant they write is the last one they want.
TimestampEnd timestamp_range_end(const std::string& inclusive_end) {
    std::int64_t y = 0;
    unsigned month = 0, day = 0;
    if (read_iso_date(inclusive_end, y, month, day)) {
        return TimestampEnd{true, next_day(inclusive_end)};
    }
    return TimestampEnd{false, ""};
}

}  // namespace backfill

#include "duration.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace backfill {

namespace {

struct UnitName {
    const char* name;
    std::int64_t us;
};

// The units format_duration writes, largest first.
constexpr UnitName kFormatUnits[] = {
    {"d", kDayUs},    {"h", kHourUs},         {"min", kMinuteUs},
    {"s", kSecondUs}, {"ms", kMillisecondUs}, {"us", 1},
};

// True for text made only of a number ("5", " 1.5 ", "-2"): interval input
// would read it as seconds, which nobody writing "5" can be sure of.
bool is_bare_number(const std::string& text) {
    bool digit = false;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c != '.' && c != '-' && c != '+' && c != ' ' && c != '\t') {
            return false;
        }
    }
    return digit;
}

}  // namespace

// PostgreSQL keeps an interval as months, days and microseconds; options
// need one fixed length, so months are refused and a day counts 24h.
std::optional<std::int64_t> interval_duration_us(std::int32_t months, std::int32_t days,
                                                 std::int64_t time_us) {
    std::int64_t total = 0;
    if (months != 0 || __builtin_mul_overflow(static_cast<std::int64_t>(days), kDayUs, &total) ||
        __builtin_add_overflow(total, time_us, &total) || total < 0) {
        return std::nullopt;
    }
    return total;
}

// Every duration option goes through here, so the bare-number rule holds for
// all of them; "0" stays accepted, it is how a zero duration is echoed.
std::optional<std::int64_t> read_duration_us(const std::string& text,
                                             const DurationReader& reader) {
    if (is_bare_number(text)) {
        const std::optional<std::int64_t> us = reader(text);
        return us == 0 ? us : std::nullopt;
    }
    return reader(text);
}

// Options are echoed back in the jobs view; this gives the short form people
// would have typed themselves.
std::string format_duration(std::int64_t us) {
    if (us == 0) {
        return "0";
    }
    std::string out;
    std::uint64_t rest =
        us < 0 ? 0 - static_cast<std::uint64_t>(us) : static_cast<std::uint64_t>(us);
    for (const UnitName& unit : kFormatUnits) {
        const std::uint64_t size = static_cast<std::uint64_t>(unit.us);
        if (rest >= size) {
            out += (out.empty() ? "" : " ") + std::to_string(rest / size) + unit.name;
            rest %= size;
        }
    }
    return us < 0 ? "-" + out : out;
}

}  // namespace backfill

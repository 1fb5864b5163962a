#include "duration.hpp"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace backfill {

namespace {

constexpr std::int64_t kUs = 1;
constexpr std::int64_t kMs = 1000 * kUs;
constexpr std::int64_t kSecond = 1000 * kMs;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

struct UnitName {
    const char* name;
    std::int64_t us;
};

// Every spelling of a unit that a duration may use, lower case.
constexpr UnitName kUnitNames[] = {
    {"us", kUs},           {"usec", kUs},         {"usecs", kUs},       {"microsecond", kUs},
    {"microseconds", kUs}, {"ms", kMs},           {"msec", kMs},        {"msecs", kMs},
    {"millisecond", kMs},  {"milliseconds", kMs}, {"s", kSecond},       {"sec", kSecond},
    {"secs", kSecond},     {"second", kSecond},   {"seconds", kSecond}, {"min", kMinute},
    {"mins", kMinute},     {"minute", kMinute},   {"minutes", kMinute}, {"h", kHour},
    {"hr", kHour},         {"hrs", kHour},        {"hour", kHour},      {"hours", kHour},
    {"d", kDay},           {"day", kDay},         {"days", kDay},
};

// The units format_duration writes, largest first.
constexpr UnitName kFormatUnits[] = {
    {"d", kDay}, {"h", kHour}, {"min", kMinute}, {"s", kSecond}, {"ms", kMs}, {"us", kUs},
};

// Looks a unit word up case-insensitively, so "MS" and "Seconds" work as in
// PostgreSQL's interval input.
std::optional<std::int64_t> unit_us(const std::string& word) {
    std::string lower;
    for (char c : word) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (const UnitName& unit : kUnitNames) {
        if (lower == unit.name) {
            return unit.us;
        }
    }
    return std::nullopt;
}

// Character classes; <cctype> must never see a negative char.
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Option values often carry stray spaces; they never change the meaning.
std::string trim(const std::string& text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && is_space(text[begin])) {
        ++begin;
    }
    while (end > begin && is_space(text[end - 1])) {
        --end;
    }
    return text.substr(begin, end - begin);
}

// Accumulates a run of digits into whole units, refusing overflow.
std::optional<std::int64_t> parse_whole(const std::string& digits) {
    std::int64_t value = 0;
    for (char c : digits) {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, c - '0', &value)) {
            return std::nullopt;
        }
    }
    return value;
}

// "<whole>.<fraction>" of a unit in microseconds, the fraction rounded to
// the nearest microsecond; nullopt on overflow.
std::optional<std::int64_t> scale(const std::string& whole, const std::string& fraction,
                                  std::int64_t unit) {
    std::optional<std::int64_t> count = parse_whole(whole);
    std::int64_t us = 0;
    if (!count || __builtin_mul_overflow(*count, unit, &us)) {
        return std::nullopt;
    }
    double part = 0.0;
    double place = 0.1;
    for (char c : fraction) {
        part += (c - '0') * place;
        place /= 10.0;
    }
    std::int64_t extra = std::llround(part * static_cast<double>(unit));
    if (__builtin_add_overflow(us, extra, &us)) {
        return std::nullopt;
    }
    return us;
}

// "hh:mm:ss[.ffffff]", the form PostgreSQL prints intervals in.
std::optional<std::int64_t> parse_clock(const std::string& text) {
    std::size_t pos = 0;
    auto take_digits = [&](std::size_t max) {
        std::size_t begin = pos;
        while (pos < text.size() && pos - begin < max && is_digit(text[pos])) {
            ++pos;
        }
        return text.substr(begin, pos - begin);
    };
    std::string hours = take_digits(text.size());
    if (hours.empty() || pos >= text.size() || text[pos] != ':') {
        return std::nullopt;
    }
    ++pos;
    std::string minutes = take_digits(2);
    if (minutes.size() != 2 || pos >= text.size() || text[pos] != ':') {
        return std::nullopt;
    }
    ++pos;
    std::string seconds = take_digits(2);
    if (seconds.size() != 2) {
        return std::nullopt;
    }
    std::string fraction;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        fraction = take_digits(6);
        if (fraction.empty()) {
            return std::nullopt;
        }
    }
    if (pos != text.size() || std::stoi(minutes) >= 60 || std::stoi(seconds) >= 60) {
        return std::nullopt;
    }
    std::optional<std::int64_t> h = scale(hours, "", kHour);
    std::optional<std::int64_t> s = scale(seconds, fraction, kSecond);
    std::int64_t total = 0;
    if (!h || !s || __builtin_add_overflow(*h, std::stoi(minutes) * kMinute, &total) ||
        __builtin_add_overflow(total, *s, &total)) {
        return std::nullopt;
    }
    return total;
}

// True for "0", "00", "0.0": zero needs no unit, and "0" is how
// format_duration echoes a zero duration back.
bool is_bare_zero(const std::string& text) {
    bool digit_seen = false;
    bool dot_seen = false;
    for (char c : text) {
        if (c == '0') {
            digit_seen = true;
        } else if (c == '.' && !dot_seen) {
            dot_seen = true;
        } else {
            return false;
        }
    }
    return digit_seen;
}

}  // namespace

// Options take durations as text; this is the one place that reads them.
std::optional<std::int64_t> parse_duration_us(const std::string& text) {
    const std::string input = trim(text);
    if (is_bare_zero(input)) {
        return 0;
    }
    if (input.find(':') != std::string::npos) {
        return parse_clock(input);
    }
    std::size_t pos = 0;
    std::int64_t total = 0;
    bool any_part = false;
    while (pos < input.size()) {
        std::size_t begin = pos;
        while (pos < input.size() && is_digit(input[pos])) {
            ++pos;
        }
        std::string whole = input.substr(begin, pos - begin);
        std::string fraction;
        if (pos < input.size() && input[pos] == '.') {
            begin = ++pos;
            while (pos < input.size() && is_digit(input[pos])) {
                ++pos;
            }
            fraction = input.substr(begin, pos - begin);
        }
        if (whole.empty() && fraction.empty()) {
            return std::nullopt;
        }
        while (pos < input.size() && is_space(input[pos])) {
            ++pos;
        }
        begin = pos;
        while (pos < input.size() && is_alpha(input[pos])) {
            ++pos;
        }
        std::optional<std::int64_t> unit = unit_us(input.substr(begin, pos - begin));
        if (!unit) {
            return std::nullopt;
        }
        std::optional<std::int64_t> part = scale(whole, fraction, *unit);
        if (!part || __builtin_add_overflow(total, *part, &total)) {
            return std::nullopt;
        }
        any_part = true;
        while (pos < input.size() && is_space(input[pos])) {
            ++pos;
        }
    }
    if (!any_part) {
        return std::nullopt;
    }
    return total;
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

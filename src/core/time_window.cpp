#include "time_window.hpp"

#include <cctype>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "option_error.hpp"

namespace backfill {

const char* const kWindowHint =
    "Give windows as \"HH:MM-HH:MM\", several separated by commas, e.g. \"22:00-06:00\".";

namespace {

// Windows are written by people; spaces around commas and dashes are noise.
std::string trim(const std::string& text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])) != 0) {
        ++begin;
    }
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) {
        --end;
    }
    return text.substr(begin, end - begin);
}

// True when text is 1 to max_digits ASCII digits, so std::stoi cannot throw.
bool all_digits(const std::string& text, std::size_t max_digits) {
    if (text.empty() || text.size() > max_digits) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// "HH:MM" (hour of one or two digits) as minutes since midnight; 24:00 only
// when allow_midnight_end, since a window may end but not start there.
std::optional<int> parse_clock_minute(const std::string& text, bool allow_midnight_end) {
    const std::size_t colon = text.find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    const std::string hours = text.substr(0, colon);
    const std::string minutes = text.substr(colon + 1);
    if (!all_digits(hours, 2) || minutes.size() != 2 || !all_digits(minutes, 2)) {
        return std::nullopt;
    }
    const int h = std::stoi(hours);
    const int m = std::stoi(minutes);
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_midnight_end))) {
        return std::nullopt;
    }
    return h * 60 + m;
}

}  // namespace

// A minute of the day as "HH:MM", for windows and for "now" in reasons.
std::string format_minute(int minute) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
    return buf;
}

// Every window the job may run in, for the reason it is held outside them.
std::string format_windows(const std::vector<TimeWindow>& windows) {
    std::string out;
    for (const TimeWindow& w : windows) {
        out += (out.empty() ? "" : ", ") + format_window(w);
    }
    return out;
}

// The options and the jobs view show windows in one canonical form.
std::string format_window(const TimeWindow& window) {
    return format_minute(window.start_minute) + "-" + format_minute(window.end_minute);
}

// The "window" option is text; this turns it into windows once, when the
// job's options are checked, so a worker never meets a bad window.
std::vector<TimeWindow> parse_windows(const std::string& text) {
    std::vector<TimeWindow> windows;
    std::size_t begin = 0;
    for (;;) {
        const std::size_t comma = text.find(',', begin);
        const std::string part = trim(
            text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
        const std::string complaint = "has an invalid window \"" + part + "\"";
        const std::size_t dash = part.find('-');
        if (dash == std::string::npos) {
            throw OptionError("window", complaint, kWindowHint);
        }
        const std::optional<int> start = parse_clock_minute(trim(part.substr(0, dash)), false);
        const std::optional<int> end = parse_clock_minute(trim(part.substr(dash + 1)), true);
        if (!start || !end) {
            throw OptionError("window", complaint, kWindowHint);
        }
        if (*start == *end) {
            throw OptionError("window", complaint,
                              "A window must not start and end at the same time; for any time of "
                              "day use null or \"00:00-24:00\".");
        }
        windows.push_back(TimeWindow{*start, *end});
        if (comma == std::string::npos) {
            return windows;
        }
        begin = comma + 1;
    }
}

// The window check of decide(), kept apart so the PostgreSQL layer and tests
// can ask about one minute directly.
bool in_window(const std::vector<TimeWindow>& windows, int minute_of_day) {
    for (const TimeWindow& w : windows) {
        const bool inside = w.start_minute < w.end_minute
                                ? minute_of_day >= w.start_minute && minute_of_day < w.end_minute
                                : minute_of_day >= w.start_minute || minute_of_day < w.end_minute;
        if (inside) {
            return true;
        }
    }
    return false;
}

}  // namespace backfill

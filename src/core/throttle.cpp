#include "throttle.hpp"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "duration.hpp"
#include "user_error.hpp"

namespace backfill {

namespace {

const char* const kWindowHint =
    "Give windows as \"HH:MM-HH:MM\", several separated by commas, e.g. \"22:00-06:00\".";

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

// Seconds of lag as people read them: one decimal at most, none when whole
// ("12.5s", "6s").
std::string format_seconds(double seconds) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", seconds);
    std::string out = buf;
    if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) {
        out.erase(out.size() - 2);
    }
    return out + "s";
}

// Reasons name the measured value as a whole number; rates are averages.
std::string format_whole(double value) {
    if (!(std::fabs(value) < 9.0e18)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    return std::to_string(std::llround(value));
}

// A held decision with its reason, to keep decide() a flat list of checks.
ThrottleDecision hold(std::string reason) { return ThrottleDecision{true, std::move(reason)}; }

}  // namespace

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
        const std::string message = "option \"window\" has an invalid window \"" + part + "\"";
        const std::size_t dash = part.find('-');
        if (dash == std::string::npos) {
            throw UserError(ErrorKind::InvalidParameter, message, kWindowHint);
        }
        const std::optional<int> start = parse_clock_minute(trim(part.substr(0, dash)), false);
        const std::optional<int> end = parse_clock_minute(trim(part.substr(dash + 1)), true);
        if (!start || !end) {
            throw UserError(ErrorKind::InvalidParameter, message, kWindowHint);
        }
        if (*start == *end) {
            throw UserError(ErrorKind::InvalidParameter, message,
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

// The one place that decides whether a job waits before its next chunk, so
// the policy and the reason shown to people are tested without a server.
ThrottleDecision decide(const JobOptions& options, const ServerSignals& signals) {
    if (!options.windows.empty() && !in_window(options.windows, signals.minute_of_day)) {
        return hold("outside window " + format_windows(options.windows) + " (now " +
                    format_minute(signals.minute_of_day) + ")");
    }
    if (options.max_active_backends && signals.active_backends > *options.max_active_backends) {
        return hold("active_backends " + std::to_string(signals.active_backends) + " > " +
                    std::to_string(*options.max_active_backends));
    }
    if (options.max_replication_lag_us && signals.replication_lag_s &&
        *signals.replication_lag_s * 1e6 > static_cast<double>(*options.max_replication_lag_us)) {
        return hold("replication_lag " + format_seconds(*signals.replication_lag_s) + " > " +
                    format_duration(*options.max_replication_lag_us));
    }
    if (options.max_replication_lag_bytes && signals.replication_lag_bytes &&
        *signals.replication_lag_bytes > *options.max_replication_lag_bytes) {
        return hold("replication_lag_bytes " + std::to_string(*signals.replication_lag_bytes) +
                    " > " + std::to_string(*options.max_replication_lag_bytes));
    }
    if (options.max_wal_rate && signals.job_wal_rate &&
        *signals.job_wal_rate > static_cast<double>(*options.max_wal_rate)) {
        return hold("wal_rate " + format_whole(*signals.job_wal_rate) + " B/s > " +
                    std::to_string(*options.max_wal_rate) + " B/s");
    }
    if (options.throttle_query) {
        if (!signals.throttle_query_error.empty()) {
            return hold("throttle_query failed: " + signals.throttle_query_error);
        }
        if (signals.throttle_query.value_or(false)) {
            return hold("throttle_query returned true");
        }
    }
    return ThrottleDecision{};
}

// sleep and nice_ratio both ask for a pause after a chunk; the longer one
// wins so that neither is undercut by the other.
std::int64_t pause_after_chunk_us(const JobOptions& options, std::int64_t chunk_us) {
    const double nice = options.nice_ratio * static_cast<double>(chunk_us < 0 ? 0 : chunk_us);
    const std::int64_t nice_us =
        nice >= 9.0e18 ? std::numeric_limits<std::int64_t>::max() : std::llround(nice);
    return options.sleep_us > nice_us ? options.sleep_us : nice_us;
}

}  // namespace backfill

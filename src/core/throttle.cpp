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

#include "daily_budget.hpp"
#include "duration.hpp"
#include "user_error.hpp"

namespace backfill {

namespace {

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
    std::string budget = daily_budget_hold(options.max_rows_per_day, signals.rows_today);
    if (!budget.empty()) {
        return hold(budget);
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

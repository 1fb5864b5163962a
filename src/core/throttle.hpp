// The throttle policy: whether a job must wait before its next chunk, and
// why; how long to pause after a chunk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/options.hpp"

namespace backfill {

// What the server looks like now, as the PostgreSQL layer measured it.
// Absent values (nullopt) were not measured or are unknown (an idle
// standby's NULL lag) and never hold the job.
struct ServerSignals {
    int active_backends = 0;                            // other active client backends
    std::optional<double> replication_lag_s;            // worst standby replay lag
    std::optional<std::int64_t> replication_lag_bytes;  // worst standby or slot, bytes
    std::optional<double> job_wal_rate;                 // bytes/s the job wrote, averaged
    std::optional<bool> throttle_query;                 // result of throttle_query
    std::string throttle_query_error;                   // set when it failed
    int minute_of_day = 0;                              // server time zone
    std::int64_t rows_today = 0;  // rows the job wrote since the day began (max_rows_per_day)
};

struct ThrottleDecision {
    bool hold = false;
    // Which signal holds the job and its value, e.g. "active_backends 14 > 8",
    // "replication_lag 12.5s > 5s", "replication_lag_bytes 2000000 > 1000000",
    // "wal_rate 9000000 B/s > 5000000 B/s",
    // "outside window 22:00-06:00, 12:00-13:30 (now 14:05)",
    // "throttle_query returned true", "throttle_query failed: <error>",
    // "daily budget 5000 rows reached (resumes at 00:00)".
    // The first holding signal in that order is named.
    std::string reason;
};

// A held job is released only after this many clear checks in a row
// (checks run every 250 ms): load flickers from one sample to the next.
constexpr int kReleaseAfterClearChecks = 4;

// Applies the job's throttle options to the signals.
ThrottleDecision decide(const JobOptions& options, const ServerSignals& signals);

// The pause after a chunk that took chunk_us: the larger of sleep and
// nice_ratio x chunk_us.
std::int64_t pause_after_chunk_us(const JobOptions& options, std::int64_t chunk_us);

}  // namespace backfill

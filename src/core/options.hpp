// The job's options jsonb: known keys, their types, ranges and defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/validation.hpp"

namespace backfill {

// The JSON type of one top-level value, as jsonb_typeof names it.
enum class JsonKind { String, Number, Boolean, Null, Object, Array };

// One top-level key of the options object: its JSON kind and its value as
// text (strings unquoted, numbers and booleans as written).
struct OptionInput {
    std::string key;
    JsonKind kind;
    std::string text;
};

enum class OnFailure { Stop, Continue };

// When built chunks are published (swapped in): each on its own as soon as it
// is validated, in batches of partitions_per_batch, all together once every
// chunk is validated, or only when backfill.publish() is called.
enum class PublishMode { Each, Batch, End, Manual };

// The "release" option: who and what a backfill is for, recorded with every
// publication (the audit trail). Every field is optional.
struct ReleaseInfo {
    std::optional<std::string> owner, issue, change, code_version, approved_by, snapshot;
};

// A time window of the day; defined in core/throttle.hpp, which includes this
// header and is included at its end, so both orders of inclusion work.
struct TimeWindow;

struct JobOptions {
    std::string mode = "swap";
    int max_concurrency = 1;
    std::int64_t sleep_us = 0;
    std::int64_t lock_timeout_us = 100000;
    int swap_retries = 50;
    std::int64_t snapshot_wait_us = 600000000;  // wait for older snapshots before publishing
    int max_attempts = 3;
    OnFailure on_failure = OnFailure::Stop;
    bool retain = true;
    std::optional<std::int64_t> statement_timeout_us;       // none = no limit
    double nice_ratio = 0;                                  // pause = ratio x chunk time
    std::optional<int> max_active_backends;                 // none = off
    std::optional<std::int64_t> max_replication_lag_us;     // none = off
    std::optional<std::int64_t> max_replication_lag_bytes;  // none = off
    std::optional<std::int64_t> max_wal_rate;               // bytes per second; none = off
    std::vector<TimeWindow> windows;                        // empty = any time
    std::string window_text;  // windows normalized, "22:00-06:00, 12:00-13:30"; empty = any time
    std::optional<std::string> throttle_query;  // SQL returning boolean; none = off
    using PublishMode = backfill::PublishMode;  // also reachable as JobOptions::PublishMode
    PublishMode publish = PublishMode::Each;
    std::optional<int> partitions_per_batch;  // set exactly when publish is Batch
    ValidationSpec validate;                  // empty = chunks are not validated
    using ReleaseInfo = backfill::ReleaseInfo;
    ReleaseInfo release;
    // Partitions created inside the job's range after create become chunks
    // too (otherwise they are only reported).
    bool include_new_partitions = false;
};

// Validates every key and fills in defaults. Throws UserError naming the
// first key that is unknown, of the wrong JSON type or out of range.
JobOptions parse_options(const std::vector<OptionInput>& input);

// The effective options as a JSON object text with every key, in the order
// of JobOptions, durations formatted with format_duration (null for none).
std::string options_to_json(const JobOptions& options);

// One window as "HH:MM-HH:MM" (an end at midnight is "24:00"); defined in
// throttle.cpp.
std::string format_window(const TimeWindow& window);

}  // namespace backfill

// Completes TimeWindow for every user of JobOptions.
#include "core/throttle.hpp"  // IWYU pragma: export

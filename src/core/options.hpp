// The job's options: what a job was asked to do, read from the options jsonb
// by the rules of the option table (core/option_table.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/eras.hpp"
#include "core/time_window.hpp"
#include "core/validation.hpp"

namespace backfill {

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

// Mode merge: what wins when the source's row and the live row differ.
// source_wins: the source's row; live_wins: the live row (only missing rows
// are inserted); newer_wins: the source's row when its version_column is
// greater or equal.
enum class Conflict { SourceWins, LiveWins, NewerWins };

// Mode merge's options. Where they are absent the PostgreSQL layer fills
// them in at create from the target (key: its primary key; chunk_by: its
// range partition key; chunk_size: by chunk_by's type) and the job keeps
// what it used.
struct MergeOptions {
    std::vector<std::string> key;           // columns of a unique key
    std::optional<std::string> chunk_by;    // the column whose ranges are the chunks
    std::optional<std::string> chunk_size;  // an interval's text, or a positive number's
    Conflict conflict = Conflict::SourceWins;
    std::optional<std::string> version_column;  // exactly with newer_wins
    bool delete_missing = false;
    std::optional<std::string> watermark;  // SQL returning one value of chunk_by's type
};

// Every option as the runner uses it. The defaults are the option table's:
// a JobOptions comes from parse_options (or default_options), never from its
// zero-initialized members.
struct JobOptions {
    std::string mode;
    int max_concurrency = 0;
    std::int64_t sleep_us = 0;
    std::int64_t lock_timeout_us = 0;
    int swap_retries = 0;
    std::int64_t snapshot_wait_us = 0;  // wait for older snapshots before publishing
    int max_attempts = 0;
    OnFailure on_failure = OnFailure::Stop;
    bool retain = false;
    std::optional<std::int64_t> statement_timeout_us;       // none = no limit
    double nice_ratio = 0;                                  // pause = ratio x chunk time
    std::optional<int> max_active_backends;                 // none = off
    std::optional<std::int64_t> max_replication_lag_us;     // none = off
    std::optional<std::int64_t> max_replication_lag_bytes;  // none = off
    std::optional<std::int64_t> max_wal_rate;               // bytes per second; none = off
    std::vector<TimeWindow> windows;                        // empty = any time
    std::optional<std::string> throttle_query;              // SQL returning boolean; none = off
    using PublishMode = backfill::PublishMode;  // also reachable as JobOptions::PublishMode
    PublishMode publish = PublishMode::Each;
    std::optional<int> partitions_per_batch;  // set exactly when publish is Batch
    ValidationSpec validate;                  // empty = chunks are not validated
    using ReleaseInfo = backfill::ReleaseInfo;
    ReleaseInfo release;
    // Partitions created inside the job's range after create become chunks
    // too (otherwise they are only reported).
    bool include_new_partitions = false;
    MergeOptions merge;
    // A source per era of the key, in key order; empty = the job's source.
    std::vector<SourceEra> sources;
    // Mode swap: the partitions (leaves, or partitioned partitions meaning
    // all their leaves) the job is restricted to; empty = every leaf.
    std::vector<std::string> partitions;
    // Mode swap: default partitions (of any level) are chunks too.
    bool include_default = false;
    // Prove, inspect, announce (docs/announce.md): publish this many chunks,
    // then wait for backfill.approve(); none = no canary.
    std::optional<int> canary_chunks;
    // The NOTIFY channel of the job's announcements; none = silent.
    std::optional<std::string> notify;
    // SQL run as the owner after each publication unit commits; none = off.
    std::optional<std::string> after_publish;
    // Rows the job may write per day (server time zone); none = no budget.
    std::optional<std::int64_t> max_rows_per_day;
    // The first chunk is rehearsed before any chunk is built; a failed
    // check fails the job.
    bool rehearse = false;
    // Mode swap: the view that shows the job's range as it was before the
    // job (core/snapshot_view.hpp), as given; none = no view.
    std::optional<std::string> snapshot_view;
};

// Reads the options jsonb's text: a JSON object whose keys are options of
// the table. Validates every key, fills in the defaults and checks the
// options that go together (publish and partitions_per_batch). Throws
// UserError when the text is not an object, OptionError naming the JSON path
// of the first bad value (keys in sorted order, as jsonb keeps them).
// read_duration reads duration strings (PostgreSQL's interval input).
JobOptions parse_options(const std::string& json_text, const DurationReader& read_duration);

// The same for an already parsed JSON object (a specification document's
// options).
JobOptions parse_option_object(const nlohmann::json& object, const DurationReader& read_duration);

// Every option at its default.
JobOptions default_options();

// The effective options as a JSON object text with every key of the table,
// in its order, durations formatted with format_duration (null for none).
std::string options_to_json(const JobOptions& options);

}  // namespace backfill

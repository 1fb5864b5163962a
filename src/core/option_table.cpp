#include "option_table.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace backfill {

namespace {

constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();

// The most backends PostgreSQL can have (MAX_BACKENDS): a larger limit on
// active backends could never hold a job.
constexpr std::int64_t kMaxBackends = 262143;
// A canary larger than this is no canary.
constexpr std::int64_t kMaxCanary = 1000000;

// The loaders below give the echo each field as an OptionValue.

// An option that is off (none).
OptionValue null_value() {
    OptionValue v;
    v.is_null = true;
    return v;
}
// An optional number: an absent value is the option's null.
template <typename T>
OptionValue integer_or_null(const std::optional<T>& value) {
    OptionValue v;
    v.is_null = !value;
    v.integer = value.value_or(0);
    return v;
}
// A number that is always set (counts, durations in microseconds).
OptionValue integer_value(std::int64_t integer) {
    OptionValue v;
    v.integer = integer;
    return v;
}
// A choice or a query.
OptionValue text_value(const std::string& text) {
    OptionValue v;
    v.text = text;
    return v;
}
// A flag.
OptionValue boolean_value(bool boolean) {
    OptionValue v;
    v.boolean = boolean;
    return v;
}
// The storing side of integer_or_null: null becomes an absent value.
template <typename T>
std::optional<T> optional_integer(const OptionValue& v) {
    return v.is_null ? std::nullopt : std::optional<T>(static_cast<T>(v.integer));
}

// The choices of on_failure and publish, in the order of OnFailure and
// PublishMode: the index of a choice is its enumerator.
const char* const kOnFailure[] = {"stop", "continue"};
const char* const kPublish[] = {"each", "batch", "end", "manual"};
const char* const kConflict[] = {"source_wins", "live_wins", "newer_wins"};

// An optional text: an absent value is the option's null.
OptionValue text_or_null(const std::optional<std::string>& text) {
    OptionValue v;
    v.is_null = !text;
    v.text = text.value_or("");
    return v;
}
// The storing side of text_or_null.
std::optional<std::string> optional_text(const OptionValue& v) {
    return v.is_null ? std::nullopt : std::optional<std::string>(v.text);
}

// The table itself. A new option is one entry here, one field of
// JobOptions and one row of the README's options table.
std::vector<OptionSpec> make_table() {
    return {
        {"mode",
         OptionType::Choice,
         false,
         0,
         0,
         "",
         {"swap", "merge"},
         "\"swap\"",
         "\"swap\" builds each partition off to the side and swaps it in; \"merge\" corrects "
         "rows in place, range by range of chunk_by, on any table.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.mode = v.text; },
         [](const JobOptions& o) { return text_value(o.mode); }},
        {"max_concurrency",
         OptionType::Integer,
         false,
         1,
         64,
         "",
         {},
         "1",
         "It is the number of chunks built at the same time, each by its own worker.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.max_concurrency = static_cast<int>(v.integer);
         },
         [](const JobOptions& o) { return integer_value(o.max_concurrency); }},
        {"sleep",
         OptionType::Duration,
         false,
         0,
         kForever,
         "",
         {},
         "\"0\"",
         "It is the pause between chunks.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.sleep_us = v.integer; },
         [](const JobOptions& o) { return integer_value(o.sleep_us); }},
        {"lock_timeout",
         OptionType::Duration,
         false,
         kMillisecondUs,
         kHourUs,
         "between 1ms and 1h",
         {},
         "\"100ms\"",
         "It bounds each lock wait of the publishing transaction; keep it short, such as "
         "\"100ms\".",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.lock_timeout_us = v.integer; },
         [](const JobOptions& o) { return integer_value(o.lock_timeout_us); }},
        {"swap_retries",
         OptionType::Integer,
         false,
         1,
         1000,
         "",
         {},
         "50",
         "It is how many times the publishing transaction is tried before the chunk fails.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.swap_retries = static_cast<int>(v.integer); },
         [](const JobOptions& o) { return integer_value(o.swap_retries); }},
        {"snapshot_wait",
         OptionType::Duration,
         false,
         kSecondUs,
         7 * kDayUs,
         "between 1s and 7d",
         {},
         "\"10min\"",
         "It bounds how long publishing waits for transactions older than the build, such as an "
         "idle REPEATABLE READ transaction; past it the chunk stays built and is published later.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.snapshot_wait_us = v.integer; },
         [](const JobOptions& o) { return integer_value(o.snapshot_wait_us); }},
        {"max_attempts",
         OptionType::Integer,
         false,
         1,
         100,
         "",
         {},
         "3",
         "It is how many times a chunk is attempted before it is failed.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.max_attempts = static_cast<int>(v.integer); },
         [](const JobOptions& o) { return integer_value(o.max_attempts); }},
        {"on_failure",
         OptionType::Choice,
         false,
         0,
         0,
         "",
         {kOnFailure[0], kOnFailure[1]},
         "\"stop\"",
         "\"stop\" fails the job at the first failed chunk; \"continue\" goes on with the other "
         "chunks.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.on_failure = v.text == kOnFailure[0] ? OnFailure::Stop : OnFailure::Continue;
         },
         [](const JobOptions& o) {
             return text_value(kOnFailure[o.on_failure == OnFailure::Stop ? 0 : 1]);
         }},
        {"retain",
         OptionType::Boolean,
         false,
         0,
         0,
         "",
         {},
         "true",
         "It keeps the retained originals for rollback; with false they are dropped when their "
         "chunk is published.",
         SpecPlace::RollbackRetain,
         [](JobOptions& o, const OptionValue& v) { o.retain = v.boolean; },
         [](const JobOptions& o) { return boolean_value(o.retain); }},
        // PostgreSQL keeps statement_timeout in whole milliseconds in an int:
        // below 1ms it would round to 0 (no limit), above INT_MAX ms it is
        // refused.
        {"statement_timeout",
         OptionType::Duration,
         true,
         kMillisecondUs,
         24 * kDayUs,
         "between 1ms and 24d",
         {},
         "null",
         "It limits the build of one chunk, which fails when it runs longer; use null for no "
         "limit.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.statement_timeout_us = optional_integer<std::int64_t>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.statement_timeout_us); }},
        {"nice_ratio",
         OptionType::Ratio,
         false,
         0,
         100,
         "",
         {},
         "0",
         "It is the pause after each chunk as a multiple of the time the chunk took; 0.5 pauses "
         "for half as long as the chunk ran.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.nice_ratio = v.number; },
         [](const JobOptions& o) {
             OptionValue v;
             v.number = o.nice_ratio;
             return v;
         }},
        {"max_active_backends",
         OptionType::Integer,
         true,
         0,
         kMaxBackends,
         "",
         {},
         "null",
         "The job waits while more other client backends than this are active; use null for no "
         "limit.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.max_active_backends = optional_integer<int>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.max_active_backends); }},
        {"max_replication_lag",
         OptionType::Duration,
         true,
         1,
         kForever,
         "longer than 0",
         {},
         "null",
         "The job waits while a standby replays later than this; use null for no limit.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.max_replication_lag_us = optional_integer<std::int64_t>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.max_replication_lag_us); }},
        {"max_replication_lag_bytes",
         OptionType::PositiveBigint,
         true,
         0,
         0,
         "",
         {},
         "null",
         "The job waits while a standby or replication slot is more bytes of WAL behind than this; "
         "use null for no limit.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.max_replication_lag_bytes = optional_integer<std::int64_t>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.max_replication_lag_bytes); }},
        {"max_wal_rate",
         OptionType::PositiveBigint,
         true,
         0,
         0,
         "",
         {},
         "null",
         "It is the most bytes of WAL per second the job may write on average; use null for no "
         "limit.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.max_wal_rate = optional_integer<std::int64_t>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.max_wal_rate); }},
        {"window",
         OptionType::Windows,
         true,
         0,
         0,
         "",
         {},
         "null",
         "The times of day the job may work, in the server's time zone; use null for any time.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.windows = v.windows; },
         [](const JobOptions& o) {
             OptionValue v;
             v.is_null = o.windows.empty();
             v.windows = o.windows;
             return v;
         }},
        {"throttle_query",
         OptionType::Query,
         true,
         0,
         0,
         "",
         {},
         "null",
         "It is run before each chunk and the job waits while it returns true; use null for none.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.throttle_query = v.is_null ? std::nullopt : std::optional<std::string>(v.text);
         },
         [](const JobOptions& o) {
             return o.throttle_query ? text_value(*o.throttle_query) : null_value();
         }},
        {"publish",
         OptionType::Choice,
         false,
         0,
         0,
         "",
         {kPublish[0], kPublish[1], kPublish[2], kPublish[3]},
         "\"each\"",
         "\"each\" publishes every chunk on its own once it is validated, \"batch\" publishes "
         "partitions_per_batch chunks together, \"end\" publishes everything in one transaction "
         "once every chunk is validated, \"manual\" waits for backfill.publish().",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             for (int i = 0; i < 4; ++i) {
                 if (v.text == kPublish[i]) {
                     o.publish = static_cast<PublishMode>(i);
                 }
             }
         },
         [](const JobOptions& o) { return text_value(kPublish[static_cast<int>(o.publish)]); }},
        {"partitions_per_batch",
         OptionType::Integer,
         true,
         1,
         10000,
         "",
         {},
         "null",
         "partitions_per_batch is the number of partitions published together in one "
         "transaction, such as {\"publish\": \"batch\", \"partitions_per_batch\": 7}.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.partitions_per_batch = optional_integer<int>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.partitions_per_batch); }},
        {"validate",
         OptionType::Rules,
         true,
         0,
         0,
         "",
         {},
         "null",
         "It holds the rules each chunk is checked against before it is published: "
         "row_count_tolerance, aggregates, unique, not_null and query.",
         SpecPlace::Validation,
         [](JobOptions& o, const OptionValue& v) { o.validate = v.rules; },
         [](const JobOptions& o) {
             OptionValue v;
             v.is_null = o.validate.empty();
             v.rules = o.validate;
             return v;
         }},
        {"release",
         OptionType::Release,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Known keys of release are owner, issue, change, code_version, approved_by and snapshot, "
         "each a string.",
         SpecPlace::Audit,
         [](JobOptions& o, const OptionValue& v) { o.release = v.release; },
         [](const JobOptions& o) {
             const ReleaseInfo& r = o.release;
             OptionValue v;
             v.is_null = !r.owner && !r.issue && !r.change && !r.code_version && !r.approved_by &&
                         !r.snapshot;
             v.release = r;
             return v;
         }},
        {"include_new_partitions",
         OptionType::Boolean,
         false,
         0,
         0,
         "",
         {},
         "false",
         "Partitions created inside the job's range after create become chunks too; otherwise "
         "they are only reported.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.include_new_partitions = v.boolean; },
         [](const JobOptions& o) { return boolean_value(o.include_new_partitions); }},
        {"key",
         OptionType::Names,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Mode merge: the columns of a unique key of the target (a primary key or a unique index "
         "on exactly these columns), such as [\"id\"]; null means the primary key.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.merge.key = v.names; },
         [](const JobOptions& o) {
             OptionValue v;
             v.is_null = o.merge.key.empty();
             v.names = o.merge.key;
             return v;
         }},
        {"chunk_by",
         OptionType::Name,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Mode merge: the column whose ranges are the chunks (date, timestamp, timestamptz, "
         "smallint, integer, bigint or numeric); null means the range partition key.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.merge.chunk_by = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.merge.chunk_by); }},
        {"chunk_size",
         OptionType::Width,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Mode merge: the width of one chunk's range of chunk_by, an interval string such as "
         "\"1 day\" for dates and times, a positive number otherwise; null means \"1 day\" or "
         "100000.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.merge.chunk_size = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.merge.chunk_size); }},
        {"conflict",
         OptionType::Choice,
         false,
         0,
         0,
         "",
         {kConflict[0], kConflict[1], kConflict[2]},
         "\"source_wins\"",
         "Mode merge: \"source_wins\" replaces the live row, \"live_wins\" only inserts missing "
         "rows, \"newer_wins\" replaces the live row when the source's version_column is greater "
         "or equal.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             for (int i = 0; i < 3; ++i) {
                 if (v.text == kConflict[i]) {
                     o.merge.conflict = static_cast<Conflict>(i);
                 }
             }
         },
         [](const JobOptions& o) {
             return text_value(kConflict[static_cast<int>(o.merge.conflict)]);
         }},
        {"version_column",
         OptionType::Name,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Mode merge: the column of an orderable type that says which row is newer; required "
         "with \"conflict\": \"newer_wins\", refused otherwise.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.merge.version_column = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.merge.version_column); }},
        {"delete_missing",
         OptionType::Boolean,
         false,
         0,
         0,
         "",
         {},
         "false",
         "Mode merge: rows of the target inside a chunk's range that the source no longer "
         "produces are deleted.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.merge.delete_missing = v.boolean; },
         [](const JobOptions& o) { return boolean_value(o.merge.delete_missing); }},
        {"watermark",
         OptionType::Query,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Mode merge: a query returning one value of chunk_by's type, the live ingest's "
         "watermark; rows at or above it are never written.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.merge.watermark = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.merge.watermark); }},
        {"sources",
         OptionType::Eras,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Schema drift: a source per era of the key, such as [{\"from\": \"2024-01-01\", \"to\": "
         "\"2025-01-01\", \"source\": \"SELECT ...\"}, ...], covering [range_from, range_to) "
         "without gaps or overlaps; the source argument is then NULL.",
         SpecPlace::TopLevel,
         [](JobOptions& o, const OptionValue& v) { o.sources = v.eras; },
         [](const JobOptions& o) {
             OptionValue v;
             v.is_null = o.sources.empty();
             v.eras = o.sources;
             return v;
         }},
        {"partitions",
         OptionType::Tables,
         true,
         0,
         0,
         "",
         {},
         "null",
         "Mode swap: the partitions the job rebuilds, leaves or partitioned partitions (meaning "
         "all their leaves), such as [\"public.events_2024_01\"]; null means every leaf.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.partitions = v.names; },
         [](const JobOptions& o) {
             OptionValue v;
             v.is_null = o.partitions.empty();
             v.names = o.partitions;
             return v;
         }},
        {"include_default",
         OptionType::Boolean,
         false,
         0,
         0,
         "",
         {},
         "false",
         "Mode swap: default partitions (of any level) are rebuilt like any other leaf.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.include_default = v.boolean; },
         [](const JobOptions& o) { return boolean_value(o.include_default); }},
        {"canary_chunks",
         OptionType::Integer,
         true,
         1,
         kMaxCanary,
         "",
         {},
         "null",
         "Publish this many chunks, then pause (awaiting_approval) until backfill.approve(name); "
         "null for no canary.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.canary_chunks = optional_integer<int>(v); },
         [](const JobOptions& o) { return integer_or_null(o.canary_chunks); }},
        {"notify",
         OptionType::Channel,
         true,
         0,
         0,
         "",
         {},
         "\"backfill\"",
         "The channel of the job's announcements (NOTIFY after every publication unit, "
         "rollback, completion and failure); null for none.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.notify = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.notify); }},
        {"after_publish",
         OptionType::Query,
         true,
         0,
         0,
         "",
         {},
         "null",
         "SQL run as the owner after each publication unit commits; {range_from} and {range_to} "
         "become the unit's bounds as quoted literals.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.after_publish = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.after_publish); }},
        {"max_rows_per_day",
         OptionType::PositiveBigint,
         true,
         0,
         0,
         "",
         {},
         "null",
         "The job holds once it wrote this many rows since the day began (server time zone), "
         "until the next day; null for no budget.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) {
             o.max_rows_per_day = optional_integer<std::int64_t>(v);
         },
         [](const JobOptions& o) { return integer_or_null(o.max_rows_per_day); }},
        {"rehearse",
         OptionType::Boolean,
         false,
         0,
         0,
         "",
         {},
         "false",
         "With true the first chunk is rehearsed (backfill.rehearse) before any chunk is "
         "built, and a failed check fails the job before anything changes.",
         SpecPlace::Execution,
         [](JobOptions& o, const OptionValue& v) { o.rehearse = v.boolean; },
         [](const JobOptions& o) { return boolean_value(o.rehearse); }},
        {"snapshot_view",
         OptionType::ViewName,
         true,
         0,
         0,
         "",
         {},
         "null",
         "A view of this name (in the target's schema unless qualified) is made at create; it "
         "shows the job's partitions as they were before the job until purge drops it.",
         SpecPlace::RollbackSnapshot,
         [](JobOptions& o, const OptionValue& v) { o.snapshot_view = optional_text(v); },
         [](const JobOptions& o) { return text_or_null(o.snapshot_view); }},
    };
}

}  // namespace

// Built once: the table is read for every options object and every echo.
const std::vector<OptionSpec>& option_table() {
    static const std::vector<OptionSpec> table = make_table();
    return table;
}

// Keys are looked up by name; the table is short enough to scan.
const OptionSpec* find_option(const std::string& name) {
    for (const OptionSpec& spec : option_table()) {
        if (name == spec.name) {
            return &spec;
        }
    }
    return nullptr;
}

// The options one mode's jobs take and the other's refuse.
const char* option_mode(const std::string& name) {
    static const char* const swap_only[] = {
        "lock_timeout",           "swap_retries", "retain",          "snapshot_wait",
        "include_new_partitions", "partitions",   "include_default", "snapshot_view"};
    static const char* const merge_only[] = {"key",      "chunk_by",       "chunk_size",
                                             "conflict", "version_column", "delete_missing",
                                             "watermark"};
    for (const char* option : swap_only) {
        if (name == option) {
            return "swap";
        }
    }
    for (const char* option : merge_only) {
        if (name == option) {
            return "merge";
        }
    }
    return nullptr;
}

// Hints list the keys a place accepts, so they never fall behind the table.
std::string option_names(std::optional<SpecPlace> place) {
    std::vector<std::string> names;
    for (const OptionSpec& spec : option_table()) {
        if (!place || spec.spec_place == *place) {
            names.push_back(spec.name);
        }
    }
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    return out;
}

}  // namespace backfill

#include "options.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "duration.hpp"
#include "json.hpp"
#include "throttle.hpp"
#include "user_error.hpp"
#include "validation.hpp"

namespace backfill {

namespace {

constexpr std::int64_t kMillisecond = 1000;
constexpr std::int64_t kHour = 3600 * 1000 * kMillisecond;
constexpr std::int64_t kDay = 24 * kHour;

const char* const kKnownOptions =
    "Known options are mode, max_concurrency, sleep, lock_timeout, swap_retries, snapshot_wait, "
    "max_attempts, on_failure, retain, statement_timeout, nice_ratio, max_active_backends, "
    "max_replication_lag, "
    "max_replication_lag_bytes, max_wal_rate, window, throttle_query, publish, "
    "partitions_per_batch, validate, release and include_new_partitions.";

// The most backends PostgreSQL can have (MAX_BACKENDS): a larger limit on
// active backends could never hold a job.
constexpr int kMaxBackends = 262143;

// The largest whole number whole_number() reads (18 digits).
constexpr std::int64_t kMaxWhole = 999999999999999999;

const char* const kWindowHint =
    "Give windows as \"HH:MM-HH:MM\", several separated by commas, e.g. \"22:00-06:00\".";

const char* const kDurationHint =
    "Durations are JSON strings made of a number and a unit (us, ms, s, min, h, d), such as "
    "\"250ms\" or \"1min 30s\".";

// The value as the user wrote it, for "..., not <value>" in messages.
std::string json_describe(const OptionInput& in) {
    switch (in.kind) {
        case JsonKind::String:
            return "\"" + in.text + "\"";
        case JsonKind::Object:
            return "an object";
        case JsonKind::Array:
            return "an array";
        case JsonKind::Null:
            return "null";
        case JsonKind::Number:
        case JsonKind::Boolean:
            break;
    }
    return in.text;
}

// Every option error has the same shape: the key, what it must be, and what
// it was instead.
[[noreturn]] void refuse(const OptionInput& in, const std::string& expected,
                         const std::string& hint) {
    throw UserError(ErrorKind::InvalidParameter,
                    "option \"" + in.key + "\" must be " + expected + ", not " + json_describe(in),
                    hint);
}

// A JSON number that is a whole value ("3", "-2", "4.0"); nullopt for
// fractions and for magnitudes no option could accept.
std::optional<long long> whole_number(const std::string& text) {
    std::size_t pos = text.empty() || text[0] != '-' ? 0 : 1;
    const std::size_t digits_begin = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        ++pos;
    }
    const std::size_t digits = pos - digits_begin;
    if (digits == 0 || digits > 18) {
        return std::nullopt;
    }
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && text[pos] == '0') {
            ++pos;
        }
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    return std::stoll(text.substr(0, digits_begin + digits));
}

// The integer options: a JSON number, whole, within [low, high]; meaning
// says what the option does, as the hint for a value out of range.
int integer_option(const OptionInput& in, int low, int high, const std::string& meaning) {
    const std::string expected =
        "an integer from " + std::to_string(low) + " to " + std::to_string(high);
    if (in.kind != JsonKind::Number) {
        refuse(in, expected,
               "Write it as a JSON number without quotes, such as {\"" + in.key +
                   "\": " + std::to_string(low) + "}.");
    }
    std::optional<long long> value = whole_number(in.text);
    if (!value || *value < low || *value > high) {
        refuse(in, expected, meaning);
    }
    return static_cast<int>(*value);
}

// The duration options: a JSON string that parse_duration_us reads, within
// [low_us, high_us]; range_text says the range in words for the message.
std::int64_t duration_option(const OptionInput& in, std::int64_t low_us, std::int64_t high_us,
                             const std::string& range_text, const std::string& range_hint) {
    std::optional<std::int64_t> us;
    if (in.kind == JsonKind::String) {
        us = parse_duration_us(in.text);
    }
    if (!us) {
        refuse(in, "a duration such as '100ms'", kDurationHint);
    }
    if (*us < low_us || *us > high_us) {
        refuse(in, range_text, range_hint);
    }
    return *us;
}

// The positive 64-bit options (bytes, bytes per second): a JSON number,
// whole, from 1 to kMaxWhole; meaning is the hint for a value out of range.
std::int64_t positive_int64_option(const OptionInput& in, const std::string& meaning) {
    const std::string expected = "a positive integer";
    if (in.kind != JsonKind::Number) {
        refuse(in, expected,
               "Write it as a JSON number without quotes, such as {\"" + in.key + "\": 1000000}.");
    }
    std::optional<long long> value = whole_number(in.text);
    if (!value) {
        std::size_t digits = 0;
        while (digits < in.text.size() && in.text[digits] >= '0' && in.text[digits] <= '9') {
            ++digits;
        }
        if (digits > 18) {
            refuse(in, "at most " + std::to_string(kMaxWhole), meaning);
        }
    }
    if (!value || *value < 1) {
        refuse(in, expected, meaning);
    }
    return static_cast<std::int64_t>(*value);
}

// nice_ratio: a JSON number, fractions allowed, from 0 to 100.
double ratio_option(const OptionInput& in) {
    const std::string expected = "a number from 0 to 100";
    if (in.kind != JsonKind::Number) {
        refuse(in, expected,
               "Write it as a JSON number without quotes, such as {\"" + in.key + "\": 0.5}.");
    }
    char* end = nullptr;
    const double value = std::strtod(in.text.c_str(), &end);
    if (in.text.empty() || end != in.text.c_str() + in.text.size() || !(value >= 0.0) ||
        value > 100.0) {
        refuse(in, expected,
               "It is the pause after each chunk as a multiple of the time the chunk took; 0.5 "
               "pauses for half as long as the chunk ran.");
    }
    return value == 0.0 ? 0.0 : value;  // no "-0" in the echo
}

// A double as a JSON number that reads back to the same value, as short as
// people write it: 0.1 and not 0.10000000000000001, 100 and not 1e+02.
std::string json_number(double value) {
    char buf[32];
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) {
            break;
        }
    }
    return buf;
}

// The publish modes by their option names.
const char* publish_name(PublishMode mode) {
    switch (mode) {
        case PublishMode::Each:
            return "each";
        case PublishMode::Batch:
            return "batch";
        case PublishMode::End:
            return "end";
        case PublishMode::Manual:
            break;
    }
    return "manual";
}

const char* const kPublishHint =
    "\"each\" publishes every chunk on its own once it is validated, \"batch\" publishes "
    "partitions_per_batch chunks together, \"end\" publishes everything in one transaction once "
    "every chunk is validated, \"manual\" waits for backfill.publish().";

const char* const kBatchHint =
    "partitions_per_batch is the number of partitions published together in one transaction, "
    "such as {\"publish\": \"batch\", \"partitions_per_batch\": 7}.";

const char* const kReleaseHint =
    "Known keys of release are owner, issue, change, code_version, approved_by and snapshot, "
    "each a string.";

// The nested options (validate, release) arrive as their JSON text; a value
// of another kind is refused before any parsing.
Json object_option(const OptionInput& in, const std::string& expected, const std::string& hint) {
    if (in.kind != JsonKind::Object) {
        refuse(in, expected, hint);
    }
    return parse_json(in.text, "option \"" + in.key + "\"");
}

// release: an object of the six audit strings, each optional.
ReleaseInfo release_option(const OptionInput& in) {
    const Json value = object_option(
        in, "an object such as {\"approved_by\": \"finance-controller\"}", kReleaseHint);
    ReleaseInfo release;
    for (const auto& [key, field] : value.fields) {
        std::optional<std::string>* slot = key == "owner"          ? &release.owner
                                           : key == "issue"        ? &release.issue
                                           : key == "change"       ? &release.change
                                           : key == "code_version" ? &release.code_version
                                           : key == "approved_by"  ? &release.approved_by
                                           : key == "snapshot"     ? &release.snapshot
                                                                   : nullptr;
        if (slot == nullptr) {
            throw UserError(ErrorKind::InvalidParameter, "unknown option \"release." + key + "\"",
                            kReleaseHint);
        }
        if (field.kind != Json::Kind::String) {
            throw UserError(
                ErrorKind::InvalidParameter,
                "option \"release." + key + "\" must be a string, not " + json_describe(field),
                kReleaseHint);
        }
        *slot = field.text;
    }
    return release;
}

// The release echo: the keys that are set, or null when none is.
std::string release_json(const ReleaseInfo& release) {
    std::string out;
    auto add = [&out](const char* key, const std::optional<std::string>& value) {
        if (value) {
            out += (out.empty() ? "" : ", ") + json_quote(key) + ": " + json_quote(*value);
        }
    };
    add("owner", release.owner);
    add("issue", release.issue);
    add("change", release.change);
    add("code_version", release.code_version);
    add("approved_by", release.approved_by);
    add("snapshot", release.snapshot);
    return out.empty() ? "null" : "{" + out + "}";
}

}  // namespace

// The options jsonb is user input; every key is checked here before a job is
// recorded, so a bad value never reaches a worker.
JobOptions parse_options(const std::vector<OptionInput>& input) {
    JobOptions options;
    bool publish_given = false;
    for (const OptionInput& in : input) {
        if (in.key == "mode") {
            if (in.kind != JsonKind::String || in.text != "swap") {
                refuse(in, "\"swap\"",
                       "Only swap mode exists: each chunk is a partition built off to the side "
                       "and swapped in.");
            }
            options.mode = in.text;
        } else if (in.key == "max_concurrency") {
            options.max_concurrency = integer_option(
                in, 1, 64,
                "It is the number of chunks built at the same time, each by its own worker.");
        } else if (in.key == "sleep") {
            // A parsed duration is never negative and a sleep has no upper
            // limit, so no range message is ever needed.
            options.sleep_us =
                duration_option(in, 0, std::numeric_limits<std::int64_t>::max(), "", "");
        } else if (in.key == "lock_timeout") {
            options.lock_timeout_us = duration_option(
                in, kMillisecond, kHour, "between 1ms and 1h",
                "It bounds each lock wait of the publishing transaction; keep it short, such as "
                "\"100ms\".");
        } else if (in.key == "swap_retries") {
            options.swap_retries = integer_option(
                in, 1, 1000,
                "It is how many times the publishing transaction is tried before the chunk fails.");
        } else if (in.key == "snapshot_wait") {
            options.snapshot_wait_us = duration_option(
                in, 1000 * kMillisecond, 7 * kDay, "between 1s and 7d",
                "It bounds how long publishing waits for transactions older than the build, such "
                "as an idle REPEATABLE READ transaction; past it the chunk stays built and is "
                "published later.");
        } else if (in.key == "max_attempts") {
            options.max_attempts = integer_option(
                in, 1, 100, "It is how many times a chunk is attempted before it is failed.");
        } else if (in.key == "on_failure") {
            if (in.kind != JsonKind::String || (in.text != "stop" && in.text != "continue")) {
                refuse(in, "\"stop\" or \"continue\"",
                       "\"stop\" fails the job at the first failed chunk; \"continue\" goes on "
                       "with the other chunks.");
            }
            options.on_failure = in.text == "stop" ? OnFailure::Stop : OnFailure::Continue;
        } else if (in.key == "retain") {
            if (in.kind != JsonKind::Boolean) {
                refuse(in, "true or false", "Write it as a JSON boolean without quotes.");
            }
            options.retain = in.text == "true";
        } else if (in.key == "include_new_partitions") {
            if (in.kind != JsonKind::Boolean) {
                refuse(in, "true or false", "Write it as a JSON boolean without quotes.");
            }
            options.include_new_partitions = in.text == "true";
        } else if (in.key == "statement_timeout") {
            if (in.kind == JsonKind::Null) {
                options.statement_timeout_us.reset();
            } else {
                // PostgreSQL keeps statement_timeout in whole milliseconds
                // in an int: below 1ms it would round to 0 (no limit), above
                // INT_MAX ms it is refused.
                options.statement_timeout_us = duration_option(
                    in, kMillisecond, 24 * kDay, "between 1ms and 24d", "Use null for no limit.");
            }
        } else if (in.key == "nice_ratio") {
            options.nice_ratio = ratio_option(in);
        } else if (in.key == "max_active_backends") {
            if (in.kind == JsonKind::Null) {
                options.max_active_backends.reset();
            } else {
                options.max_active_backends = integer_option(
                    in, 0, kMaxBackends,
                    "The job waits while more other client backends than this are active; use "
                    "null for no limit.");
            }
        } else if (in.key == "max_replication_lag") {
            if (in.kind == JsonKind::Null) {
                options.max_replication_lag_us.reset();
            } else {
                options.max_replication_lag_us = duration_option(
                    in, 1, std::numeric_limits<std::int64_t>::max(), "longer than 0",
                    "The job waits while a standby replays later than this; use null for no "
                    "limit.");
            }
        } else if (in.key == "max_replication_lag_bytes") {
            if (in.kind == JsonKind::Null) {
                options.max_replication_lag_bytes.reset();
            } else {
                options.max_replication_lag_bytes = positive_int64_option(
                    in,
                    "The job waits while a standby or replication slot is more bytes of WAL "
                    "behind than this; use null for no limit.");
            }
        } else if (in.key == "max_wal_rate") {
            if (in.kind == JsonKind::Null) {
                options.max_wal_rate.reset();
            } else {
                options.max_wal_rate = positive_int64_option(
                    in,
                    "It is the most bytes of WAL per second the job may write on average; use "
                    "null for no limit.");
            }
        } else if (in.key == "window") {
            if (in.kind == JsonKind::Null) {
                options.windows.clear();
                options.window_text.clear();
            } else if (in.kind == JsonKind::Array && !in.text.empty() && in.text[0] == '[') {
                // The PostgreSQL layer passes an array holding anything but
                // strings as its JSON text.
                throw UserError(ErrorKind::InvalidParameter,
                                "option \"window\" must be an array of strings, not " + in.text,
                                kWindowHint);
            } else if (in.kind != JsonKind::String && in.kind != JsonKind::Array) {
                refuse(in, "a string such as \"22:00-06:00\" or an array of them", kWindowHint);
            } else {
                options.windows = parse_windows(in.text);
                options.window_text.clear();
                for (const TimeWindow& w : options.windows) {
                    options.window_text +=
                        (options.window_text.empty() ? "" : ", ") + format_window(w);
                }
            }
        } else if (in.key == "throttle_query") {
            if (in.kind == JsonKind::Null) {
                options.throttle_query.reset();
            } else {
                bool blank = true;
                for (char c : in.text) {
                    blank = blank && std::isspace(static_cast<unsigned char>(c)) != 0;
                }
                if (in.kind != JsonKind::String || blank) {
                    refuse(in, "a query as a non-empty string",
                           "It is run before each chunk and the job waits while it returns true; "
                           "use null for none.");
                }
                options.throttle_query = in.text;
            }
        } else if (in.key == "publish") {
            if (in.kind != JsonKind::String || (in.text != "each" && in.text != "batch" &&
                                                in.text != "end" && in.text != "manual")) {
                refuse(in, "\"each\", \"batch\", \"end\" or \"manual\"", kPublishHint);
            }
            options.publish = in.text == "each"    ? PublishMode::Each
                              : in.text == "batch" ? PublishMode::Batch
                              : in.text == "end"   ? PublishMode::End
                                                   : PublishMode::Manual;
            publish_given = true;
        } else if (in.key == "partitions_per_batch") {
            if (in.kind == JsonKind::Null) {
                options.partitions_per_batch.reset();
            } else {
                options.partitions_per_batch = integer_option(in, 1, 10000, kBatchHint);
            }
        } else if (in.key == "validate") {
            if (in.kind == JsonKind::Null) {
                options.validate = ValidationSpec();
            } else {
                options.validate = parse_validation(object_option(
                    in, "an object such as {\"row_count_tolerance\": 0}",
                    "It holds the rules each chunk is checked against before it is published: "
                    "row_count_tolerance, aggregates, unique, not_null and query."));
            }
        } else if (in.key == "release") {
            options.release = in.kind == JsonKind::Null ? ReleaseInfo() : release_option(in);
        } else {
            throw UserError(ErrorKind::InvalidParameter, "unknown option \"" + in.key + "\"",
                            kKnownOptions);
        }
    }
    // publish and partitions_per_batch are checked together, whatever the
    // order of the keys: the size alone means batches, and only batches have
    // a size.
    if (options.partitions_per_batch && !publish_given) {
        options.publish = PublishMode::Batch;
    }
    if (options.publish == PublishMode::Batch && !options.partitions_per_batch) {
        throw UserError(ErrorKind::InvalidParameter,
                        "option \"partitions_per_batch\" must be given with \"publish\": \"batch\"",
                        kBatchHint);
    }
    if (options.publish != PublishMode::Batch && options.partitions_per_batch) {
        throw UserError(ErrorKind::InvalidParameter,
                        std::string("option \"partitions_per_batch\" cannot be combined with "
                                    "\"publish\": \"") +
                            publish_name(options.publish) + "\"",
                        "Batches have a size only with \"publish\": \"batch\"; remove "
                        "partitions_per_batch or publish in batches.");
    }
    return options;
}

// The jobs view shows the effective options, defaults included, so that a
// job's behaviour can be read off one row.
std::string options_to_json(const JobOptions& options) {
    std::string out = "{";
    out += "\"mode\": " + json_quote(options.mode);
    out += ", \"max_concurrency\": " + std::to_string(options.max_concurrency);
    out += ", \"sleep\": " + json_quote(format_duration(options.sleep_us));
    out += ", \"lock_timeout\": " + json_quote(format_duration(options.lock_timeout_us));
    out += ", \"swap_retries\": " + std::to_string(options.swap_retries);
    out += ", \"snapshot_wait\": " + json_quote(format_duration(options.snapshot_wait_us));
    out += ", \"max_attempts\": " + std::to_string(options.max_attempts);
    out += ", \"on_failure\": ";
    out += options.on_failure == OnFailure::Stop ? "\"stop\"" : "\"continue\"";
    out += ", \"retain\": ";
    out += options.retain ? "true" : "false";
    out += ", \"statement_timeout\": ";
    out += options.statement_timeout_us ? json_quote(format_duration(*options.statement_timeout_us))
                                        : "null";
    out += ", \"nice_ratio\": " + json_number(options.nice_ratio);
    out += ", \"max_active_backends\": ";
    out += options.max_active_backends ? std::to_string(*options.max_active_backends) : "null";
    out += ", \"max_replication_lag\": ";
    out += options.max_replication_lag_us
               ? json_quote(format_duration(*options.max_replication_lag_us))
               : "null";
    out += ", \"max_replication_lag_bytes\": ";
    out += options.max_replication_lag_bytes ? std::to_string(*options.max_replication_lag_bytes)
                                             : "null";
    out += ", \"max_wal_rate\": ";
    out += options.max_wal_rate ? std::to_string(*options.max_wal_rate) : "null";
    out += ", \"window\": ";
    if (options.windows.empty()) {
        out += "null";
    } else {
        out += "[";
        for (std::size_t i = 0; i < options.windows.size(); ++i) {
            out += (i == 0 ? "" : ", ") + json_quote(format_window(options.windows[i]));
        }
        out += "]";
    }
    out += ", \"throttle_query\": ";
    out += options.throttle_query ? json_quote(*options.throttle_query) : "null";
    out += ", \"publish\": " + json_quote(publish_name(options.publish));
    out += ", \"partitions_per_batch\": ";
    out += options.partitions_per_batch ? std::to_string(*options.partitions_per_batch) : "null";
    out += ", \"validate\": ";
    out += options.validate.empty() ? "null" : validation_to_json(options.validate);
    out += ", \"release\": " + release_json(options.release);
    out += ", \"include_new_partitions\": ";
    out += options.include_new_partitions ? "true" : "false";
    return out + "}";
}

}  // namespace backfill

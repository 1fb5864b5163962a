// The job's options jsonb: known keys, their types, ranges and defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

struct JobOptions {
    std::string mode = "swap";
    int max_concurrency = 1;
    std::int64_t sleep_us = 0;
    std::int64_t lock_timeout_us = 100000;
    int swap_retries = 50;
    int max_attempts = 3;
    OnFailure on_failure = OnFailure::Stop;
    bool retain = true;
    std::optional<std::int64_t> statement_timeout_us;  // none = no limit
};

// Validates every key and fills in defaults. Throws UserError naming the
// first key that is unknown, of the wrong JSON type or out of range.
JobOptions parse_options(const std::vector<OptionInput>& input);

// The effective options as a JSON object text with every key, in the order
// of JobOptions, durations formatted with format_duration (null for none).
std::string options_to_json(const JobOptions& options);

}  // namespace backfill

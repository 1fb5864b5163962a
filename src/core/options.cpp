#include "options.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "duration.hpp"
#include "json_text.hpp"
#include "option_error.hpp"
#include "option_reader.hpp"
#include "option_table.hpp"
#include "user_error.hpp"
#include "validation.hpp"

namespace backfill {

namespace {

using nlohmann::json;

// The audit record as JSON: the keys that are set, in the order of
// ReleaseInfo.
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
    return "{" + out + "}";
}

// One option's value as the echo writes it, by its type in the table.
std::string value_json(const OptionSpec& spec, const OptionValue& v) {
    if (v.is_null) {
        return "null";
    }
    switch (spec.type) {
        case OptionType::Choice:
        case OptionType::Query:
            return json_quote(v.text);
        case OptionType::Integer:
        case OptionType::PositiveBigint:
            return std::to_string(v.integer);
        case OptionType::Ratio:
            return json_number(v.number);
        case OptionType::Boolean:
            return v.boolean ? "true" : "false";
        case OptionType::Duration:
            return json_quote(format_duration(v.integer));
        case OptionType::Windows: {
            std::string out;
            for (const TimeWindow& w : v.windows) {
                out += (out.empty() ? "" : ", ") + json_quote(format_window(w));
            }
            return "[" + out + "]";
        }
        case OptionType::Rules:
            return validation_to_json(v.rules);
        case OptionType::Release:
            break;
    }
    return release_json(v.release);
}

// publish and partitions_per_batch are checked together, whatever the order
// of the keys: the size alone means batches, and only batches have a size.
void settle_publication(JobOptions& options, bool publish_given) {
    if (options.partitions_per_batch && !publish_given) {
        options.publish = PublishMode::Batch;
    }
    const char* const batch_hint = find_option("partitions_per_batch")->doc;
    if (options.publish == PublishMode::Batch && !options.partitions_per_batch) {
        throw OptionError("partitions_per_batch", "must be given with \"publish\": \"batch\"",
                          batch_hint);
    }
    if (options.publish != PublishMode::Batch && options.partitions_per_batch) {
        const OptionSpec& publish = *find_option("publish");
        throw OptionError(
            "partitions_per_batch",
            "cannot be combined with \"publish\": " + value_json(publish, publish.load(options)),
            "Batches have a size only with \"publish\": \"batch\"; remove "
            "partitions_per_batch or publish in batches.");
    }
}

}  // namespace

// The options jsonb is user input; every key is checked here before a job is
// recorded, so a bad value never reaches a worker.
JobOptions parse_option_object(const json& object, const DurationReader& read_duration) {
    JobOptions options;
    for (const OptionSpec& spec : option_table()) {
        spec.store(options, read_option(spec, json::parse(spec.default_json), read_duration));
    }
    for (const auto& [key, value] : object.items()) {
        const OptionSpec* spec = find_option(key);
        if (spec == nullptr) {
            throw OptionError::unknown(key,
                                       "Known options are " + option_names(std::nullopt) + ".");
        }
        spec->store(options, read_option(*spec, value, read_duration));
    }
    settle_publication(options, object.contains("publish"));
    return options;
}

// The PostgreSQL layer hands the jsonb over as its text.
JobOptions parse_options(const std::string& json_text, const DurationReader& read_duration) {
    const json object = read_json(json_text, "options");
    if (!object.is_object()) {
        throw UserError(ErrorKind::InvalidParameter, "options must be a JSON object",
                        "Pass options like '{\"lock_timeout\": \"200ms\"}'.");
    }
    return parse_option_object(object, read_duration);
}

// The jobs view shows the effective options, defaults included, so that a
// job's behaviour can be read off one row.
std::string options_to_json(const JobOptions& options) {
    std::string out;
    for (const OptionSpec& spec : option_table()) {
        out += (out.empty() ? "" : ", ") + json_quote(spec.name) + ": " +
               value_json(spec, spec.load(options));
    }
    return "{" + out + "}";
}

}  // namespace backfill

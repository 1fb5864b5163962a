#include "options.hpp"

#include <cctype>
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
        case OptionType::Name:
        case OptionType::Channel:
        case OptionType::ViewName:
            return json_quote(v.text);
        case OptionType::Names:
        case OptionType::Tables: {
            std::string out;
            for (const std::string& name : v.names) {
                out += (out.empty() ? "" : ", ") + json_quote(name);
            }
            return "[" + out + "]";
        }
        case OptionType::Width:
            // a number stays a number; an interval stays a string
            return !v.text.empty() && (std::isdigit(static_cast<unsigned char>(v.text[0])) != 0) &&
                           v.text.find_first_not_of("0123456789.eE+-") == std::string::npos
                       ? v.text
                       : json_quote(v.text);
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
        case OptionType::Eras: {
            std::string out;
            for (const SourceEra& era : v.eras) {
                out += std::string(out.empty() ? "" : ", ") + "{\"from\": " + json_quote(era.from) +
                       ", \"to\": " + json_quote(era.to) +
                       ", \"source\": " + json_quote(era.source) + "}";
            }
            return "[" + out + "]";
        }
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

// backfill.publish() is the approval of a manual job, and it publishes in
// the caller's transaction, after which no hook can run: a canary or an
// after_publish hook would never act there.
void settle_announcements(const JobOptions& options) {
    if (options.publish != PublishMode::Manual) {
        return;
    }
    const std::string complaint = "cannot be combined with \"publish\": \"manual\"";
    if (options.canary_chunks) {
        throw OptionError("canary_chunks", complaint,
                          "Nothing is published before backfill.publish(), which is the approval "
                          "already; remove canary_chunks or publish each, batch or end.");
    }
    if (options.after_publish) {
        throw OptionError("after_publish", complaint,
                          "backfill.publish() publishes in your transaction, so no hook can run "
                          "after its commit: run the statement yourself after it, or publish "
                          "each, batch or end.");
    }
}

// An option of the other mode is refused by name, so that nobody believes
// it does something here.
void refuse_other_mode(const JobOptions& options, const json& object) {
    for (const auto& item : object.items()) {
        const char* belongs = option_mode(item.key());
        if (belongs != nullptr && options.mode != belongs) {
            throw OptionError(item.key(), "applies to mode " + std::string(belongs) + " only",
                              "This job's mode is " + options.mode + "; remove \"" + item.key() +
                                  "\", or set \"mode\": \"" + belongs + "\".");
        }
    }
}

// Whether the options object asks for a snapshot view.
bool asks_snapshot_view(const json& object) {
    return object.contains("snapshot_view") && !object.at("snapshot_view").is_null();
}

// Mode merge corrects rows in place and keeps the old versions of its own
// rows only, so no view made at create could show the range as it was
// (docs/snapshot_view.md): said before the generic refusal of a swap option.
void refuse_snapshot_view_for_merge(const JobOptions& options, const json& object) {
    if (options.mode == "merge" && asks_snapshot_view(object)) {
        throw OptionError("snapshot_view", "is not available with mode merge",
                          "A merge job changes rows in place and keeps only the old versions of "
                          "the rows it changed, so no view can show the range as it was; compare "
                          "with backfill.diff(name), or use mode swap.");
    }
}

// A snapshot view shows the retained originals: without them (retain
// false) it would show nothing.
void settle_snapshot_view(const JobOptions& options, const json& object) {
    if (asks_snapshot_view(object) && !options.retain) {
        throw OptionError("snapshot_view", "cannot be combined with \"retain\": false",
                          "The view shows the retained originals, which retain false drops; keep "
                          "them (\"retain\": true) or remove snapshot_view.");
    }
}

// Mode merge's options that go together: version_column exactly with
// newer_wins; live_wins never changes a live row, so it deletes none.
void settle_merge(const JobOptions& options) {
    const MergeOptions& m = options.merge;
    if (m.conflict == Conflict::NewerWins && !m.version_column) {
        throw OptionError("version_column", "must be given with \"conflict\": \"newer_wins\"",
                          find_option("version_column")->doc);
    }
    if (m.conflict != Conflict::NewerWins && m.version_column) {
        throw OptionError("version_column", "is used only with \"conflict\": \"newer_wins\"",
                          "Remove version_column, or set \"conflict\": \"newer_wins\".");
    }
    if (m.conflict == Conflict::LiveWins && m.delete_missing) {
        throw OptionError("delete_missing", "cannot be combined with \"conflict\": \"live_wins\"",
                          "live_wins never changes a live row, so it deletes none either; use "
                          "source_wins or newer_wins to delete what the source no longer "
                          "produces.");
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
    // the mode first: it decides which other options the job takes
    if (object.contains("mode")) {
        const OptionSpec& mode = *find_option("mode");
        mode.store(options, read_option(mode, object.at("mode"), read_duration));
    }
    refuse_snapshot_view_for_merge(options, object);
    refuse_other_mode(options, object);
    for (const auto& [key, value] : object.items()) {
        const OptionSpec* spec = find_option(key);
        if (spec == nullptr) {
            throw OptionError::unknown(key,
                                       "Known options are " + option_names(std::nullopt) + ".");
        }
        spec->store(options, read_option(*spec, value, read_duration));
    }
    settle_snapshot_view(options, object);
    settle_publication(options, object.contains("publish"));
    settle_announcements(options);
    if (options.mode == "merge") {
        settle_merge(options);
    }
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
        const char* belongs = option_mode(spec.name);
        if (belongs != nullptr && options.mode != belongs) {
            continue;
        }
        out += (out.empty() ? "" : ", ") + json_quote(spec.name) + ": " +
               value_json(spec, spec.load(options));
    }
    return "{" + out + "}";
}

}  // namespace backfill

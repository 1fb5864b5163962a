#include "spec_document.hpp"

#include <cctype>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "user_error.hpp"
#include "validation.hpp"

namespace backfill {

namespace {

const char* const kTopFields =
    "A specification has the fields backfill_id, owner, source_range, target, reason, source, "
    "execution, validation, rollback, code_version and approved_by.";

const char* const kRequiredFields =
    "A specification needs at least backfill_id, target.table, target.partition_key and source.";

const char* const kExecutionFields =
    "execution takes job options: mode, max_concurrency, sleep, lock_timeout, swap_retries, "
    "snapshot_wait, max_attempts, on_failure, statement_timeout, nice_ratio, max_active_backends, "
    "max_replication_lag, max_replication_lag_bytes, max_wal_rate, window, throttle_query, "
    "publish and partitions_per_batch.";

const char* const kSourceRangeFields =
    "Known fields of source_range are start and end (the last key included), such as "
    "{\"start\": \"2024-12-01\", \"end\": \"2026-05-31\"}.";

const char* const kTargetFields =
    "Known fields of target are table and partition_key, such as {\"table\": "
    "\"finance.daily_revenue\", \"partition_key\": \"revenue_date\"}.";

const char* const kReasonFields = "Known fields of reason are issue and change.";

const char* const kValidationFields =
    "Known fields of validation are row_count_tolerance, aggregates, unique, not_null and query.";

const char* const kRollbackFields = "Known fields of rollback are retain and snapshot.";

const char* const kStringHint = "Write it as a JSON string in double quotes.";

// Every error about the document names the field by its dotted path.
[[noreturn]] void refuse_field(const std::string& path, const std::string& what,
                               const std::string& hint) {
    throw UserError(ErrorKind::InvalidParameter, "specification field \"" + path + "\" " + what,
                    hint);
}

// "source_range.start" for a field of source_range; "owner" at the top.
std::string path_of(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

// Refuses the first key of obj that is not among known; hint lists them.
void check_known(const Json& obj, const std::string& parent, const std::vector<std::string>& known,
                 const std::string& hint) {
    for (const auto& entry : obj.fields) {
        bool found = false;
        for (const std::string& k : known) {
            found = found || k == entry.first;
        }
        if (!found) {
            refuse_field(path_of(parent, entry.first), "is unknown", hint);
        }
    }
}

// The field, or nullptr when it is absent.
const Json* find(const Json& obj, const std::string& key) {
    auto it = obj.fields.find(key);
    return it == obj.fields.end() ? nullptr : &it->second;
}

// A section of the document (target, reason, ...): an object when present;
// hint names the fields it takes.
const Json* object_field(const Json& obj, const std::string& key, const std::string& hint) {
    const Json* value = find(obj, key);
    if (value != nullptr && value->kind != Json::Kind::Object) {
        refuse_field(key, "must be an object", hint);
    }
    return value;
}

// An optional string field; a value of another type is refused.
std::optional<std::string> string_field(const Json& obj, const std::string& parent,
                                        const std::string& key) {
    const Json* value = find(obj, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->kind != Json::Kind::String) {
        refuse_field(path_of(parent, key), "must be a string", kStringHint);
    }
    return value->text;
}

// A string field that must hold something: identifiers, bounds, the query.
std::optional<std::string> nonempty_string_field(const Json& obj, const std::string& parent,
                                                 const std::string& key) {
    std::optional<std::string> text = string_field(obj, parent, key);
    if (text) {
        bool blank = true;
        for (char c : *text) {
            blank = blank && std::isspace(static_cast<unsigned char>(c)) != 0;
        }
        if (blank) {
            refuse_field(path_of(parent, key), "must not be empty", kStringHint);
        }
    }
    return text;
}

// A string field without which no job can be made.
std::string required_string(const Json* obj, const std::string& parent, const std::string& key) {
    std::optional<std::string> text =
        obj == nullptr ? std::nullopt : nonempty_string_field(*obj, parent, key);
    if (!text) {
        throw UserError(ErrorKind::InvalidParameter,
                        "specification is missing \"" + path_of(parent, key) + "\"",
                        kRequiredFields);
    }
    return *text;
}

// A value back as JSON text, for the options object.
std::string write_json(const Json& value) {
    switch (value.kind) {
        case Json::Kind::Null:
            return "null";
        case Json::Kind::Boolean:
            return value.boolean ? "true" : "false";
        case Json::Kind::Number:
            return value.text;
        case Json::Kind::String:
            return json_quote(value.text);
        case Json::Kind::Array: {
            std::string out = "[";
            for (std::size_t i = 0; i < value.items.size(); ++i) {
                out += (i == 0 ? "" : ", ") + write_json(value.items[i]);
            }
            return out + "]";
        }
        case Json::Kind::Object:
            break;
    }
    std::string out = "{";
    for (const auto& [key, field] : value.fields) {
        out += (out.size() == 1 ? "" : ", ") + json_quote(key) + ": " + write_json(field);
    }
    return out + "}";
}

// One top-level option as the PostgreSQL layer hands it to parse_options:
// strings unquoted, an array of strings joined by commas, anything else as
// its JSON text.
OptionInput option_input(const std::string& key, const Json& value) {
    switch (value.kind) {
        case Json::Kind::String:
            return {key, JsonKind::String, value.text};
        case Json::Kind::Number:
            return {key, JsonKind::Number, value.text};
        case Json::Kind::Boolean:
            return {key, JsonKind::Boolean, value.boolean ? "true" : "false"};
        case Json::Kind::Null:
            return {key, JsonKind::Null, ""};
        case Json::Kind::Object:
            return {key, JsonKind::Object, write_json(value)};
        case Json::Kind::Array:
            break;
    }
    std::string joined;
    for (std::size_t i = 0; i < value.items.size(); ++i) {
        if (value.items[i].kind != Json::Kind::String) {
            return {key, JsonKind::Array, write_json(value)};
        }
        joined += (i == 0 ? "" : ",") + value.items[i].text;
    }
    return {key, JsonKind::Array, joined};
}

// The option errors name option keys ("max_concurrency", "validate.query",
// "retain"); the author of a specification wrote other paths
// ("execution.max_concurrency", "validation.query", "rollback.retain").
// Rewrites the error to name those (every other option comes from
// execution); an error it cannot place is kept.
[[noreturn]] void rethrow_for_spec(const UserError& e, const Json* execution) {
    const std::string message = e.what();
    const std::string unknown_prefix = "unknown option \"";
    const std::string option_prefix = "option \"";
    const bool unknown = message.compare(0, unknown_prefix.size(), unknown_prefix) == 0;
    const std::size_t name_begin = unknown ? unknown_prefix.size()
                                   : message.compare(0, option_prefix.size(), option_prefix) == 0
                                       ? option_prefix.size()
                                       : std::string::npos;
    const std::size_t name_end =
        name_begin == std::string::npos ? std::string::npos : message.find('"', name_begin);
    if (name_end == std::string::npos) {
        throw e;
    }
    const std::string name = message.substr(name_begin, name_end - name_begin);
    const std::string top = name.substr(0, name.find_first_of(".["));
    std::string path;
    std::string hint = e.hint();
    if (top == "validate") {
        path = "validation" + name.substr(top.size());
        if (unknown && name.find('[') == std::string::npos) {
            hint = kValidationFields;
        }
    } else if (top == "retain") {
        path = "rollback.retain";
    } else if (execution != nullptr) {
        path = "execution." + name;
        if (unknown) {
            hint = kExecutionFields;
        }
    } else {
        throw e;
    }
    throw UserError(e.kind(),
                    "specification field \"" + path + "\"" +
                        (unknown ? std::string(" is unknown") : message.substr(name_end + 1)),
                    hint);
}

}  // namespace

// backfill.start(spec) takes the document teams already write for review;
// this reads it into create()'s terms so one job model serves both.
SpecMapping map_spec(const std::string& document_json) {
    const Json doc = parse_json(document_json, "specification");
    if (doc.kind != Json::Kind::Object) {
        const std::string type = json_type_name(doc);
        throw UserError(ErrorKind::InvalidParameter,
                        "specification must be a JSON object, not " +
                            (type == "null"                        ? type
                             : type == "array" || type == "object" ? "an " + type
                                                                   : "a " + type),
                        kTopFields);
    }
    check_known(doc, "",
                {"backfill_id", "owner", "source_range", "target", "reason", "source", "execution",
                 "validation", "rollback", "code_version", "approved_by"},
                kTopFields);
    const Json* source_range = object_field(doc, "source_range", kSourceRangeFields);
    const Json* target = object_field(doc, "target", kTargetFields);
    const Json* reason = object_field(doc, "reason", kReasonFields);
    const Json* execution = object_field(doc, "execution", kExecutionFields);
    const Json* validation = object_field(doc, "validation", kValidationFields);
    const Json* rollback = object_field(doc, "rollback", kRollbackFields);
    if (source_range != nullptr) {
        check_known(*source_range, "source_range", {"start", "end"}, kSourceRangeFields);
    }
    if (target != nullptr) {
        check_known(*target, "target", {"table", "partition_key"}, kTargetFields);
    }
    if (reason != nullptr) {
        check_known(*reason, "reason", {"issue", "change"}, kReasonFields);
    }
    if (rollback != nullptr) {
        check_known(*rollback, "rollback", {"retain", "snapshot"}, kRollbackFields);
    }

    SpecMapping mapping;
    mapping.name = required_string(&doc, "", "backfill_id");
    mapping.target_table = required_string(target, "target", "table");
    mapping.partition_key = required_string(target, "target", "partition_key");
    mapping.source = required_string(&doc, "", "source");
    if (source_range != nullptr) {
        mapping.range_from = nonempty_string_field(*source_range, "source_range", "start");
        mapping.range_end_inclusive = nonempty_string_field(*source_range, "source_range", "end");
    }

    // The options object, key -> JSON text.
    std::map<std::string, std::string> options;
    if (execution != nullptr) {
        for (const auto& [key, value] : execution->fields) {
            if (key == "validate") {
                refuse_field("execution.validate", "is unknown",
                             "Give the validation rules in the validation section.");
            }
            if (key == "retain") {
                refuse_field("execution.retain", "is unknown", "Give it as rollback.retain.");
            }
            if (key == "release") {
                refuse_field("execution.release", "is unknown",
                             "The release record is made of owner, reason, code_version, "
                             "approved_by and rollback.snapshot.");
            }
            options[key] = write_json(value);
        }
        const Json* batch = find(*execution, "partitions_per_batch");
        if (batch != nullptr && batch->kind != Json::Kind::Null &&
            find(*execution, "publish") == nullptr) {
            options["publish"] = json_quote("batch");
        }
    }
    if (validation != nullptr) {
        try {
            const ValidationSpec rules = parse_validation(*validation);
            if (!rules.empty()) {
                options["validate"] = validation_to_json(rules);
            }
        } catch (const UserError& e) {
            rethrow_for_spec(e, execution);
        }
    }
    if (rollback != nullptr && find(*rollback, "retain") != nullptr) {
        options["retain"] = write_json(*find(*rollback, "retain"));
    }

    // The audit record, in the order of ReleaseInfo.
    std::string release;
    auto add_release = [&release](const char* key, const std::optional<std::string>& value) {
        if (value) {
            release += (release.empty() ? "" : ", ") + json_quote(key) + ": " + json_quote(*value);
        }
    };
    const Json no_section;
    add_release("owner", string_field(doc, "", "owner"));
    add_release("issue", string_field(reason != nullptr ? *reason : no_section, "reason", "issue"));
    add_release("change",
                string_field(reason != nullptr ? *reason : no_section, "reason", "change"));
    add_release("code_version", string_field(doc, "", "code_version"));
    add_release("approved_by", string_field(doc, "", "approved_by"));
    add_release("snapshot",
                string_field(rollback != nullptr ? *rollback : no_section, "rollback", "snapshot"));
    if (!release.empty()) {
        options["release"] = "{" + release + "}";
    }

    mapping.options_json = "{";
    for (const auto& [key, text] : options) {
        mapping.options_json +=
            (mapping.options_json.size() == 1 ? "" : ", ") + json_quote(key) + ": " + text;
    }
    mapping.options_json += "}";

    // The options are checked now, so a bad execution value is reported
    // under its path in the document rather than later as an option.
    const Json parsed = parse_json(mapping.options_json, "options");
    std::vector<OptionInput> inputs;
    for (const auto& [key, value] : parsed.fields) {
        inputs.push_back(option_input(key, value));
    }
    try {
        parse_options(inputs);
    } catch (const UserError& e) {
        rethrow_for_spec(e, execution);
    }
    return mapping;
}

}  // namespace backfill

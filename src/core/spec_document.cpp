#include "spec_document.hpp"

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "json_text.hpp"
#include "option_error.hpp"
#include "option_table.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace backfill {

namespace {

using nlohmann::json;

const char* const kTopFields =
    "A specification has the fields backfill_id, owner, source_range, target, reason, source, "
    "sources, execution, validation, rollback, code_version and approved_by.";

const char* const kRequiredFields =
    "A specification needs at least backfill_id, target.table, target.partition_key and source.";

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

// The execution section's hint, from the option table.
std::string execution_fields() {
    return "execution takes job options: " + option_names(SpecPlace::Execution) + ".";
}

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
void check_known(const json& obj, const std::string& parent, const std::vector<std::string>& known,
                 const std::string& hint) {
    for (const auto& entry : obj.items()) {
        bool found = false;
        for (const std::string& k : known) {
            found = found || k == entry.key();
        }
        if (!found) {
            refuse_field(path_of(parent, entry.key()), "is unknown", hint);
        }
    }
}

// The field, or nullptr when it is absent.
const json* find(const json* obj, const std::string& key) {
    if (obj == nullptr) {
        return nullptr;
    }
    auto it = obj->find(key);
    return it == obj->end() ? nullptr : &*it;
}

// A section of the document (target, reason, ...): an object when present,
// its fields among known.
const json* section(const json& doc, const std::string& key, const std::vector<std::string>& known,
                    const std::string& hint) {
    const json* value = find(&doc, key);
    if (value != nullptr && !value->is_object()) {
        refuse_field(key, "must be an object", hint);
    }
    if (value != nullptr && !known.empty()) {
        check_known(*value, key, known, hint);
    }
    return value;
}

// An optional string field; a value of another type is refused.
std::optional<std::string> string_field(const json* obj, const std::string& parent,
                                        const std::string& key) {
    const json* value = find(obj, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        refuse_field(path_of(parent, key), "must be a string", kStringHint);
    }
    return value->get<std::string>();
}

// A string field that must hold something: identifiers, bounds, the query.
std::optional<std::string> nonempty_string_field(const json* obj, const std::string& parent,
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
std::string required_string(const json* obj, const std::string& parent, const std::string& key) {
    std::optional<std::string> text = nonempty_string_field(obj, parent, key);
    if (!text) {
        throw UserError(ErrorKind::InvalidParameter,
                        "specification is missing \"" + path_of(parent, key) + "\"",
                        kRequiredFields);
    }
    return *text;
}

// "a string", "an array", "null": the type of a document that is no object.
std::string type_phrase(const json& value) {
    const std::string type = value.type_name();
    return type == "null" ? type : (type == "array" || type == "object" ? "an " : "a ") + type;
}

// An execution key the table places elsewhere in a specification is refused
// with the place to give it.
void check_execution_key(const std::string& key) {
    const OptionSpec* spec = find_option(key);
    if (spec == nullptr) {
        refuse_field("execution." + key, "is unknown", execution_fields());
    }
    switch (spec->spec_place) {
        case SpecPlace::Execution:
            return;
        case SpecPlace::Validation:
            refuse_field("execution." + key, "is unknown",
                         "Give the validation rules in the validation section.");
        case SpecPlace::RollbackRetain:
            refuse_field("execution." + key, "is unknown", "Give it as rollback.retain.");
        case SpecPlace::RollbackSnapshot:
            refuse_field("execution." + key, "is unknown", "Give it as rollback.snapshot.");
        case SpecPlace::TopLevel:
            refuse_field("execution." + key, "is unknown",
                         "Give it as the top-level field " + key + ".");
        case SpecPlace::Audit:
            break;
    }
    refuse_field("execution." + key, "is unknown",
                 "The release record is made of owner, reason, code_version, approved_by and "
                 "rollback.snapshot.");
}

// The audit record, from the fields of the document that describe the release.
json release_object(const json& doc, const json* reason, const json* rollback) {
    json release = json::object();
    auto add = [&release](const char* key, const std::optional<std::string>& value) {
        if (value) {
            release[key] = *value;
        }
    };
    add("owner", string_field(&doc, "", "owner"));
    add("issue", string_field(reason, "reason", "issue"));
    add("change", string_field(reason, "reason", "change"));
    add("code_version", string_field(&doc, "", "code_version"));
    add("approved_by", string_field(&doc, "", "approved_by"));
    add("snapshot", string_field(rollback, "rollback", "snapshot"));
    return release;
}

// An option error names the option's path ("validate.unique[0]"); the
// author of the document wrote another ("validation.unique[0]"). The table
// says where each option lives in a specification.
[[noreturn]] void rethrow_for_spec(const OptionError& e) {
    const std::string& path = e.path();
    const std::string top = path.substr(0, path.find_first_of(".["));
    const std::string rest = path.substr(top.size());
    const OptionSpec* spec = find_option(top);
    std::string field;
    std::string hint = e.hint();
    switch (spec == nullptr ? SpecPlace::Audit : spec->spec_place) {
        case SpecPlace::Execution:
            field = "execution." + path;
            break;
        case SpecPlace::Validation:
            field = "validation" + rest;
            if (e.is_unknown() && rest.find('[') == std::string::npos &&
                rest.find('.', 1) == std::string::npos) {
                hint = kValidationFields;
            }
            break;
        case SpecPlace::RollbackRetain:
            field = "rollback.retain" + rest;
            break;
        case SpecPlace::RollbackSnapshot:
            field = "rollback.snapshot" + rest;
            break;
        case SpecPlace::TopLevel:
            field = path;
            break;
        case SpecPlace::Audit:
            throw e;
    }
    refuse_field(field, e.is_unknown() ? "is unknown" : e.complaint(), hint);
}

}  // namespace

// backfill.start(spec) takes the document teams already write for review;
// this reads it into create()'s terms so one job model serves both.
SpecMapping map_spec(const std::string& document_json, const DurationReader& read_duration) {
    const json doc = read_json(document_json, "specification");
    if (!doc.is_object()) {
        throw UserError(ErrorKind::InvalidParameter,
                        "specification must be a JSON object, not " + type_phrase(doc), kTopFields);
    }
    check_known(doc, "",
                {"backfill_id", "owner", "source_range", "target", "reason", "source", "sources",
                 "execution", "validation", "rollback", "code_version", "approved_by"},
                kTopFields);
    const json* source_range = section(doc, "source_range", {"start", "end"}, kSourceRangeFields);
    const json* target = section(doc, "target", {"table", "partition_key"}, kTargetFields);
    const json* reason = section(doc, "reason", {"issue", "change"}, kReasonFields);
    const json* execution = section(doc, "execution", {}, execution_fields());
    const json* validation = section(doc, "validation", {}, kValidationFields);
    const json* rollback = section(doc, "rollback", {"retain", "snapshot"}, kRollbackFields);

    SpecMapping mapping;
    mapping.name = required_string(&doc, "", "backfill_id");
    mapping.target_table = required_string(target, "target", "table");
    mapping.partition_key = required_string(target, "target", "partition_key");
    // a source per era (sources) stands for the source
    mapping.source = find(&doc, "sources") != nullptr
                         ? nonempty_string_field(&doc, "", "source")
                         : std::optional<std::string>(required_string(&doc, "", "source"));
    mapping.range_from = nonempty_string_field(source_range, "source_range", "start");
    mapping.range_end_inclusive = nonempty_string_field(source_range, "source_range", "end");

    // The options object, each option taken from where the table places it.
    json options = json::object();
    if (execution != nullptr) {
        for (const auto& [key, value] : execution->items()) {
            check_execution_key(key);
            options[key] = value;
        }
    }
    const json release = release_object(doc, reason, rollback);
    for (const OptionSpec& spec : option_table()) {
        const json* value =
            spec.spec_place == SpecPlace::TopLevel                    ? find(&doc, spec.name)
            : spec.spec_place == SpecPlace::Validation                ? validation
            : spec.spec_place == SpecPlace::RollbackRetain            ? find(rollback, "retain")
            : spec.spec_place == SpecPlace::RollbackSnapshot          ? find(rollback, "snapshot")
            : spec.spec_place == SpecPlace::Audit && !release.empty() ? &release
                                                                      : nullptr;
        if (value != nullptr) {
            options[spec.name] = *value;
        }
    }
    try {
        mapping.options = parse_option_object(options, read_duration);
    } catch (const OptionError& e) {
        rethrow_for_spec(e);
    }
    return mapping;
}

}  // namespace backfill

#include "option_reader.hpp"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "json_text.hpp"
#include "option_error.hpp"
#include "snapshot_view.hpp"
#include "source_check.hpp"
#include "time_window.hpp"
#include "validation.hpp"

namespace backfill {

namespace {

using nlohmann::json;

// The largest whole number an option reads (18 digits).
constexpr std::int64_t kMaxWhole = 999999999999999999;

const char* const kDurationHint =
    "Durations are JSON strings made of a number and a unit (us, ms, s, min, h, d), such as "
    "\"250ms\" or \"1min 30s\".";

const char* const kBooleanHint = "Write it as a JSON boolean without quotes.";

// A JSON number that is a whole value (3, -2, 4.0); nullopt for fractions
// and for magnitudes beyond kMaxWhole.
std::optional<std::int64_t> whole_number(const json& value) {
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        return u > static_cast<std::uint64_t>(kMaxWhole)
                   ? std::nullopt
                   : std::optional<std::int64_t>(static_cast<std::int64_t>(u));
    }
    if (value.is_number_integer()) {
        const auto i = value.get<std::int64_t>();
        return i > kMaxWhole || i < -kMaxWhole ? std::nullopt : std::optional<std::int64_t>(i);
    }
    const double d = value.get<double>();
    if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > static_cast<double>(kMaxWhole)) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
}

// True for a number beyond kMaxWhole, whole or not.
bool too_large(const json& value) {
    return value.is_number() && !whole_number(value) &&
           !(std::fabs(value.get<double>()) <= static_cast<double>(kMaxWhole));
}

// True when the text has something besides whitespace.
bool has_text(const std::string& text) {
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) == 0) {
            return true;
        }
    }
    return false;
}

// "\"a\", \"b\" or \"c\"": the choices of a Choice option.
std::string choices_text(const OptionSpec& spec) {
    std::string out;
    for (std::size_t i = 0; i < spec.choices.size(); ++i) {
        out += (i == 0                         ? ""
                : i + 1 == spec.choices.size() ? " or "
                                               : ", ") +
               json_quote(spec.choices[i]);
    }
    return out;
}

// The hint for a value of the wrong JSON type where a number belongs.
std::string number_hint(const OptionSpec& spec, const std::string& example) {
    return "Write it as a JSON number without quotes, such as {\"" + std::string(spec.name) +
           "\": " + example + "}.";
}

// Integer: a whole number within the table's range; a type error shows how
// to write a number, a range error says what the option does.
OptionValue read_integer(const OptionSpec& spec, const json& value) {
    const std::string expected =
        "an integer from " + std::to_string(spec.low) + " to " + std::to_string(spec.high);
    if (!value.is_number()) {
        refuse_option(spec.name, expected, value, number_hint(spec, std::to_string(spec.low)));
    }
    const std::optional<std::int64_t> whole = whole_number(value);
    if (!whole || *whole < spec.low || *whole > spec.high) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    OptionValue v;
    v.integer = *whole;
    return v;
}

// PositiveBigint: byte counts and rates, from 1 up to 18 digits.
OptionValue read_positive_bigint(const OptionSpec& spec, const json& value) {
    if (!value.is_number()) {
        refuse_option(spec.name, "a positive integer", value, number_hint(spec, "1000000"));
    }
    if (too_large(value)) {
        refuse_option(spec.name, "at most " + std::to_string(kMaxWhole), value, spec.doc);
    }
    const std::optional<std::int64_t> whole = whole_number(value);
    if (!whole || *whole < 1) {
        refuse_option(spec.name, "a positive integer", value, spec.doc);
    }
    OptionValue v;
    v.integer = *whole;
    return v;
}

// Ratio: a number within the table's range, fractions allowed.
OptionValue read_ratio(const OptionSpec& spec, const json& value) {
    const std::string expected =
        "a number from " + std::to_string(spec.low) + " to " + std::to_string(spec.high);
    if (!value.is_number()) {
        refuse_option(spec.name, expected, value, number_hint(spec, "0.5"));
    }
    const double d = value.get<double>();
    if (!(d >= static_cast<double>(spec.low)) || d > static_cast<double>(spec.high)) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    OptionValue v;
    v.number = d == 0.0 ? 0.0 : d;  // no "-0" in the echo
    return v;
}

// Duration: a string that the reader (interval input) turns into
// microseconds, within the table's range.
OptionValue read_duration_option(const OptionSpec& spec, const json& value,
                                 const DurationReader& read_duration) {
    std::optional<std::int64_t> us;
    if (value.is_string()) {
        us = read_duration_us(value.get<std::string>(), read_duration);
    }
    if (!us) {
        refuse_option(spec.name, "a duration such as '100ms'", value, kDurationHint);
    }
    if (*us < spec.low || *us > spec.high) {
        refuse_option(spec.name, spec.range_text, value, spec.doc);
    }
    OptionValue v;
    v.integer = *us;
    return v;
}

// A string of windows, or an array of them (each may hold several).
OptionValue read_windows(const OptionSpec& spec, const json& value) {
    std::string text;
    if (value.is_string()) {
        text = value.get<std::string>();
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (!value[i].is_string()) {
                refuse_option(element_path(spec.name, i), "a string such as \"22:00-06:00\"",
                              value[i], kWindowHint);
            }
            text += (i == 0 ? "" : ",") + value[i].get<std::string>();
        }
    } else {
        refuse_option(spec.name, "a string such as \"22:00-06:00\" or an array of them", value,
                      kWindowHint);
    }
    OptionValue v;
    v.windows = parse_windows(text);
    return v;
}

// The audit record: each of its six keys optional, each a string.
ReleaseInfo read_release(const OptionSpec& spec, const json& value) {
    if (!value.is_object()) {
        refuse_option(spec.name, "an object such as {\"approved_by\": \"finance-controller\"}",
                      value, spec.doc);
    }
    ReleaseInfo release;
    for (const auto& [key, field] : value.items()) {
        std::optional<std::string>* slot = key == "owner"          ? &release.owner
                                           : key == "issue"        ? &release.issue
                                           : key == "change"       ? &release.change
                                           : key == "code_version" ? &release.code_version
                                           : key == "approved_by"  ? &release.approved_by
                                           : key == "snapshot"     ? &release.snapshot
                                                                   : nullptr;
        const std::string path = std::string(spec.name) + "." + key;
        if (slot == nullptr) {
            throw OptionError::unknown(path, spec.doc);
        }
        if (!field.is_string()) {
            refuse_option(path, "a string", field, spec.doc);
        }
        *slot = field.get<std::string>();
    }
    return release;
}

// Names (Tables): one column (table) name, or a non-empty array of them,
// each a non-empty string.
OptionValue read_names(const OptionSpec& spec, const json& value) {
    const bool tables = spec.type == OptionType::Tables;
    const std::string expected = tables ? "an array of partition names such as [\"public.t_2024\"]"
                                        : "an array of column names such as [\"id\"]";
    OptionValue v;
    if (value.is_string() && has_text(value.get<std::string>())) {
        v.names.push_back(value.get<std::string>());
        return v;
    }
    if (!value.is_array() || value.empty()) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string() || !has_text(value[i].get<std::string>())) {
            refuse_option(element_path(spec.name, i), tables ? "a partition name" : "a column name",
                          value[i], spec.doc);
        }
        v.names.push_back(value[i].get<std::string>());
    }
    return v;
}

// Width: a positive number (kept as JSON writes it) or an interval's text,
// which the PostgreSQL layer reads against chunk_by's type at create.
OptionValue read_width(const OptionSpec& spec, const json& value) {
    const std::string expected = "a positive number or an interval such as \"1 day\"";
    OptionValue v;
    if (value.is_number() && value.get<double>() > 0 && std::isfinite(value.get<double>())) {
        v.text = value.dump();
        return v;
    }
    if (!value.is_string() || !has_text(value.get<std::string>())) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    v.text = value.get<std::string>();
    return v;
}

// Eras: a non-empty array of objects with exactly from, to (key literals)
// and source (a query, stored as normalize_source leaves it).
OptionValue read_eras(const OptionSpec& spec, const json& value) {
    const std::string expected = "an array of {\"from\", \"to\", \"source\"} objects";
    if (!value.is_array() || value.empty()) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    OptionValue v;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string path = element_path(spec.name, i);
        if (!value[i].is_object()) {
            refuse_option(path, "an object with from, to and source", value[i], spec.doc);
        }
        for (const auto& [key, field] : value[i].items()) {
            if (key != "from" && key != "to" && key != "source") {
                throw OptionError::unknown(path + "." + key, spec.doc);
            }
        }
        SourceEra era;
        for (auto [key, slot] : {std::pair<const char*, std::string*>{"from", &era.from},
                                 {"to", &era.to},
                                 {"source", &era.source}}) {
            auto field = value[i].find(key);
            if (field == value[i].end() || !field->is_string() ||
                !has_text(field->get<std::string>())) {
                refuse_option(path + "." + key, "a non-empty string",
                              field == value[i].end() ? json() : *field, spec.doc);
            }
            *slot = field->get<std::string>();
        }
        era.source = normalize_source(era.source);
        v.eras.push_back(std::move(era));
    }
    return v;
}

// A NOTIFY channel as LISTEN names it without quotes: a lower-case
// identifier, at most 63 bytes (longer names are cut by the server, and a
// listener would never hear the job).
OptionValue read_channel(const OptionSpec& spec, const json& value) {
    const char* expected =
        "a channel name (lower-case letters, digits, _ and $, starting with a letter or _, at "
        "most 63 bytes) or null";
    if (!value.is_string()) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    const std::string text = value.get<std::string>();
    bool ok = !text.empty() && text.size() <= 63 &&
              ((text[0] >= 'a' && text[0] <= 'z') || text[0] == '_');
    for (char c : text) {
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
    }
    if (!ok) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    OptionValue v;
    v.text = text;
    return v;
}

// A view name is read now, so that a bad one is refused before anything is
// recorded; the text is kept as given.
OptionValue read_view_name(const OptionSpec& spec, const json& value) {
    const char* expected = "a view name such as \"events_before\" or \"audit.events_before\"";
    if (!value.is_string()) {
        refuse_option(spec.name, expected, value, spec.doc);
    }
    try {
        parse_view_name(value.get<std::string>());
    } catch (const UserError& e) {
        refuse_option(spec.name, expected, value, e.hint());
    }
    OptionValue v;
    v.text = value.get<std::string>();
    return v;
}

}  // namespace

// Every option error says the path, what the value must be, and what it was.
void refuse_option(const std::string& path, const std::string& expected, const json& value,
                   const std::string& hint) {
    throw OptionError(path, "must be " + expected + ", not " + json_describe(value), hint);
}

// One switch over the types of the table: the table says which reading and
// which limits apply to each option.
OptionValue read_option(const OptionSpec& spec, const json& value,
                        const DurationReader& read_duration) {
    if (value.is_null() && spec.nullable) {
        OptionValue v;
        v.is_null = true;
        return v;
    }
    OptionValue v;
    switch (spec.type) {
        case OptionType::Choice:
            for (const std::string& choice : spec.choices) {
                if (value.is_string() && value.get<std::string>() == choice) {
                    v.text = choice;
                    return v;
                }
            }
            refuse_option(spec.name, choices_text(spec), value, spec.doc);
        case OptionType::Integer:
            return read_integer(spec, value);
        case OptionType::PositiveBigint:
            return read_positive_bigint(spec, value);
        case OptionType::Ratio:
            return read_ratio(spec, value);
        case OptionType::Boolean:
            if (!value.is_boolean()) {
                refuse_option(spec.name, "true or false", value, kBooleanHint);
            }
            v.boolean = value.get<bool>();
            return v;
        case OptionType::Duration:
            return read_duration_option(spec, value, read_duration);
        case OptionType::Windows:
            return read_windows(spec, value);
        case OptionType::Query:
            if (!value.is_string() || !has_text(value.get<std::string>())) {
                refuse_option(spec.name, "a query as a non-empty string", value, spec.doc);
            }
            v.text = value.get<std::string>();
            return v;
        case OptionType::Rules:
            if (!value.is_object()) {
                refuse_option(spec.name, "an object such as {\"row_count_tolerance\": 0}", value,
                              spec.doc);
            }
            v.rules = parse_validation(value, spec.name);
            return v;
        case OptionType::Names:
        case OptionType::Tables:
            return read_names(spec, value);
        case OptionType::Name:
            if (!value.is_string() || !has_text(value.get<std::string>())) {
                refuse_option(spec.name, "a column name as a non-empty string", value, spec.doc);
            }
            v.text = value.get<std::string>();
            return v;
        case OptionType::Width:
            return read_width(spec, value);
        case OptionType::Eras:
            return read_eras(spec, value);
        case OptionType::Channel:
            return read_channel(spec, value);
        case OptionType::ViewName:
            return read_view_name(spec, value);
        case OptionType::Release:
            break;
    }
    v.release = read_release(spec, value);
    return v;
}

}  // namespace backfill

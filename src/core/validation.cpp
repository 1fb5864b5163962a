#include "validation.hpp"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "json_text.hpp"
#include "option_error.hpp"
#include "option_reader.hpp"
#include "placeholders.hpp"
#include "user_error.hpp"

namespace backfill {

namespace {

const char* const kValidateKeys =
    "Known keys of validate are row_count_tolerance, aggregates, unique, not_null and query.";

const char* const kAggregateKeys =
    "Each aggregate takes expr and, optionally, min_delta_pct and max_delta_pct, such as "
    "{\"expr\": \"sum(net_revenue)\", \"min_delta_pct\": -1.5, \"max_delta_pct\": -0.8}.";

const char* const kUniqueHint =
    "Give a list of columns for each unique key, such as [[\"id\"], [\"merchant_id\", \"day\"]], "
    "or a column name for a key of one column.";

const char* const kQueryHint =
    "It is run after each chunk is built, with {shadow} standing for the new partition and {old} "
    "for the one it replaces, and must return true.";

using nlohmann::json;

// A JSON number as a finite double; nullopt for anything else (a number
// too large for a double is as useless here as a string).
std::optional<double> finite_number(const json& value) {
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
        return std::nullopt;
    }
    const double d = value.get<double>();
    return d == 0.0 ? 0.0 : d;  // no "-0" in echoes
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

// A column name: a non-empty string, taken as written (not case-folded).
std::string column_name(const json& value, const std::string& path) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        refuse_option(path, "a column name", value, kUniqueHint);
    }
    return value.get<std::string>();
}

// One element of "aggregates".
AggregateCheck parse_aggregate(const json& value, const std::string& path) {
    if (!value.is_object()) {
        refuse_option(path, "an object", value, kAggregateKeys);
    }
    AggregateCheck check;
    bool has_expr = false;
    for (const auto& [key, field] : value.items()) {
        const std::string field_path = path + "." + key;
        if (key == "expr") {
            if (!field.is_string() || !has_text(field.get<std::string>())) {
                refuse_option(
                    field_path, "an expression as a non-empty string", field,
                    "It is an aggregate computed on the old and on the new partition, such as "
                    "\"sum(net_revenue)\".");
            }
            check.expr = field.get<std::string>();
            has_expr = true;
        } else if (key == "min_delta_pct" || key == "max_delta_pct") {
            std::optional<double> pct = finite_number(field);
            if (!pct) {
                refuse_option(
                    field_path, "a number", field,
                    "It is a percentage, written as a JSON number without quotes, such as "
                    "-1.5 for 1.5% less.");
            }
            (key == "min_delta_pct" ? check.min_delta_pct : check.max_delta_pct) = pct;
        } else {
            throw OptionError::unknown(field_path, kAggregateKeys);
        }
    }
    if (!has_expr) {
        throw OptionError(path + ".expr", "is missing", kAggregateKeys);
    }
    if (check.min_delta_pct && check.max_delta_pct && *check.min_delta_pct > *check.max_delta_pct) {
        throw OptionError(path + ".min_delta_pct",
                          "must not be greater than max_delta_pct, not " +
                              json_describe(value.at("min_delta_pct")) + " > " +
                              json_describe(value.at("max_delta_pct")),
                          "The change must lie between min_delta_pct and max_delta_pct.");
    }
    return check;
}

// A computed figure rounded to 12 significant digits, so that binary
// noise (9.85 - 10 = -0.15000000000000036) neither shows in the messages
// nor tips a bound check the other way.
double round_figure(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", value);
    const double rounded = std::strtod(buf, nullptr);
    return rounded == 0.0 ? 0.0 : rounded;
}

// A percentage for a message: "-10%", "0.5%".
std::string percent(double value) { return json_number(value) + "%"; }

// An aggregate value for a message: its text, or NULL.
std::string figure_text(const std::optional<std::string>& value) { return value ? *value : "NULL"; }

// A column name as SQL would quote it, for messages.
std::string quoted_column(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

// A decimal text as a double; nullopt when it is not a finite number
// (NaN, Infinity, a value of another type, or one beyond a double).
std::optional<double> decimal(const std::string& text) {
    try {
        std::size_t used = 0;
        const double d = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(d)) {
            return std::nullopt;
        }
        return d;
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    } catch (const std::out_of_range&) {
        return std::nullopt;
    }
}

// "between -1.5% and -0.8%", "at least -1.5%", "at most 2%".
std::string bounds_text(const AggregateCheck& check) {
    if (check.min_delta_pct && check.max_delta_pct) {
        return "between " + percent(*check.min_delta_pct) + " and " + percent(*check.max_delta_pct);
    }
    if (check.min_delta_pct) {
        return "at least " + percent(*check.min_delta_pct);
    }
    return "at most " + percent(*check.max_delta_pct);
}

// Why no delta exists between two different values.
std::string no_delta_reason(const AggregateFigure& figure) {
    if (!figure.before) {
        return "cannot compute a delta from NULL";
    }
    if (!figure.after) {
        return "cannot compute a delta to NULL";
    }
    if (!decimal(*figure.before) || !decimal(*figure.after)) {
        return "cannot compute a delta between values that are not numbers";
    }
    return "cannot compute a delta from 0";
}

// An optional number as JSON.
std::string json_optional(const std::optional<double>& value) {
    return value ? json_number(*value) : "null";
}

// An optional text as JSON.
std::string json_optional(const std::optional<std::string>& value) {
    return value ? json_quote(*value) : "null";
}

// A list of column names as a JSON array.
std::string json_columns(const std::vector<std::string>& columns) {
    std::string out = "[";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        out += (i == 0 ? "" : ", ") + json_quote(columns[i]);
    }
    return out + "]";
}

// The PostgreSQL layer fills one figure per rule; a mismatch is a bug there,
// reported rather than read out of bounds.
void check_parallel(std::size_t rules, std::size_t figures, const char* what) {
    if (rules != figures) {
        throw UserError(ErrorKind::Internal,
                        std::string("validation has ") + std::to_string(figures) + " " + what +
                            " figure(s) for " + std::to_string(rules) + " rule(s)");
    }
}

}  // namespace

// Options carry the rules; an empty spec means the chunk is not validated.
bool ValidationSpec::empty() const {
    return !row_count_tolerance && aggregates.empty() && unique.empty() && not_null.empty() &&
           !query;
}

// The rules are user input; every key is checked when the job is created so
// a bad rule never reaches a worker.
ValidationSpec parse_validation(const json& value, const std::string& option_path) {
    if (!value.is_object()) {
        refuse_option(option_path, "an object", value, kValidateKeys);
    }
    ValidationSpec spec;
    for (const auto& [key, field] : value.items()) {
        const std::string path = option_path + "." + key;
        if (key == "row_count_tolerance") {
            std::optional<double> tolerance = finite_number(field);
            if (!tolerance || *tolerance < 0.0) {
                refuse_option(path, "a number of at least 0", field,
                              "It is the allowed relative difference between the row counts of "
                              "the new and the old partition: 0 means equal, 0.01 allows 1%.");
            }
            spec.row_count_tolerance = tolerance;
        } else if (key == "aggregates") {
            if (!field.is_array()) {
                refuse_option(path, "an array of objects", field, kAggregateKeys);
            }
            for (std::size_t i = 0; i < field.size(); ++i) {
                spec.aggregates.push_back(parse_aggregate(field[i], element_path(path, i)));
            }
        } else if (key == "unique") {
            if (!field.is_array()) {
                refuse_option(path, "an array of column lists", field, kUniqueHint);
            }
            for (std::size_t i = 0; i < field.size(); ++i) {
                const json& item = field[i];
                const std::string item_path = element_path(path, i);
                std::vector<std::string> columns;
                if (item.is_string()) {
                    columns.push_back(column_name(item, item_path));
                } else if (item.is_array() && !item.empty()) {
                    for (std::size_t k = 0; k < item.size(); ++k) {
                        columns.push_back(column_name(item[k], element_path(item_path, k)));
                    }
                } else {
                    refuse_option(item_path, "a column name or a non-empty array of them", item,
                                  kUniqueHint);
                }
                spec.unique.push_back(columns);
            }
        } else if (key == "not_null") {
            const char* const hint =
                "Give the columns that must not be NULL, such as [\"id\", \"revenue_date\"].";
            if (!field.is_array()) {
                refuse_option(path, "an array of column names", field, hint);
            }
            for (std::size_t i = 0; i < field.size(); ++i) {
                const json& item = field[i];
                if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
                    refuse_option(element_path(path, i), "a column name", item, hint);
                }
                spec.not_null.push_back(item.get<std::string>());
            }
        } else if (key == "query") {
            if (!field.is_string() || !has_text(field.get<std::string>())) {
                refuse_option(path, "a query as a non-empty string", field, kQueryHint);
            }
            spec.query = field.get<std::string>();
        } else {
            throw OptionError::unknown(path, kValidateKeys);
        }
    }
    return spec;
}

// The jobs view echoes the rules in one normalized form (every unique key
// as a list), which parse_validation reads back to the same rules.
std::string validation_to_json(const ValidationSpec& spec) {
    std::string out;
    auto add = [&out](const std::string& key, const std::string& value) {
        out += (out.empty() ? "" : ", ") + json_quote(key) + ": " + value;
    };
    if (spec.row_count_tolerance) {
        add("row_count_tolerance", json_number(*spec.row_count_tolerance));
    }
    if (!spec.aggregates.empty()) {
        std::string list = "[";
        for (std::size_t i = 0; i < spec.aggregates.size(); ++i) {
            const AggregateCheck& a = spec.aggregates[i];
            list += (i == 0 ? "{" : ", {") + std::string("\"expr\": ") + json_quote(a.expr);
            if (a.min_delta_pct) {
                list += ", \"min_delta_pct\": " + json_number(*a.min_delta_pct);
            }
            if (a.max_delta_pct) {
                list += ", \"max_delta_pct\": " + json_number(*a.max_delta_pct);
            }
            list += "}";
        }
        add("aggregates", list + "]");
    }
    if (!spec.unique.empty()) {
        std::string list = "[";
        for (std::size_t i = 0; i < spec.unique.size(); ++i) {
            list += (i == 0 ? "" : ", ") + json_columns(spec.unique[i]);
        }
        add("unique", list + "]");
    }
    if (!spec.not_null.empty()) {
        add("not_null", json_columns(spec.not_null));
    }
    if (spec.query) {
        add("query", json_quote(*spec.query));
    }
    return "{" + out + "}";
}

// The user writes the check once; each chunk names its own shadow and old
// partition. Replaced text is not scanned again.
std::string expand_validation_query(const std::string& query, const std::string& shadow,
                                    const std::string& old) {
    return expand_placeholders(query, {{"{shadow}", shadow}, {"{old}", old}});
}

// Aggregate bounds are percentages of the old value; this is the one
// definition of that change, shared by the verdict and the figures.
std::optional<double> delta_pct(const std::optional<std::string>& before,
                                const std::optional<std::string>& after) {
    if (!before || !after) {
        if (!before && !after) {
            return 0.0;
        }
        return std::nullopt;
    }
    const std::optional<double> b = decimal(*before);
    const std::optional<double> a = decimal(*after);
    if (!b || !a) {
        // Not numbers (NaN, a date, ...): equal text is no change, anything
        // else has no percentage.
        return *before == *after ? std::optional<double>(0.0) : std::nullopt;
    }
    if (*a == *b) {
        return 0.0;
    }
    if (*b == 0.0) {
        return std::nullopt;
    }
    return round_figure((*a - *b) * 100.0 / std::fabs(*b));
}

// The verdict decides whether a chunk may be published; the figures go to
// the chunk's record so a failure can be explained without re-running it.
ValidationVerdict evaluate_validation(const ValidationSpec& spec,
                                      const ValidationFigures& figures) {
    check_parallel(spec.aggregates.size(), figures.aggregates.size(), "aggregate");
    check_parallel(spec.unique.size(), figures.duplicate_groups.size(), "unique");
    check_parallel(spec.not_null.size(), figures.null_counts.size(), "not_null");

    ValidationVerdict verdict;
    std::vector<std::string>& failures = verdict.failures;

    // Row counts: relative to the old count, or to 1 for an empty partition.
    const double base = static_cast<double>(figures.rows_before > 0 ? figures.rows_before : 1);
    const double row_delta =
        round_figure(static_cast<double>(figures.rows_after - figures.rows_before) / base);
    if (spec.row_count_tolerance && std::fabs(row_delta) > *spec.row_count_tolerance) {
        failures.push_back("row count changed by " + percent(round_figure(row_delta * 100.0)) +
                           " (" + std::to_string(figures.rows_before) + " -> " +
                           std::to_string(figures.rows_after) + "), tolerance " +
                           percent(round_figure(*spec.row_count_tolerance * 100.0)));
    }
    std::string rows_json = "\"rows_before\": " + std::to_string(figures.rows_before) +
                            ", \"rows_after\": " + std::to_string(figures.rows_after) +
                            ", \"row_count_delta\": " + json_number(row_delta) +
                            ", \"row_count_tolerance\": " + json_optional(spec.row_count_tolerance);

    std::string aggregates_json = "[";
    for (std::size_t i = 0; i < spec.aggregates.size(); ++i) {
        const AggregateCheck& check = spec.aggregates[i];
        const AggregateFigure& figure = figures.aggregates[i];
        const std::optional<double> delta = delta_pct(figure.before, figure.after);
        bool passed = true;
        if (check.min_delta_pct || check.max_delta_pct) {
            const std::string change =
                " (" + figure_text(figure.before) + " -> " + figure_text(figure.after) + ")";
            if (!delta) {
                passed = false;
                failures.push_back(check.expr + " changed" + change + " but " +
                                   no_delta_reason(figure) + ", expected " + bounds_text(check));
            } else if ((check.min_delta_pct && *delta < *check.min_delta_pct) ||
                       (check.max_delta_pct && *delta > *check.max_delta_pct)) {
                passed = false;
                failures.push_back(check.expr + " changed by " + percent(*delta) + change +
                                   ", expected " + bounds_text(check));
            }
        }
        aggregates_json += (i == 0 ? "{" : ", {") + std::string("\"expr\": ") +
                           json_quote(check.expr) +
                           ", \"before\": " + json_optional(figure.before) +
                           ", \"after\": " + json_optional(figure.after) +
                           ", \"delta_pct\": " + json_optional(delta) +
                           ", \"min_delta_pct\": " + json_optional(check.min_delta_pct) +
                           ", \"max_delta_pct\": " + json_optional(check.max_delta_pct) +
                           ", \"passed\": " + (passed ? "true" : "false") + "}";
    }
    aggregates_json += "]";

    std::string unique_json = "[";
    for (std::size_t i = 0; i < spec.unique.size(); ++i) {
        const std::vector<std::string>& columns = spec.unique[i];
        const std::int64_t groups = figures.duplicate_groups[i];
        if (groups > 0) {
            std::string names;
            for (std::size_t k = 0; k < columns.size(); ++k) {
                names += (k == 0 ? "" : ", ") + quoted_column(columns[k]);
            }
            failures.push_back((columns.size() == 1 ? "column " + names + " has "
                                                    : "columns (" + names + ") have ") +
                               std::to_string(groups) + " duplicate group(s)");
        }
        unique_json += (i == 0 ? "{" : ", {") + std::string("\"columns\": ") +
                       json_columns(columns) + ", \"duplicate_groups\": " + std::to_string(groups) +
                       ", \"passed\": " + (groups > 0 ? "false" : "true") + "}";
    }
    unique_json += "]";

    std::string not_null_json = "[";
    for (std::size_t i = 0; i < spec.not_null.size(); ++i) {
        const std::int64_t nulls = figures.null_counts[i];
        if (nulls > 0) {
            failures.push_back("column " + quoted_column(spec.not_null[i]) + " has " +
                               std::to_string(nulls) + " NULL(s)");
        }
        not_null_json += (i == 0 ? "{" : ", {") + std::string("\"column\": ") +
                         json_quote(spec.not_null[i]) + ", \"nulls\": " + std::to_string(nulls) +
                         ", \"passed\": " + (nulls > 0 ? "false" : "true") + "}";
    }
    not_null_json += "]";

    std::string query_json = "null";
    if (spec.query) {
        bool passed = true;
        if (!figures.query_error.empty()) {
            passed = false;
            failures.push_back("validation query failed: " + figures.query_error);
        } else if (!figures.query_result) {
            passed = false;
            failures.push_back("validation query returned NULL");
        } else if (!*figures.query_result) {
            passed = false;
            failures.push_back("validation query returned false");
        }
        query_json = "{\"result\": ";
        query_json += figures.query_result && figures.query_error.empty()
                          ? (*figures.query_result ? "true" : "false")
                          : "null";
        if (!figures.query_error.empty()) {
            query_json += ", \"error\": " + json_quote(figures.query_error);
        }
        query_json += std::string(", \"passed\": ") + (passed ? "true" : "false") + "}";
    }

    verdict.passed = failures.empty();
    std::string failures_json = "[";
    for (std::size_t i = 0; i < failures.size(); ++i) {
        failures_json += (i == 0 ? "" : ", ") + json_quote(failures[i]);
    }
    failures_json += "]";
    verdict.figures_json = std::string("{\"passed\": ") + (verdict.passed ? "true" : "false") +
                           ", " + rows_json + ", \"aggregates\": " + aggregates_json +
                           ", \"unique\": " + unique_json + ", \"not_null\": " + not_null_json +
                           ", \"query\": " + query_json + ", \"failures\": " + failures_json + "}";
    return verdict;
}

}  // namespace backfill

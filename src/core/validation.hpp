// Validation of a built chunk against the partition it replaces: the rules
// (the "validate" option) and the verdict over the measured figures.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace backfill {

struct AggregateCheck {
    std::string expr;                     // e.g. "sum(net_revenue)"
    std::optional<double> min_delta_pct;  // allowed range of (after-before)/|before| x 100
    std::optional<double> max_delta_pct;
};

struct ValidationSpec {
    std::optional<double> row_count_tolerance;  // relative, 0 = equal; none = not checked
    std::vector<AggregateCheck> aggregates;
    std::vector<std::vector<std::string>> unique;  // column lists unique in the shadow
    std::vector<std::string> not_null;             // columns without NULLs in the shadow
    std::optional<std::string> query;              // SQL with {shadow} and {old}; must be true
    bool empty() const;
};

// Reads the "validate" option, found at option_path: an object with exactly the keys
// row_count_tolerance (number >= 0), aggregates (array of objects with expr
// (non-empty string), min_delta_pct and max_delta_pct (numbers, optional,
// min <= max)), unique (array of arrays of column-name strings, or of
// strings: one column each), not_null (array of strings), query (non-empty
// string). Throws OptionError naming the JSON path below option_path
// ("validate.<key>", "validate.aggregates[0].expr") of anything else.
ValidationSpec parse_validation(const nlohmann::json& value, const std::string& option_path);

// The validate object as JSON (keys as above), for options_to_json.
std::string validation_to_json(const ValidationSpec& spec);

// Replaces {shadow} and {old} in the user's query with the (quoted,
// qualified) relation names.
std::string expand_validation_query(const std::string& query, const std::string& shadow,
                                    const std::string& old);

// What the PostgreSQL layer measured for one chunk. Aggregate values are
// the text PostgreSQL printed (nullopt = NULL).
struct AggregateFigure {
    std::optional<std::string> before, after;
};
struct ValidationFigures {
    std::int64_t rows_before = 0;
    std::int64_t rows_after = 0;
    std::vector<AggregateFigure> aggregates;     // parallel to spec.aggregates
    std::vector<std::int64_t> duplicate_groups;  // parallel to spec.unique
    std::vector<std::int64_t> null_counts;       // parallel to spec.not_null
    std::optional<bool> query_result;            // when spec.query is set
    std::string query_error;                     // when it failed
};

// (after - before) / |before| x 100; nullopt when before is 0 (or either is
// NULL) and after differs from it; 0 when both are equal.
std::optional<double> delta_pct(const std::optional<std::string>& before,
                                const std::optional<std::string>& after);

struct ValidationVerdict {
    bool passed = true;
    std::vector<std::string> failures;  // one sentence per failed rule
    // Every figure, e.g. {"passed": false, "rows_before": 10, "rows_after": 9,
    // "row_count_delta": -0.1, "row_count_tolerance": 0,
    // "aggregates": [{"expr": "sum(x)", "before": "10", "after": "9",
    //                 "delta_pct": -10, "min_delta_pct": -1.5, "max_delta_pct": -0.8,
    //                 "passed": false}],
    // "unique": [{"columns": ["id"], "duplicate_groups": 0, "passed": true}],
    // "not_null": [{"column": "x", "nulls": 0, "passed": true}],
    // "query": {"result": true, "passed": true}, "failures": ["..."]}
    std::string figures_json;
};

// Applies every rule of the spec to the figures.
ValidationVerdict evaluate_validation(const ValidationSpec& spec, const ValidationFigures& figures);

}  // namespace backfill

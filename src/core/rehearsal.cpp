#include "rehearsal.hpp"

#include <algorithm>
#include <cstdio>

namespace backfill {

namespace {

// 12.3 ms, 4.2 s, 3.5 min, 2.1 h: a time as people read it.
std::string readable_ms(double ms) {
    const struct {
        double size;
        const char* unit;
    } units[] = {{3600e3, "h"}, {60e3, "min"}, {1e3, "s"}};
    for (const auto& u : units) {
        if (ms >= u.size) {
            char text[64];
            std::snprintf(text, sizeof text, "%.1f %s", ms / u.size, u.unit);
            return text;
        }
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.1f ms", ms);
    return text;
}

// "10 rows" / "1 row".
std::string rows_text(std::int64_t rows) {
    return std::to_string(rows) + (rows == 1 ? " row" : " rows");
}

// The rules of spec that are of one kind only, with their figures, so
// that evaluate_validation judges one rule at a time.
struct SingleRule {
    ValidationSpec spec;
    ValidationFigures figures;
};

SingleRule only_counts(const ValidationFigures& figures) {
    SingleRule r;
    r.figures.rows_before = figures.rows_before;
    r.figures.rows_after = figures.rows_after;
    return r;
}

// The verdict of one rule: its failure sentence, or pass_detail.
RehearsalCheck judged(const std::string& name, const SingleRule& rule,
                      const std::string& pass_detail) {
    ValidationVerdict v = evaluate_validation(rule.spec, rule.figures);
    return RehearsalCheck{name, v.passed, v.passed ? pass_detail : v.failures.front()};
}

// "(a, b)": a column list as the rule names it.
std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "" : ", ") + c;
    return "(" + out + ")";
}

// What differed between the two builds, or "" when nothing did.
std::string differences(const RehearsalBuild& first, const RehearsalBuild& second,
                        const std::vector<std::string>& time_functions) {
    std::string out;
    auto add = [&](const std::string& what) { out += (out.empty() ? "" : "; ") + what; };
    if (first.rows != second.rows)
        add("row count differs: " + std::to_string(first.rows) + " vs " +
            std::to_string(second.rows));
    if (first.checksum != second.checksum)
        add("checksum differs: " + first.checksum + " vs " + second.checksum);
    if (!time_functions.empty()) {
        std::string names;
        for (const auto& f : time_functions)
            names += (names.empty() ? "" : ", ") + f;
        add("the source calls " + names +
            ", whose value is the time of the transaction: another run gives other rows");
    }
    return out;
}

}  // namespace

double projected_job_ms(double build_ms, const JobEstimate& estimate) {
    if (estimate.chunk_est_rows > 0)
        return build_ms * static_cast<double>(estimate.total_est_rows) /
               static_cast<double>(estimate.chunk_est_rows);
    return build_ms * estimate.chunks;
}

std::vector<RehearsalCheck> validation_checks(const ValidationSpec& rules,
                                              const ValidationFigures& figures) {
    std::vector<RehearsalCheck> checks;
    if (rules.row_count_tolerance) {
        SingleRule r = only_counts(figures);
        r.spec.row_count_tolerance = rules.row_count_tolerance;
        checks.push_back(judged("validate.row_count", r,
                                std::to_string(figures.rows_before) + " -> " +
                                    std::to_string(figures.rows_after) + " rows"));
    }
    for (std::size_t i = 0; i < rules.aggregates.size(); ++i) {
        SingleRule r = only_counts(figures);
        r.spec.aggregates.push_back(rules.aggregates[i]);
        r.figures.aggregates.push_back(figures.aggregates[i]);
        const AggregateFigure& f = figures.aggregates[i];
        checks.push_back(
            judged("validate.aggregate " + rules.aggregates[i].expr, r,
                   (f.before ? *f.before : "NULL") + " -> " + (f.after ? *f.after : "NULL")));
    }
    for (std::size_t i = 0; i < rules.unique.size(); ++i) {
        SingleRule r = only_counts(figures);
        r.spec.unique.push_back(rules.unique[i]);
        r.figures.duplicate_groups.push_back(figures.duplicate_groups[i]);
        checks.push_back(
            judged("validate.unique " + column_list(rules.unique[i]), r, "no duplicates"));
    }
    for (std::size_t i = 0; i < rules.not_null.size(); ++i) {
        SingleRule r = only_counts(figures);
        r.spec.not_null.push_back(rules.not_null[i]);
        r.figures.null_counts.push_back(figures.null_counts[i]);
        checks.push_back(judged("validate.not_null " + rules.not_null[i], r, "no NULLs"));
    }
    if (rules.query) {
        SingleRule r = only_counts(figures);
        r.spec.query = rules.query;
        r.figures.query_result = figures.query_result;
        r.figures.query_error = figures.query_error;
        checks.push_back(judged("validate.query", r, "true"));
    }
    return checks;
}

std::vector<RehearsalCheck> rehearsal_checks(const RehearsalBuild& first,
                                             const RehearsalBuild& second,
                                             const std::vector<std::string>& time_functions,
                                             const std::string& key, const ValidationSpec& rules,
                                             const JobEstimate& estimate) {
    std::vector<RehearsalCheck> checks;
    const RehearsalBuild* failed = first.error ? &first : second.error ? &second : nullptr;
    if (failed) {
        checks.push_back({"build", false,
                          std::string(failed == &first ? "the first" : "the second") +
                              " build failed: " + *failed->error});
    } else {
        std::string diff = differences(first, second, time_functions);
        checks.push_back({"deterministic", diff.empty(),
                          diff.empty() ? "both builds gave " + rows_text(first.rows) +
                                             ", checksum " + first.checksum
                                       : diff});
        checks.push_back({"row_count", first.rows == second.rows,
                          first.rows == second.rows
                              ? rows_text(first.rows) + " both times"
                              : rows_text(first.rows) + ", then " + rows_text(second.rows)});
        std::int64_t duplicates = std::max(first.duplicate_keys, second.duplicate_keys);
        checks.push_back({"unique_key", duplicates == 0,
                          key.empty()       ? "the target has no key to check"
                          : duplicates == 0 ? "no value of the key " + key + " comes twice"
                                            : std::to_string(duplicates) + " value(s) of the key " +
                                                  key + " come more than once"});
        if (first.validation) {
            auto rule_checks = validation_checks(rules, *first.validation);
            checks.insert(checks.end(), rule_checks.begin(), rule_checks.end());
        }
    }
    const double build_ms = failed ? failed->build_ms : first.build_ms;
    checks.push_back({"build_ms", true,
                      "one build took " + readable_ms(build_ms) + "; the job's " +
                          std::to_string(estimate.chunks) + " chunk(s) (~" +
                          std::to_string(estimate.total_est_rows) +
                          " estimated rows) would take about " +
                          readable_ms(projected_job_ms(build_ms, estimate))});
    return checks;
}

std::optional<std::string> first_failure(const std::vector<RehearsalCheck>& checks) {
    for (const auto& c : checks)
        if (!c.passed)
            return "rehearsal check " + c.name + " failed: " + c.detail;
    return std::nullopt;
}

}  // namespace backfill

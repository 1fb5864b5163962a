#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/validation.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

// Reads the rules from JSON text.
ValidationSpec rules(const std::string& json) {
    return parse_validation(nlohmann::json::parse(json), "validate");
}

// The error for rules that must be refused.
UserError refused(const std::string& json) {
    return expect_user_error([&] { rules(json); });
}
std::string message(const std::string& json) { return refused(json).what(); }

// An aggregate value as PostgreSQL prints it.
std::optional<std::string> text(const char* s) { return std::string(s); }

// Every key set at once lands in its field; a single column is a list of one.
TEST(ParseValidation, EveryKey) {
    ValidationSpec s = rules(
        R"j({"row_count_tolerance": 0.05,
            "aggregates": [{"expr": "sum(net_revenue)", "min_delta_pct": -1.5,
                            "max_delta_pct": -0.8},
                           {"expr": "count(DISTINCT merchant_id)", "max_delta_pct": 0},
                           {"expr": "max(x)"}],
            "unique": ["id", ["merchant_id", "revenue_date"]],
            "not_null": ["id", "Net Revenue"],
            "query": "SELECT count(*) = 0 FROM {shadow} WHERE x < 0"
})j");
    EXPECT_FALSE(s.empty());
    EXPECT_EQ(s.row_count_tolerance, 0.05);
    ASSERT_EQ(s.aggregates.size(), 3u);
    EXPECT_EQ(s.aggregates[0].expr, "sum(net_revenue)");
    EXPECT_EQ(s.aggregates[0].min_delta_pct, -1.5);
    EXPECT_EQ(s.aggregates[0].max_delta_pct, -0.8);
    EXPECT_EQ(s.aggregates[1].expr, "count(DISTINCT merchant_id)");
    EXPECT_FALSE(s.aggregates[1].min_delta_pct.has_value());
    EXPECT_EQ(s.aggregates[1].max_delta_pct, 0.0);
    EXPECT_FALSE(s.aggregates[2].min_delta_pct.has_value());
    EXPECT_FALSE(s.aggregates[2].max_delta_pct.has_value());
    EXPECT_EQ(s.unique,
              (std::vector<std::vector<std::string>>{{"id"}, {"merchant_id", "revenue_date"}}));
    EXPECT_EQ(s.not_null, (std::vector<std::string>{"id", "Net Revenue"}));
    EXPECT_EQ(s.query, "SELECT count(*) = 0 FROM {shadow} WHERE x < 0");
}

// An empty object has no rules; empty lists add none.
TEST(ParseValidation, Empty) {
    EXPECT_TRUE(rules("{}").empty());
    EXPECT_TRUE(rules(R"j({"aggregates": [], "unique": [], "not_null": []})j").empty());
    EXPECT_TRUE(ValidationSpec().empty());
    EXPECT_FALSE(rules(R"j({"row_count_tolerance": 0})j").empty());
    EXPECT_FALSE(rules(R"j({"query": "SELECT true"})j").empty());
    EXPECT_FALSE(rules(R"j({"not_null": ["a"]})j").empty());
    EXPECT_FALSE(rules(R"j({"unique": ["a"]})j").empty());
    EXPECT_FALSE(rules(R"j({"aggregates": [{"expr": "sum(a)"
}]
})j")
                     .empty());
}

// Each bad rule is named by its path within validate.
TEST(ParseValidation, Errors) {
    UserError top =
        expect_user_error([] { parse_validation(nlohmann::json::parse("[1]"), "validate"); });
    EXPECT_EQ(top.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(top.what(), "option \"validate\" must be an object, not an array");
    EXPECT_EQ(top.hint(),
              "Known keys of validate are row_count_tolerance, aggregates, unique, not_null and "
              "query.");

    UserError unknown = refused(R"j({"revenue_delta_expected": "-1.5% to -0.8%"})j");
    EXPECT_STREQ(unknown.what(), "unknown option \"validate.revenue_delta_expected\"");
    EXPECT_EQ(unknown.hint(),
              "Known keys of validate are row_count_tolerance, aggregates, unique, not_null and "
              "query.");

    UserError tolerance = refused(R"j({"row_count_tolerance": -0.1})j");
    EXPECT_STREQ(tolerance.what(),
                 "option \"validate.row_count_tolerance\" must be a number of at least 0, not "
                 "-0.1");
    EXPECT_EQ(tolerance.hint(),
              "It is the allowed relative difference between the row counts of the new and the "
              "old partition: 0 means equal, 0.01 allows 1%.");
    EXPECT_EQ(message(R"j({"row_count_tolerance": "0"})j"),
              "option \"validate.row_count_tolerance\" must be a number of at least 0, not \"0\"");
    EXPECT_EQ(message(R"j({"row_count_tolerance": null})j"),
              "option \"validate.row_count_tolerance\" must be a number of at least 0, not null");

    const std::string aggregate_hint =
        "Each aggregate takes expr and, optionally, min_delta_pct and max_delta_pct, such as "
        "{\"expr\": \"sum(net_revenue)\", \"min_delta_pct\": -1.5, \"max_delta_pct\": -0.8}.";
    UserError aggregates = refused(R"j({"aggregates": {"expr": "sum(x)"
}
})j");
    EXPECT_STREQ(aggregates.what(),
                 "option \"validate.aggregates\" must be an array of objects, not an object");
    EXPECT_EQ(aggregates.hint(), aggregate_hint);
    EXPECT_EQ(message(R"j({"aggregates": ["sum(x)"]
    })j"),
              "option \"validate.aggregates[0]\" must be an object, not \"sum(x)\"");
    UserError missing = refused(R"j({"aggregates": [{"expr": "sum(x)"
    }, {"max_delta_pct": 1}]
    })j");
    EXPECT_STREQ(missing.what(), "option \"validate.aggregates[1].expr\" is missing");
    EXPECT_EQ(missing.hint(), aggregate_hint);
    EXPECT_EQ(message(R"j({"aggregates": [{"expr": " "}]})j"),
              "option \"validate.aggregates[0].expr\" must be an expression as a non-empty "
              "string, not \" \"");
    EXPECT_EQ(message(R"j({"aggregates": [{"expr": 5}]})j"),
              "option \"validate.aggregates[0].expr\" must be an expression as a non-empty "
              "string, not 5");
    UserError pct = refused(R"j({"aggregates": [{"expr": "sum(x)", "min_delta_pct": "-1.5%"
    }]
    })j");
    EXPECT_STREQ(pct.what(),
                 "option \"validate.aggregates[0].min_delta_pct\" must be a number, not "
                 "\"-1.5%\"");
    EXPECT_EQ(pct.hint(),
              "It is a percentage, written as a JSON number without quotes, such as -1.5 for "
              "1.5% less.");
    EXPECT_EQ(message(R"j({"aggregates": [{"expr": "sum(x)", "max_delta_pct": null
    }]
    })j"),
              "option \"validate.aggregates[0].max_delta_pct\" must be a number, not null");
    UserError order = refused(R"j({"aggregates": [{"expr": "sum(x)", "min_delta_pct": -0.8,
                                    "max_delta_pct": -1.5
    }]
    })j");
    EXPECT_STREQ(order.what(),
                 "option \"validate.aggregates[0].min_delta_pct\" must not be greater than "
                 "max_delta_pct, not -0.8 > -1.5");
    EXPECT_EQ(order.hint(), "The change must lie between min_delta_pct and max_delta_pct.");
    UserError extra = refused(R"j({"aggregates": [{"expr": "sum(x)", "tolerance": 1
    }]
    })j");
    EXPECT_STREQ(extra.what(), "unknown option \"validate.aggregates[0].tolerance\"");
    EXPECT_EQ(extra.hint(), aggregate_hint);

    const std::string unique_hint =
        "Give a list of columns for each unique key, such as [[\"id\"], [\"merchant_id\", "
        "\"day\"]], or a column name for a key of one column.";
    UserError unique = refused(R"j({"unique": "id"})j");
    EXPECT_STREQ(unique.what(),
                 "option \"validate.unique\" must be an array of column lists, not \"id\"");
    EXPECT_EQ(unique.hint(), unique_hint);
    EXPECT_EQ(message(R"j({"unique": [[]]})j"),
              "option \"validate.unique[0]\" must be a column name or a non-empty array of them, "
              "not an empty array");
    EXPECT_EQ(message(R"j({"unique": ["a", 1]})j"),
              "option \"validate.unique[1]\" must be a column name or a non-empty array of them, "
              "not 1");
    EXPECT_EQ(message(R"j({"unique": [["a", 2]]})j"),
              "option \"validate.unique[0][1]\" must be a column name, not 2");
    EXPECT_EQ(message(R"j({"unique": [""]})j"),
              "option \"validate.unique[0]\" must be a column name, not \"\"");

    UserError not_null = refused(R"j({"not_null": "id"})j");
    EXPECT_STREQ(not_null.what(),
                 "option \"validate.not_null\" must be an array of column names, not \"id\"");
    EXPECT_EQ(not_null.hint(),
              "Give the columns that must not be NULL, such as [\"id\", \"revenue_date\"].");
    EXPECT_EQ(message(R"j({"not_null": ["a", ["b"]]})j"),
              "option \"validate.not_null[1]\" must be a column name, not an array");

    UserError query = refused(R"j({"query": ""})j");
    EXPECT_STREQ(query.what(),
                 "option \"validate.query\" must be a query as a non-empty string, "
                 "not \"\"");
    EXPECT_EQ(query.hint(),
              "It is run after each chunk is built, with {shadow} standing for the new partition "
              "and {old} for the one it replaces, and must return true.");
    EXPECT_EQ(message(R"j({"query": true})j"),
              "option \"validate.query\" must be a query as a non-empty string, not true");
}

// The echo is normalized and reads back to the same echo.
TEST(ValidationToJson, RoundTrips) {
    EXPECT_EQ(validation_to_json(ValidationSpec()), "{}");
    const std::string json = validation_to_json(
        rules(R"j({"query": "SELECT '\"' = '\\'", "not_null": ["id"], "unique": ["id", ["a", "b"]],
                  "aggregates": [{"expr": "sum(x)", "max_delta_pct": -0.8, "min_delta_pct": -1.5
    },
                                 {"expr": "avg(y)"}],
                  "row_count_tolerance": 0.1
    })j"));
    EXPECT_EQ(json,
              "{\"row_count_tolerance\": 0.1, \"aggregates\": [{\"expr\": \"sum(x)\", "
              "\"min_delta_pct\": -1.5, \"max_delta_pct\": -0.8}, {\"expr\": \"avg(y)\"}], "
              "\"unique\": [[\"id\"], [\"a\", \"b\"]], \"not_null\": [\"id\"], "
              "\"query\": \"SELECT '\\\"' = '\\\\'\"}");
    EXPECT_EQ(validation_to_json(rules(json)), json);
    EXPECT_EQ(validation_to_json(rules(R"j({"row_count_tolerance": 0})j")),
              "{\"row_count_tolerance\": 0}");
    EXPECT_EQ(validation_to_json(rules(R"j({"row_count_tolerance": 1e-3})j")),
              "{\"row_count_tolerance\": 0.001}");
}

// Every placeholder is replaced; the replacements are not scanned again.
TEST(ExpandValidationQuery, ReplacesEveryPlaceholder) {
    EXPECT_EQ(expand_validation_query(
                  "SELECT (SELECT sum(x) FROM {shadow}) = (SELECT sum(x) FROM {old}) AND "
                  "NOT EXISTS (SELECT id FROM {shadow} EXCEPT SELECT id FROM {old})",
                  "s.\"p_new\"", "s.p"),
              "SELECT (SELECT sum(x) FROM s.\"p_new\") = (SELECT sum(x) FROM s.p) AND "
              "NOT EXISTS (SELECT id FROM s.\"p_new\" EXCEPT SELECT id FROM s.p)");
    EXPECT_EQ(expand_validation_query("SELECT true", "a", "b"), "SELECT true");
    EXPECT_EQ(expand_validation_query("{shadow}{old}{shadow", "{old}", "{shadow}"),
              "{old}{shadow}{shadow");
    EXPECT_EQ(expand_validation_query("{Shadow} {old } {{old}}", "a", "b"), "{Shadow} {old } {b}");
    EXPECT_EQ(expand_validation_query("", "a", "b"), "");
}

// The percentage change relative to the old value's magnitude.
TEST(DeltaPct, Maths) {
    EXPECT_EQ(delta_pct(text("10"), text("9")), -10.0);
    EXPECT_EQ(delta_pct(text("10"), text("11")), 10.0);
    EXPECT_EQ(delta_pct(text("200"), text("197")), -1.5);
    // A negative old value: the change is relative to its magnitude.
    EXPECT_EQ(delta_pct(text("-10"), text("-9")), 10.0);
    EXPECT_EQ(delta_pct(text("-10"), text("-11")), -10.0);
    EXPECT_EQ(delta_pct(text("-10"), text("10")), 200.0);
    // Decimal text as numeric prints it; binary noise is rounded away.
    EXPECT_EQ(delta_pct(text("10"), text("9.85")), -1.5);
    EXPECT_EQ(delta_pct(text("0.3"), text("0.1")), delta_pct(text("3"), text("1")));
    EXPECT_EQ(delta_pct(text("1.00"), text("1")), 0.0);
    EXPECT_EQ(delta_pct(text("1e3"), text("1100")), 10.0);
    // Equal values, 0 and NULL included, are no change.
    EXPECT_EQ(delta_pct(text("0"), text("0")), 0.0);
    EXPECT_EQ(delta_pct(text("0"), text("0.000")), 0.0);
    EXPECT_EQ(delta_pct(std::nullopt, std::nullopt), 0.0);
    EXPECT_EQ(delta_pct(text("5"), text("5")), 0.0);
    // From 0 or to or from NULL there is no percentage.
    EXPECT_FALSE(delta_pct(text("0"), text("5")).has_value());
    EXPECT_FALSE(delta_pct(text("0"), text("-5")).has_value());
    EXPECT_FALSE(delta_pct(std::nullopt, text("5")).has_value());
    EXPECT_FALSE(delta_pct(text("5"), std::nullopt).has_value());
    EXPECT_FALSE(delta_pct(std::nullopt, text("0")).has_value());
    // To 0 is -100%.
    EXPECT_EQ(delta_pct(text("5"), text("0")), -100.0);
    // Values that are not numbers: equal text or nothing.
    EXPECT_EQ(delta_pct(text("NaN"), text("NaN")), 0.0);
    EXPECT_EQ(delta_pct(text("2024-01-01"), text("2024-01-01")), 0.0);
    EXPECT_FALSE(delta_pct(text("NaN"), text("1")).has_value());
    EXPECT_FALSE(delta_pct(text("abc"), text("abd")).has_value());
    EXPECT_FALSE(delta_pct(text("1e999"), text("1")).has_value());
    EXPECT_FALSE(delta_pct(text("12abc"), text("12")).has_value());
}

// A spec with one rule of each kind, and figures that pass them all.
ValidationSpec every_rule() {
    return rules(R"j({"row_count_tolerance": 0,
                     "aggregates": [{"expr": "sum(x)", "min_delta_pct": -1.5,
                                     "max_delta_pct": -0.8}],
                     "unique": [["id"]], "not_null": ["x"], "query": "SELECT true"
})j");
}
ValidationFigures passing_figures() {
    ValidationFigures f;
    f.rows_before = 10;
    f.rows_after = 10;
    f.aggregates = {{text("200"), text("197")}};
    f.duplicate_groups = {0};
    f.null_counts = {0};
    f.query_result = true;
    return f;
}

// Figures within every rule pass, and every figure is recorded.
TEST(EvaluateValidation, EveryRulePasses) {
    ValidationVerdict v = evaluate_validation(every_rule(), passing_figures());
    EXPECT_TRUE(v.passed);
    EXPECT_TRUE(v.failures.empty());
    EXPECT_EQ(v.figures_json,
              "{\"passed\": true, \"rows_before\": 10, \"rows_after\": 10, \"row_count_delta\": 0, "
              "\"row_count_tolerance\": 0, \"aggregates\": [{\"expr\": \"sum(x)\", \"before\": "
              "\"200\", \"after\": \"197\", \"delta_pct\": -1.5, \"min_delta_pct\": -1.5, "
              "\"max_delta_pct\": -0.8, \"passed\": true}], \"unique\": [{\"columns\": [\"id\"], "
              "\"duplicate_groups\": 0, \"passed\": true}], \"not_null\": [{\"column\": \"x\", "
              "\"nulls\": 0, \"passed\": true}], \"query\": {\"result\": true, \"passed\": true}, "
              "\"failures\": []}");
    EXPECT_TRUE(nlohmann::json::parse(v.figures_json).is_object());
}

// Figures outside every rule fail each, in the order of the rules.
TEST(EvaluateValidation, EveryRuleFails) {
    ValidationFigures f = passing_figures();
    f.rows_after = 9;
    f.aggregates = {{text("10"), text("9")}};
    f.duplicate_groups = {3};
    f.null_counts = {2};
    f.query_result = false;
    ValidationVerdict v = evaluate_validation(every_rule(), f);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.failures, (std::vector<std::string>{
                              "row count changed by -10% (10 -> 9), tolerance 0%",
                              "sum(x) changed by -10% (10 -> 9), expected between -1.5% and -0.8%",
                              "column \"id\" has 3 duplicate group(s)",
                              "column \"x\" has 2 NULL(s)", "validation query returned false"}));
    EXPECT_EQ(
        v.figures_json,
        "{\"passed\": false, \"rows_before\": 10, \"rows_after\": 9, \"row_count_delta\": -0.1, "
        "\"row_count_tolerance\": 0, \"aggregates\": [{\"expr\": \"sum(x)\", \"before\": \"10\", "
        "\"after\": \"9\", \"delta_pct\": -10, \"min_delta_pct\": -1.5, \"max_delta_pct\": -0.8, "
        "\"passed\": false}], \"unique\": [{\"columns\": [\"id\"], \"duplicate_groups\": 3, "
        "\"passed\": false}], \"not_null\": [{\"column\": \"x\", \"nulls\": 2, \"passed\": "
        "false}], \"query\": {\"result\": false, \"passed\": false}, \"failures\": [\"row count "
        "changed by -10% (10 -> 9), tolerance 0%\", \"sum(x) changed by -10% (10 -> 9), expected "
        "between -1.5% and -0.8%\", \"column \\\"id\\\" has 3 duplicate group(s)\", \"column "
        "\\\"x\\\" has 2 NULL(s)\", \"validation query returned false\"]}");
    EXPECT_EQ(nlohmann::json::parse(v.figures_json).at("failures").size(), 5u);
}

// No rules: nothing fails, the row counts are still recorded.
TEST(EvaluateValidation, NoRules) {
    ValidationFigures f;
    f.rows_before = 0;
    f.rows_after = 7;
    ValidationVerdict v = evaluate_validation(ValidationSpec(), f);
    EXPECT_TRUE(v.passed);
    EXPECT_EQ(v.figures_json,
              "{\"passed\": true, \"rows_before\": 0, \"rows_after\": 7, \"row_count_delta\": 7, "
              "\"row_count_tolerance\": null, \"aggregates\": [], \"unique\": [], \"not_null\": "
              "[], \"query\": null, \"failures\": []}");
}

// The row count rule: |after - before| / max(before, 1) <= tolerance.
TEST(EvaluateValidation, RowCountTolerance) {
    auto failures = [](const char* spec, std::int64_t before, std::int64_t after) {
        ValidationFigures f;
        f.rows_before = before;
        f.rows_after = after;
        return evaluate_validation(rules(spec), f).failures;
    };
    const char* const five_pct = R"j({"row_count_tolerance": 0.05})j";
    EXPECT_TRUE(failures(five_pct, 100, 105).empty());
    EXPECT_TRUE(failures(five_pct, 100, 95).empty());
    EXPECT_EQ(failures(five_pct, 100, 106),
              (std::vector<std::string>{"row count changed by 6% (100 -> 106), tolerance 5%"}));
    EXPECT_EQ(failures(five_pct, 100, 94),
              (std::vector<std::string>{"row count changed by -6% (100 -> 94), tolerance 5%"}));
    const char* const equal = R"j({"row_count_tolerance": 0})j";
    EXPECT_TRUE(failures(equal, 0, 0).empty());
    EXPECT_TRUE(failures(equal, 12345, 12345).empty());
    // An empty old partition counts as one row.
    EXPECT_EQ(failures(equal, 0, 5),
              (std::vector<std::string>{"row count changed by 500% (0 -> 5), tolerance 0%"}));
    EXPECT_TRUE(failures(R"j({"row_count_tolerance": 1})j", 0, 1).empty());
    EXPECT_EQ(failures(equal, 3, 0),
              (std::vector<std::string>{"row count changed by -100% (3 -> 0), tolerance 0%"}));
    EXPECT_EQ(failures(R"j({"row_count_tolerance": 0.001})j", 3, 2),
              (std::vector<std::string>{
                  "row count changed by -33.3333333333% (3 -> 2), tolerance 0.1%"}));
}

// Aggregate bounds: either may be absent; a delta that cannot be computed
// fails any bound.
TEST(EvaluateValidation, AggregateBounds) {
    auto failures = [](const char* spec, std::optional<std::string> before,
                       std::optional<std::string> after) {
        ValidationFigures f;
        f.aggregates = {{before, after}};
        return evaluate_validation(rules(spec), f).failures;
    };
    const char* const between = R"j({"aggregates": [{"expr": "sum(net_revenue)",
                      "min_delta_pct" : -1.5, "max_delta_pct" : -0.8
}]
})j";
    EXPECT_TRUE(failures(between, text("1000"), text("985")).empty());  // -1.5, the bound
    EXPECT_TRUE(failures(between, text("1000"), text("992")).empty());  // -0.8, the bound
    EXPECT_TRUE(failures(between, text("10"), text("9.85")).empty());   // -1.5 after rounding
    EXPECT_EQ(failures(between, text("1000"), text("1000")),
              (std::vector<std::string>{"sum(net_revenue) changed by 0% (1000 -> 1000), expected "
                                        "between -1.5% and -0.8%"}));
    EXPECT_EQ(failures(between, text("1000"), text("984.9")),
              (std::vector<std::string>{"sum(net_revenue) changed by -1.51% (1000 -> 984.9), "
                                        "expected between -1.5% and -0.8%"}));
    EXPECT_EQ(failures(between, text("0"), text("5")),
              (std::vector<std::string>{"sum(net_revenue) changed (0 -> 5) but cannot compute a "
                                        "delta from 0, expected between -1.5% and -0.8%"}));
    EXPECT_EQ(failures(between, std::nullopt, text("5")),
              (std::vector<std::string>{"sum(net_revenue) changed (NULL -> 5) but cannot compute "
                                        "a delta from NULL, expected between -1.5% and -0.8%"}));
    EXPECT_EQ(failures(between, text("5"), std::nullopt),
              (std::vector<std::string>{"sum(net_revenue) changed (5 -> NULL) but cannot compute "
                                        "a delta to NULL, expected between -1.5% and -0.8%"}));
    EXPECT_EQ(failures(between, text("NaN"), text("5")),
              (std::vector<std::string>{"sum(net_revenue) changed (NaN -> 5) but cannot compute a "
                                        "delta between values that are not numbers, expected "
                                        "between -1.5% and -0.8%"}));

    const char* const at_least = R"j({"aggregates": [{"expr": "sum(x)", "min_delta_pct" : 0
}]
})j";
    EXPECT_TRUE(failures(at_least, text("-10"), text("-9")).empty());  // +10% of |-10|
    EXPECT_TRUE(failures(at_least, text("0"), text("0")).empty());
    EXPECT_TRUE(failures(at_least, std::nullopt, std::nullopt).empty());
    EXPECT_EQ(
        failures(at_least, text("-10"), text("-11")),
        (std::vector<std::string>{"sum(x) changed by -10% (-10 -> -11), expected at least 0%"}));

    const char* const at_most = R"j({"aggregates": [{"expr": "count(*)", "max_delta_pct" : 2
}]
})j";
    EXPECT_TRUE(failures(at_most, text("100"), text("102")).empty());
    EXPECT_EQ(
        failures(at_most, text("100"), text("103")),
        (std::vector<std::string>{"count(*) changed by 3% (100 -> 103), expected at most 2%"}));

    // Without bounds an aggregate is only recorded.
    const char* const recorded = R"j({"aggregates": [{"expr": "max(x)"
}]
})j";
    EXPECT_TRUE(failures(recorded, text("0"), text("5")).empty());
    ValidationFigures f;
    f.aggregates = {{std::nullopt, text("x\"y")}};
    EXPECT_EQ(evaluate_validation(rules(recorded), f).figures_json,
              "{\"passed\": true, \"rows_before\": 0, \"rows_after\": 0, \"row_count_delta\": 0, "
              "\"row_count_tolerance\": null, \"aggregates\": [{\"expr\": \"max(x)\", \"before\": "
              "null, \"after\": \"x\\\"y\", \"delta_pct\": null, \"min_delta_pct\": null, "
              "\"max_delta_pct\": null, \"passed\": true}], \"unique\": [], \"not_null\": [], "
              "\"query\": null, \"failures\": []}");
}

// Unique keys of several columns, and names that need quoting.
TEST(EvaluateValidation, UniqueAndNotNull) {
    ValidationSpec s = rules(R"j({"unique": [["id", "day"], "a\"b"], "not_null": ["x", "y"]})j");
    ValidationFigures f;
    f.duplicate_groups = {3, 0};
    f.null_counts = {0, 1};
    ValidationVerdict v = evaluate_validation(s, f);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.failures,
              (std::vector<std::string>{"columns (\"id\", \"day\") have 3 duplicate group(s)",
                                        "column \"y\" has 1 NULL(s)"}));
    f.duplicate_groups = {0, 2};
    f.null_counts = {0, 0};
    EXPECT_EQ(evaluate_validation(s, f).failures,
              (std::vector<std::string>{"column \"a\"\"b\" has 2 duplicate group(s)"}));
    f.duplicate_groups = {0, 0};
    ValidationVerdict ok = evaluate_validation(s, f);
    EXPECT_TRUE(ok.passed);
    EXPECT_NE(ok.figures_json.find(
                  "\"unique\": [{\"columns\": [\"id\", \"day\"], \"duplicate_groups\": 0, "
                  "\"passed\": true}, {\"columns\": [\"a\\\"b\"], \"duplicate_groups\": 0, "
                  "\"passed\": true}], \"not_null\": [{\"column\": \"x\", \"nulls\": 0, "
                  "\"passed\": true}, {\"column\": \"y\", \"nulls\": 0, \"passed\": true}]"),
              std::string::npos)
        << ok.figures_json;
}

// The query must return true; NULL and errors fail it.
TEST(EvaluateValidation, Query) {
    ValidationSpec s = rules(R"j({"query": "SELECT x FROM {shadow}"})j");
    ValidationFigures f;
    f.query_result = true;
    EXPECT_TRUE(evaluate_validation(s, f).passed);
    f.query_result = false;
    EXPECT_EQ(evaluate_validation(s, f).failures,
              (std::vector<std::string>{"validation query returned false"}));
    f.query_result.reset();
    ValidationVerdict null = evaluate_validation(s, f);
    EXPECT_EQ(null.failures, (std::vector<std::string>{"validation query returned NULL"}));
    EXPECT_NE(null.figures_json.find("\"query\": {\"result\": null, \"passed\": false}"),
              std::string::npos);
    f.query_error = "relation \"nope\" does not exist";
    ValidationVerdict failed = evaluate_validation(s, f);
    EXPECT_EQ(
        failed.failures,
        (std::vector<std::string>{"validation query failed: relation \"nope\" does not exist"}));
    EXPECT_NE(failed.figures_json.find("\"query\": {\"result\": null, \"error\": \"relation "
                                       "\\\"nope\\\" does not exist\", \"passed\": false}"),
              std::string::npos)
        << failed.figures_json;
    EXPECT_TRUE(nlohmann::json::parse(failed.figures_json).is_object());
}

// Figures that do not match the rules are a bug of the caller, reported.
TEST(EvaluateValidation, MismatchedFigures) {
    UserError e = expect_user_error(
        [] { evaluate_validation(rules(R"j({"not_null": ["a", "b"]})j"), ValidationFigures()); });
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_STREQ(e.what(), "validation has 0 not_null figure(s) for 2 rule(s)");
}

}  // namespace
}  // namespace backfill

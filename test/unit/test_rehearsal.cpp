// The checks of a rehearsal: two equal builds pass, any difference (rows,
// checksum, a call of now()) fails deterministic and says what differed,
// duplicate keys fail unique_key, each validate rule is a check of its own,
// a failed build is reported as such, and build_ms projects the job.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rehearsal.hpp"

namespace backfill {
namespace {

RehearsalBuild build(std::int64_t rows, const std::string& checksum) {
    RehearsalBuild b;
    b.rows = rows;
    b.checksum = checksum;
    b.build_ms = 10;
    return b;
}

const RehearsalCheck& named(const std::vector<RehearsalCheck>& checks, const std::string& name) {
    for (const auto& c : checks)
        if (c.name == name)
            return c;
    throw std::runtime_error("no check " + name);
}

const JobEstimate kEstimate{100, 1000, 10};

TEST(Rehearsal, EqualBuildsPass) {
    auto checks = rehearsal_checks(build(5, "42"), build(5, "42"), {}, "(id)", {}, kEstimate);
    ASSERT_EQ(checks.size(), 4u);
    EXPECT_EQ(checks[0].name, "deterministic");
    EXPECT_EQ(checks[1].name, "row_count");
    EXPECT_EQ(checks[2].name, "unique_key");
    EXPECT_EQ(checks[3].name, "build_ms");
    for (const auto& c : checks)
        EXPECT_TRUE(c.passed) << c.name;
    EXPECT_EQ(checks[0].detail, "both builds gave 5 rows, checksum 42");
    EXPECT_FALSE(first_failure(checks));
}

TEST(Rehearsal, DifferentChecksumOrCountIsNotDeterministic) {
    auto checks = rehearsal_checks(build(5, "42"), build(6, "43"), {}, "(id)", {}, kEstimate);
    EXPECT_FALSE(named(checks, "deterministic").passed);
    EXPECT_EQ(named(checks, "deterministic").detail,
              "row count differs: 5 vs 6; checksum differs: 42 vs 43");
    EXPECT_FALSE(named(checks, "row_count").passed);
    EXPECT_EQ(named(checks, "row_count").detail, "5 rows, then 6 rows");
    EXPECT_EQ(*first_failure(checks),
              "rehearsal check deterministic failed: row count differs: 5 vs 6; checksum differs: "
              "42 vs 43");
}

// now() is the same in both builds (one transaction): its call alone fails.
TEST(Rehearsal, TransactionTimeCallIsNotDeterministic) {
    auto checks =
        rehearsal_checks(build(5, "42"), build(5, "42"), {"now()"}, "(id)", {}, kEstimate);
    EXPECT_FALSE(named(checks, "deterministic").passed);
    EXPECT_NE(named(checks, "deterministic").detail.find("the source calls now()"),
              std::string::npos);
    EXPECT_TRUE(named(checks, "row_count").passed);
}

TEST(Rehearsal, DuplicateKeysFailUniqueKey) {
    RehearsalBuild a = build(5, "1"), b = build(5, "1");
    b.duplicate_keys = 2;
    auto checks = rehearsal_checks(a, b, {}, "(id, day)", {}, kEstimate);
    EXPECT_FALSE(named(checks, "unique_key").passed);
    EXPECT_EQ(named(checks, "unique_key").detail,
              "2 value(s) of the key (id, day) come more than once");
    EXPECT_EQ(rehearsal_checks(a, a, {}, "", {}, kEstimate)[2].detail,
              "the target has no key to check");
}

TEST(Rehearsal, FailedBuildIsReported) {
    RehearsalBuild a = build(5, "1"), b;
    b.error = "division by zero";
    b.build_ms = 3;
    auto checks = rehearsal_checks(a, b, {}, "(id)", {}, kEstimate);
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_EQ(checks[0].name, "build");
    EXPECT_FALSE(checks[0].passed);
    EXPECT_EQ(checks[0].detail, "the second build failed: division by zero");
    EXPECT_EQ(checks[1].name, "build_ms");
    EXPECT_NE(checks[1].detail.find("one build took 3.0 ms"), std::string::npos);
}

// One build's time scaled by the job's estimated rows over the chunk's; by
// the number of chunks when the chunk is estimated empty.
TEST(Rehearsal, ProjectsTheJob) {
    EXPECT_DOUBLE_EQ(projected_job_ms(10, kEstimate), 100);
    EXPECT_DOUBLE_EQ(projected_job_ms(10, JobEstimate{0, 0, 7}), 70);
    auto checks = rehearsal_checks(build(5, "1"), build(5, "1"), {}, "(id)", {},
                                   JobEstimate{100, 720000, 7200});
    EXPECT_EQ(checks.back().detail,
              "one build took 10.0 ms; the job's 7200 chunk(s) (~720000 estimated rows) would "
              "take about 1.2 min");
}

// Each rule of validate is a check: its failure sentence, or what it saw.
TEST(Rehearsal, EachValidateRuleIsACheck) {
    ValidationSpec rules;
    rules.row_count_tolerance = 0;
    rules.aggregates.push_back(AggregateCheck{"sum(x)", -1.0, 1.0});
    rules.unique.push_back({"id"});
    rules.not_null.push_back("note");
    rules.query = "SELECT true";
    ValidationFigures f;
    f.rows_before = 10;
    f.rows_after = 10;
    f.aggregates.push_back(AggregateFigure{std::string("100"), std::string("150")});
    f.duplicate_groups.push_back(0);
    f.null_counts.push_back(3);
    f.query_result = true;
    RehearsalBuild a = build(10, "1");
    a.validation = f;
    auto checks = rehearsal_checks(a, a, {}, "(id)", rules, kEstimate);
    EXPECT_TRUE(named(checks, "validate.row_count").passed);
    EXPECT_EQ(named(checks, "validate.row_count").detail, "10 -> 10 rows");
    EXPECT_FALSE(named(checks, "validate.aggregate sum(x)").passed);
    EXPECT_NE(named(checks, "validate.aggregate sum(x)").detail.find("changed by 50%"),
              std::string::npos);
    EXPECT_TRUE(named(checks, "validate.unique (id)").passed);
    EXPECT_FALSE(named(checks, "validate.not_null note").passed);
    EXPECT_TRUE(named(checks, "validate.query").passed);
    EXPECT_EQ(*first_failure(checks),
              "rehearsal check " + named(checks, "validate.aggregate sum(x)").name +
                  " failed: " + named(checks, "validate.aggregate sum(x)").detail);
}

}  // namespace
}  // namespace backfill

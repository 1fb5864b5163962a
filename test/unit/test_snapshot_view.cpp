#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/snapshot_view.hpp"
#include "core/spec_document.hpp"
#include "core/user_error.hpp"
#include "expect_error.hpp"
#include "fake_durations.hpp"

namespace backfill {
namespace {

TEST(SnapshotViewName, BareNameFoldsToLowerCaseAndHasNoSchema) {
    ViewName v = parse_view_name("Events_Before");
    EXPECT_FALSE(v.schema.has_value());
    EXPECT_EQ(v.name, "events_before");
}

TEST(SnapshotViewName, SchemaQualified) {
    ViewName v = parse_view_name("audit.snap_2024");
    ASSERT_TRUE(v.schema.has_value());
    EXPECT_EQ(*v.schema, "audit");
    EXPECT_EQ(v.name, "snap_2024");
}

TEST(SnapshotViewName, QuotedPartsKeepCaseDotsAndDoubledQuotes) {
    ViewName v = parse_view_name("\"My.Schema\".\"snap \"\"2024-03\"\"\"");
    ASSERT_TRUE(v.schema.has_value());
    EXPECT_EQ(*v.schema, "My.Schema");
    EXPECT_EQ(v.name, "snap \"2024-03\"");
}

TEST(SnapshotViewName, RefusesWhatIsNoName) {
    for (const std::string& bad :
         std::vector<std::string>{"", " ", "snap-2024", "a.b.c", ".snap", "snap.", "\"\"", "\"open",
                                  "1snap", "a b", "snap;drop table t", std::string(64, 'a')}) {
        EXPECT_THROW(parse_view_name(bad), UserError) << bad;
    }
    EXPECT_NO_THROW(parse_view_name(std::string(63, 'a')));
}

TEST(SnapshotViewStatement, OneSelectPerPartitionInTheTargetsColumnOrder) {
    std::string sql = snapshot_view_statement("\"s\".\"v\"", {"\"id\"", "\"Day\""},
                                              {"\"s\".\"p1\"", "\"s\".\"p2\""});
    EXPECT_EQ(sql,
              "CREATE VIEW \"s\".\"v\" WITH (security_invoker = true) AS "
              "SELECT \"id\", \"Day\" FROM \"s\".\"p1\" UNION ALL "
              "SELECT \"id\", \"Day\" FROM \"s\".\"p2\"");
}

TEST(SnapshotViewChange, CannotBeChangedAfterCreate) {
    JobOptions before;
    JobOptions after;
    EXPECT_FALSE(snapshot_view_change_refusal(before, after).has_value());
    after.snapshot_view = "snap";
    EXPECT_TRUE(snapshot_view_change_refusal(before, after).has_value());
    before.snapshot_view = "snap";
    EXPECT_FALSE(snapshot_view_change_refusal(before, after).has_value());
    after.snapshot_view.reset();
    EXPECT_TRUE(snapshot_view_change_refusal(before, after).has_value());
}

// The option: a view name, swap only, and only while originals are kept.
TEST(SnapshotViewOption, ParsedCheckedAndEchoed) {
    JobOptions o = parse_options(R"({"snapshot_view": "Audit.Snap"})", fake_interval_us);
    EXPECT_EQ(o.snapshot_view, "Audit.Snap");
    EXPECT_NE(options_to_json(o).find("\"snapshot_view\": \"Audit.Snap\""), std::string::npos);
    EXPECT_FALSE(parse_options("{}", fake_interval_us).snapshot_view.has_value());
    EXPECT_FALSE(
        parse_options(R"({"snapshot_view": null})", fake_interval_us).snapshot_view.has_value());
    UserError bad =
        expect_user_error([] { parse_options(R"({"snapshot_view": "a-b"})", fake_interval_us); });
    EXPECT_STREQ(bad.what(),
                 "option \"snapshot_view\" must be a view name such as \"events_before\" or "
                 "\"audit.events_before\", not \"a-b\"");
    UserError number =
        expect_user_error([] { parse_options(R"({"snapshot_view": 3})", fake_interval_us); });
    EXPECT_STREQ(number.what(),
                 "option \"snapshot_view\" must be a view name such as \"events_before\" or "
                 "\"audit.events_before\", not 3");
    UserError unkept = expect_user_error(
        [] { parse_options(R"({"snapshot_view": "s", "retain": false})", fake_interval_us); });
    EXPECT_STREQ(unkept.what(),
                 "option \"snapshot_view\" cannot be combined with \"retain\": false");
    UserError merge = expect_user_error(
        [] { parse_options(R"({"mode": "merge", "snapshot_view": "s"})", fake_interval_us); });
    EXPECT_STREQ(merge.what(), "option \"snapshot_view\" is not available with mode merge");
    EXPECT_FALSE(merge.hint().empty());
}

// rollback.snapshot of a specification names the view (and stays in the
// release record); its refusals name the document's field.
TEST(SnapshotViewOption, FromASpecification) {
    const std::string base =
        R"j({"backfill_id": "j", "target": {"table": "t", "partition_key": "d"},
             "source": "SELECT 1", )j";
    SpecMapping m = map_spec(base + R"j("rollback": {"snapshot": "s.p"}})j", fake_interval_us);
    EXPECT_EQ(m.options.snapshot_view, "s.p");
    EXPECT_EQ(m.options.release.snapshot, "s.p");
    UserError e = expect_user_error([&] {
        map_spec(base + R"j("rollback": {"retain": false, "snapshot": "s.p"}})j", fake_interval_us);
    });
    EXPECT_STREQ(e.what(),
                 "specification field \"rollback.snapshot\" cannot be combined with \"retain\": "
                 "false");
    UserError name = expect_user_error(
        [&] { map_spec(base + R"j("rollback": {"snapshot": "a b"}})j", fake_interval_us); });
    EXPECT_NE(std::string(name.what()).find("\"rollback.snapshot\" must be a view name"),
              std::string::npos);
}

}  // namespace
}  // namespace backfill

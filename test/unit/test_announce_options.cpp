// The options of "prove, inspect, announce": canary_chunks, notify,
// after_publish and max_rows_per_day, read and refused like the others.
#include <gtest/gtest.h>

#include <string>

#include "core/options.hpp"
#include "expect_error.hpp"
#include "fake_durations.hpp"

namespace backfill {
namespace {

JobOptions parse(const std::string& json) { return parse_options(json, fake_interval_us); }

std::string refusal(const std::string& json) {
    return expect_user_error([&]() { parse(json); }).what();
}

TEST(AnnounceOptions, Defaults) {
    JobOptions o = parse("{}");
    EXPECT_FALSE(o.canary_chunks.has_value());
    EXPECT_EQ(o.notify, "backfill");
    EXPECT_FALSE(o.after_publish.has_value());
    EXPECT_FALSE(o.max_rows_per_day.has_value());
}

TEST(AnnounceOptions, Values) {
    JobOptions o = parse(
        "{\"canary_chunks\": 2, \"notify\": \"ops_feed$1\", \"after_publish\": \"REFRESH "
        "MATERIALIZED VIEW mv\", \"max_rows_per_day\": 5000}");
    EXPECT_EQ(o.canary_chunks, 2);
    EXPECT_EQ(o.notify, "ops_feed$1");
    EXPECT_EQ(o.after_publish, "REFRESH MATERIALIZED VIEW mv");
    EXPECT_EQ(o.max_rows_per_day, 5000);
    EXPECT_NE(options_to_json(o).find("\"canary_chunks\": 2, \"notify\": \"ops_feed$1\""),
              std::string::npos);
}

// null turns the announcements off, and the echo says so.
TEST(AnnounceOptions, NotifyNull) {
    JobOptions o = parse("{\"notify\": null}");
    EXPECT_FALSE(o.notify.has_value());
    EXPECT_NE(options_to_json(o).find("\"notify\": null"), std::string::npos);
}

// LISTEN folds an unquoted name to lower case: a channel it could not
// name that way is refused, as are names the server would cut.
TEST(AnnounceOptions, ChannelRefused) {
    const std::string expected =
        "option \"notify\" must be a channel name (lower-case letters, digits, _ and $, starting "
        "with a letter or _, at most 63 bytes) or null, not ";
    EXPECT_EQ(refusal("{\"notify\": \"Ops\"}"), expected + "\"Ops\"");
    EXPECT_EQ(refusal("{\"notify\": \"\"}"), expected + "\"\"");
    EXPECT_EQ(refusal("{\"notify\": \"1abc\"}"), expected + "\"1abc\"");
    EXPECT_EQ(refusal("{\"notify\": \"a b\"}"), expected + "\"a b\"");
    EXPECT_EQ(refusal("{\"notify\": 5}"), expected + "5");
    EXPECT_EQ(refusal("{\"notify\": \"" + std::string(64, 'a') + "\"}"),
              expected + "\"" + std::string(64, 'a') + "\"");
    EXPECT_EQ(parse("{\"notify\": \"" + std::string(63, 'a') + "\"}").notify, std::string(63, 'a'));
}

TEST(AnnounceOptions, RangesRefused) {
    EXPECT_EQ(refusal("{\"canary_chunks\": 0}").find("option \"canary_chunks\" must be"), 0u);
    EXPECT_EQ(refusal("{\"canary_chunks\": \"2\"}").find("option \"canary_chunks\" must be"), 0u);
    EXPECT_EQ(refusal("{\"max_rows_per_day\": 0}").find("option \"max_rows_per_day\" must be"), 0u);
    EXPECT_EQ(refusal("{\"after_publish\": \" \"}"),
              "option \"after_publish\" must be a query as a non-empty string, not \" \"");
}

// backfill.publish() is the approval of a manual job and publishes in the
// caller's transaction: neither a canary nor a hook could act there.
TEST(AnnounceOptions, ManualRefusesCanaryAndHook) {
    UserError e =
        expect_user_error([&]() { parse("{\"publish\": \"manual\", \"canary_chunks\": 1}"); });
    EXPECT_STREQ(e.what(),
                 "option \"canary_chunks\" cannot be combined with \"publish\": \"manual\"");
    EXPECT_EQ(refusal("{\"publish\": \"manual\", \"after_publish\": \"SELECT 1\"}"),
              "option \"after_publish\" cannot be combined with \"publish\": \"manual\"");
    EXPECT_EQ(parse("{\"publish\": \"end\", \"canary_chunks\": 1}").canary_chunks, 1);
}

}  // namespace
}  // namespace backfill

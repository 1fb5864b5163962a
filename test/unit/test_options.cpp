#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/options.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

const char* const kDefaultsJson =
    "{\"mode\": \"swap\", \"max_concurrency\": 1, \"sleep\": \"0\", \"lock_timeout\": \"100ms\", "
    "\"swap_retries\": 50, \"max_attempts\": 3, \"on_failure\": \"stop\", \"retain\": true, "
    "\"statement_timeout\": null}";

const char* const kDurationHint =
    "Durations are JSON strings made of a number and a unit (us, ms, s, min, h, d), such as "
    "\"250ms\" or \"1min 30s\".";

// Shorthands for one options key of each JSON kind.
OptionInput str(const std::string& key, const std::string& text) {
    return {key, JsonKind::String, text};
}
OptionInput num(const std::string& key, const std::string& text) {
    return {key, JsonKind::Number, text};
}
OptionInput boolean(const std::string& key, bool value) {
    return {key, JsonKind::Boolean, value ? "true" : "false"};
}

// Parses options that must be refused and returns the error.
UserError refused(const std::vector<OptionInput>& input) {
    return expect_user_error([&] { parse_options(input); });
}

// The message of a refusal, for the many tests that only need that.
std::string message(const std::vector<OptionInput>& input) { return refused(input).what(); }

// An empty object gives every documented default.
TEST(ParseOptions, EmptyGivesDefaults) {
    JobOptions o = parse_options({});
    EXPECT_EQ(o.mode, "swap");
    EXPECT_EQ(o.max_concurrency, 1);
    EXPECT_EQ(o.sleep_us, 0);
    EXPECT_EQ(o.lock_timeout_us, 100000);
    EXPECT_EQ(o.swap_retries, 50);
    EXPECT_EQ(o.max_attempts, 3);
    EXPECT_EQ(o.on_failure, OnFailure::Stop);
    EXPECT_TRUE(o.retain);
    EXPECT_FALSE(o.statement_timeout_us.has_value());
    EXPECT_EQ(options_to_json(o), kDefaultsJson);
}

// Every key set at once lands in its field.
TEST(ParseOptions, EveryKeySet) {
    JobOptions o = parse_options(
        {str("mode", "swap"), num("max_concurrency", "4"), str("sleep", "1min 30s"),
         str("lock_timeout", "250ms"), num("swap_retries", "10"), num("max_attempts", "5"),
         str("on_failure", "continue"), boolean("retain", false), str("statement_timeout", "1h")});
    EXPECT_EQ(o.max_concurrency, 4);
    EXPECT_EQ(o.sleep_us, 90000000);
    EXPECT_EQ(o.lock_timeout_us, 250000);
    EXPECT_EQ(o.swap_retries, 10);
    EXPECT_EQ(o.max_attempts, 5);
    EXPECT_EQ(o.on_failure, OnFailure::Continue);
    EXPECT_FALSE(o.retain);
    EXPECT_EQ(o.statement_timeout_us, 3600000000);
    EXPECT_EQ(options_to_json(o),
              "{\"mode\": \"swap\", \"max_concurrency\": 4, \"sleep\": \"1min 30s\", "
              "\"lock_timeout\": \"250ms\", \"swap_retries\": 10, \"max_attempts\": 5, "
              "\"on_failure\": \"continue\", \"retain\": false, \"statement_timeout\": \"1h\"}");
}

// The limits of each range are themselves accepted.
TEST(ParseOptions, AcceptsRangeLimits) {
    EXPECT_EQ(parse_options({num("max_concurrency", "64")}).max_concurrency, 64);
    EXPECT_EQ(parse_options({num("max_concurrency", "1")}).max_concurrency, 1);
    EXPECT_EQ(parse_options({num("swap_retries", "1000")}).swap_retries, 1000);
    EXPECT_EQ(parse_options({num("max_attempts", "100")}).max_attempts, 100);
    EXPECT_EQ(parse_options({str("lock_timeout", "1ms")}).lock_timeout_us, 1000);
    EXPECT_EQ(parse_options({str("lock_timeout", "1h")}).lock_timeout_us, 3600000000);
    EXPECT_EQ(parse_options({str("statement_timeout", "1ms")}).statement_timeout_us, 1000);
    EXPECT_EQ(parse_options({str("statement_timeout", "24d")}).statement_timeout_us, 2073600000000);
    EXPECT_EQ(parse_options({str("sleep", "0")}).sleep_us, 0);
    EXPECT_EQ(parse_options({str("sleep", "10d")}).sleep_us, 864000000000);
}

// jsonb may print a whole number with a zero fraction; that is still whole.
TEST(ParseOptions, AcceptsWholeNumberWithZeroFraction) {
    EXPECT_EQ(parse_options({num("max_attempts", "4.0")}).max_attempts, 4);
    EXPECT_EQ(parse_options({num("max_attempts", "007")}).max_attempts, 7);
}

// null means no statement_timeout, overriding nothing.
TEST(ParseOptions, StatementTimeoutNull) {
    JobOptions o = parse_options({{"statement_timeout", JsonKind::Null, "null"}});
    EXPECT_FALSE(o.statement_timeout_us.has_value());
}

// An unknown key is named, and the hint lists the known ones.
TEST(ParseOptions, UnknownKey) {
    UserError e = refused({num("max_concurrency", "2"), str("foo", "bar")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "unknown option \"foo\"");
    EXPECT_EQ(e.hint(),
              "Known options are mode, max_concurrency, sleep, lock_timeout, swap_retries, "
              "max_attempts, on_failure, retain and statement_timeout.");
    EXPECT_STREQ(refused({str("Mode", "swap")}).what(), "unknown option \"Mode\"");
}

// The first bad key is the one reported.
TEST(ParseOptions, FirstBadKeyIsNamed) {
    EXPECT_EQ(message({str("sleep", "soon"), str("foo", "x")}),
              "option \"sleep\" must be a duration such as '100ms', not \"soon\"");
}

// mode has one value.
TEST(ParseOptions, ModeErrors) {
    UserError e = refused({str("mode", "merge")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"mode\" must be \"swap\", not \"merge\"");
    EXPECT_EQ(e.hint(),
              "Only swap mode exists: each chunk is a partition built off to the side and "
              "swapped in.");
    EXPECT_EQ(message({num("mode", "1")}), "option \"mode\" must be \"swap\", not 1");
    EXPECT_EQ(message({{"mode", JsonKind::Null, "null"}}),
              "option \"mode\" must be \"swap\", not null");
}

// Integers: fractions, out-of-range values, quoted numbers and other kinds.
TEST(ParseOptions, IntegerErrors) {
    UserError e = refused({num("max_concurrency", "3.5")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"max_concurrency\" must be an integer from 1 to 64, not 3.5");
    EXPECT_EQ(e.hint(),
              "It is the number of chunks built at the same time, each by its own worker.");

    EXPECT_EQ(message({num("max_concurrency", "0")}),
              "option \"max_concurrency\" must be an integer from 1 to 64, not 0");
    EXPECT_EQ(message({num("max_concurrency", "65")}),
              "option \"max_concurrency\" must be an integer from 1 to 64, not 65");
    EXPECT_EQ(message({num("max_concurrency", "-1")}),
              "option \"max_concurrency\" must be an integer from 1 to 64, not -1");
    EXPECT_EQ(message({num("max_concurrency", "99999999999999999999")}),
              "option \"max_concurrency\" must be an integer from 1 to 64, not "
              "99999999999999999999");
    EXPECT_EQ(message({num("swap_retries", "1001")}),
              "option \"swap_retries\" must be an integer from 1 to 1000, not 1001");
    EXPECT_EQ(message({num("swap_retries", "0")}),
              "option \"swap_retries\" must be an integer from 1 to 1000, not 0");
    EXPECT_EQ(message({num("max_attempts", "101")}),
              "option \"max_attempts\" must be an integer from 1 to 100, not 101");
    EXPECT_EQ(message({num("max_attempts", "2.50")}),
              "option \"max_attempts\" must be an integer from 1 to 100, not 2.50");

    UserError quoted = refused({str("max_attempts", "3")});
    EXPECT_STREQ(quoted.what(),
                 "option \"max_attempts\" must be an integer from 1 to 100, not \"3\"");
    EXPECT_EQ(quoted.hint(),
              "Write it as a JSON number without quotes, such as {\"max_attempts\": 1}.");
    EXPECT_EQ(message({{"max_attempts", JsonKind::Object, "{}"}}),
              "option \"max_attempts\" must be an integer from 1 to 100, not an object");
    EXPECT_EQ(message({{"max_attempts", JsonKind::Array, "[3]"}}),
              "option \"max_attempts\" must be an integer from 1 to 100, not an array");
    EXPECT_EQ(message({boolean("swap_retries", true)}),
              "option \"swap_retries\" must be an integer from 1 to 1000, not true");
}

// Durations that do not parse, or are not strings.
TEST(ParseOptions, DurationErrors) {
    UserError e = refused({str("lock_timeout", "abc")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"lock_timeout\" must be a duration such as '100ms', not \"abc\"");
    EXPECT_EQ(e.hint(), kDurationHint);
    EXPECT_EQ(message({num("lock_timeout", "100")}),
              "option \"lock_timeout\" must be a duration such as '100ms', not 100");
    EXPECT_EQ(message({str("sleep", "-1s")}),
              "option \"sleep\" must be a duration such as '100ms', not \"-1s\"");
    EXPECT_EQ(message({str("sleep", "5")}),
              "option \"sleep\" must be a duration such as '100ms', not \"5\"");
    EXPECT_EQ(message({{"sleep", JsonKind::Null, "null"}}),
              "option \"sleep\" must be a duration such as '100ms', not null");
    EXPECT_EQ(message({boolean("statement_timeout", true)}),
              "option \"statement_timeout\" must be a duration such as '100ms', not true");
}

// lock_timeout stays between 1ms and 1h.
TEST(ParseOptions, LockTimeoutRange) {
    UserError e = refused({str("lock_timeout", "2h")});
    EXPECT_STREQ(e.what(), "option \"lock_timeout\" must be between 1ms and 1h, not \"2h\"");
    EXPECT_EQ(e.hint(),
              "It bounds each lock wait of the publishing transaction; keep it short, such as "
              "\"100ms\".");
    EXPECT_EQ(message({str("lock_timeout", "500us")}),
              "option \"lock_timeout\" must be between 1ms and 1h, not \"500us\"");
    EXPECT_EQ(message({str("lock_timeout", "0")}),
              "option \"lock_timeout\" must be between 1ms and 1h, not \"0\"");
}

// statement_timeout must be a real limit that PostgreSQL can hold.
TEST(ParseOptions, StatementTimeoutRange) {
    UserError e = refused({str("statement_timeout", "0")});
    EXPECT_STREQ(e.what(), "option \"statement_timeout\" must be between 1ms and 24d, not \"0\"");
    EXPECT_EQ(e.hint(), "Use null for no limit.");
    EXPECT_EQ(message({str("statement_timeout", "30d")}),
              "option \"statement_timeout\" must be between 1ms and 24d, not \"30d\"");
}

// on_failure and retain have fixed values.
TEST(ParseOptions, OnFailureAndRetainErrors) {
    UserError e = refused({str("on_failure", "halt")});
    EXPECT_STREQ(e.what(), "option \"on_failure\" must be \"stop\" or \"continue\", not \"halt\"");
    EXPECT_EQ(e.hint(),
              "\"stop\" fails the job at the first failed chunk; \"continue\" goes on with the "
              "other chunks.");
    EXPECT_EQ(message({boolean("on_failure", true)}),
              "option \"on_failure\" must be \"stop\" or \"continue\", not true");

    UserError r = refused({str("retain", "yes")});
    EXPECT_STREQ(r.what(), "option \"retain\" must be true or false, not \"yes\"");
    EXPECT_EQ(r.hint(), "Write it as a JSON boolean without quotes.");
    EXPECT_EQ(message({num("retain", "1")}), "option \"retain\" must be true or false, not 1");
    EXPECT_EQ(message({str("retain", "true")}),
              "option \"retain\" must be true or false, not \"true\"");
}

// The echoed options are valid JSON even for strings needing escapes.
TEST(OptionsToJson, EscapesStrings) {
    JobOptions o;
    o.mode = std::string("a\"b\\c\nd\te\x01");
    EXPECT_EQ(
        options_to_json(o),
        "{\"mode\": \"a\\\"b\\\\c\\nd\\te\\u0001\", \"max_concurrency\": 1, \"sleep\": \"0\", "
        "\"lock_timeout\": \"100ms\", \"swap_retries\": 50, \"max_attempts\": 3, "
        "\"on_failure\": \"stop\", \"retain\": true, \"statement_timeout\": null}");
}

// Effective options read back to the same options.
TEST(OptionsToJson, DefaultsEchoParseBack) {
    JobOptions o = parse_options({str("sleep", "0"), str("lock_timeout", "100ms")});
    EXPECT_EQ(options_to_json(o), kDefaultsJson);
}

}  // namespace
}  // namespace backfill

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/options.hpp"
#include "core/time_window.hpp"
#include "expect_error.hpp"
#include "fake_durations.hpp"

namespace backfill {
namespace {

using nlohmann::json;

const char* const kDefaultsJson =
    "{\"mode\": \"swap\", \"max_concurrency\": 1, \"sleep\": \"0\", \"lock_timeout\": \"100ms\", "
    "\"swap_retries\": 50, \"snapshot_wait\": \"10min\", \"max_attempts\": 3, \"on_failure\": "
    "\"stop\", \"retain\": true, "
    "\"statement_timeout\": null, \"nice_ratio\": 0, \"max_active_backends\": null, "
    "\"max_replication_lag\": null, \"max_replication_lag_bytes\": null, \"max_wal_rate\": null, "
    "\"window\": null, \"throttle_query\": null, \"publish\": \"each\", "
    "\"partitions_per_batch\": null, \"validate\": null, \"release\": null, "
    "\"include_new_partitions\": false, \"sources\": null, \"partitions\": null, "
    "\"include_default\": false, \"canary_chunks\": null, \"notify\": \"backfill\", "
    "\"after_publish\": null, \"max_rows_per_day\": null, \"rehearse\": false, \"snapshot_view\": "
    "null}";

const char* const kWindowHint =
    "Give windows as \"HH:MM-HH:MM\", several separated by commas, e.g. \"22:00-06:00\".";

const char* const kDurationHint =
    "Durations are JSON strings made of a number and a unit (us, ms, s, min, h, d), such as "
    "\"250ms\" or \"1min 30s\".";

// One key of an options object and its value.
using Entry = std::pair<std::string, json>;

// Shorthands for one options key of each JSON kind; numbers, arrays and
// objects are given as JSON text.
Entry str(const std::string& key, const std::string& text) { return {key, json(text)}; }
Entry num(const std::string& key, const std::string& text) { return {key, json::parse(text)}; }
Entry boolean(const std::string& key, bool value) { return {key, json(value)}; }
Entry null(const std::string& key) { return {key, json(nullptr)}; }
Entry array(const std::string& key, const std::string& text) { return {key, json::parse(text)}; }
Entry object(const std::string& key, const std::string& text) { return {key, json::parse(text)}; }

// The options object of the entries; a later entry for a key replaces an
// earlier one, as in jsonb.
json options_object(const std::vector<Entry>& entries) {
    json object = json::object();
    for (const auto& [key, value] : entries) {
        object[key] = value;
    }
    return object;
}

// Parses the options with durations read as PostgreSQL would.
JobOptions parse(const std::vector<Entry>& entries) {
    return parse_option_object(options_object(entries), fake_interval_us);
}

// Parses options that must be refused and returns the error.
UserError refused(const std::vector<Entry>& input) {
    return expect_user_error([&] { parse(input); });
}

// The message of a refusal, for the many tests that only need that.
std::string message(const std::vector<Entry>& input) { return refused(input).what(); }

// An empty object gives every documented default.
TEST(ParseOptions, EmptyGivesDefaults) {
    JobOptions o = parse({});
    EXPECT_EQ(o.mode, "swap");
    EXPECT_EQ(o.max_concurrency, 1);
    EXPECT_EQ(o.sleep_us, 0);
    EXPECT_EQ(o.lock_timeout_us, 100000);
    EXPECT_EQ(o.swap_retries, 50);
    EXPECT_EQ(o.snapshot_wait_us, 600000000);
    EXPECT_EQ(o.max_attempts, 3);
    EXPECT_EQ(o.on_failure, OnFailure::Stop);
    EXPECT_TRUE(o.retain);
    EXPECT_FALSE(o.statement_timeout_us.has_value());
    EXPECT_EQ(o.nice_ratio, 0.0);
    EXPECT_FALSE(o.max_active_backends.has_value());
    EXPECT_FALSE(o.max_replication_lag_us.has_value());
    EXPECT_FALSE(o.max_replication_lag_bytes.has_value());
    EXPECT_FALSE(o.max_wal_rate.has_value());
    EXPECT_TRUE(o.windows.empty());
    EXPECT_EQ(format_windows(o.windows), "");
    EXPECT_FALSE(o.throttle_query.has_value());
    EXPECT_EQ(options_to_json(o), kDefaultsJson);
}

// Every key set at once lands in its field.
TEST(ParseOptions, EveryKeySet) {
    JobOptions o = parse(
        {str("mode", "swap"), num("max_concurrency", "4"), str("sleep", "1min 30s"),
         str("lock_timeout", "250ms"), num("swap_retries", "10"), str("snapshot_wait", "2s"),
         num("max_attempts", "5"), str("on_failure", "continue"), boolean("retain", false),
         str("statement_timeout", "1h"), num("nice_ratio", "0.5"), num("max_active_backends", "8"),
         str("max_replication_lag", "5s"), num("max_replication_lag_bytes", "1000000"),
         num("max_wal_rate", "5000000"), array("window", R"j(["22:00-06:00", "12:00-13:30"])j"),
         str("throttle_query", "SELECT false")});
    EXPECT_EQ(o.max_concurrency, 4);
    EXPECT_EQ(o.sleep_us, 90000000);
    EXPECT_EQ(o.lock_timeout_us, 250000);
    EXPECT_EQ(o.swap_retries, 10);
    EXPECT_EQ(o.snapshot_wait_us, 2000000);
    EXPECT_EQ(o.max_attempts, 5);
    EXPECT_EQ(o.on_failure, OnFailure::Continue);
    EXPECT_FALSE(o.retain);
    EXPECT_EQ(o.statement_timeout_us, 3600000000);
    EXPECT_EQ(o.nice_ratio, 0.5);
    EXPECT_EQ(o.max_active_backends, 8);
    EXPECT_EQ(o.max_replication_lag_us, 5000000);
    EXPECT_EQ(o.max_replication_lag_bytes, 1000000);
    EXPECT_EQ(o.max_wal_rate, 5000000);
    ASSERT_EQ(o.windows.size(), 2u);
    EXPECT_EQ(o.windows[0].start_minute, 22 * 60);
    EXPECT_EQ(o.windows[0].end_minute, 6 * 60);
    EXPECT_EQ(o.windows[1].start_minute, 12 * 60);
    EXPECT_EQ(o.windows[1].end_minute, 13 * 60 + 30);
    EXPECT_EQ(format_windows(o.windows), "22:00-06:00, 12:00-13:30");
    EXPECT_EQ(o.throttle_query, "SELECT false");
    EXPECT_EQ(
        options_to_json(o),
        "{\"mode\": \"swap\", \"max_concurrency\": 4, \"sleep\": \"1min 30s\", "
        "\"lock_timeout\": \"250ms\", \"swap_retries\": 10, \"snapshot_wait\": \"2s\", "
        "\"max_attempts\": 5, "
        "\"on_failure\": \"continue\", \"retain\": false, \"statement_timeout\": \"1h\", "
        "\"nice_ratio\": 0.5, \"max_active_backends\": 8, \"max_replication_lag\": \"5s\", "
        "\"max_replication_lag_bytes\": 1000000, \"max_wal_rate\": 5000000, "
        "\"window\": [\"22:00-06:00\", \"12:00-13:30\"], \"throttle_query\": \"SELECT "
        "false\", \"publish\": \"each\", \"partitions_per_batch\": null, \"validate\": null, "
        "\"release\": null, \"include_new_partitions\": false, \"sources\": null, \"partitions\": "
        "null, \"include_default\": false, \"canary_chunks\": null, \"notify\": \"backfill\", "
        "\"after_publish\": null, \"max_rows_per_day\": null, \"rehearse\": false, "
        "\"snapshot_view\": null}");
}

// The limits of each range are themselves accepted.
TEST(ParseOptions, AcceptsRangeLimits) {
    EXPECT_EQ(parse({num("max_concurrency", "64")}).max_concurrency, 64);
    EXPECT_EQ(parse({num("max_concurrency", "1")}).max_concurrency, 1);
    EXPECT_EQ(parse({num("swap_retries", "1000")}).swap_retries, 1000);
    EXPECT_EQ(parse({num("max_attempts", "100")}).max_attempts, 100);
    EXPECT_EQ(parse({str("lock_timeout", "1ms")}).lock_timeout_us, 1000);
    EXPECT_EQ(parse({str("lock_timeout", "1h")}).lock_timeout_us, 3600000000);
    EXPECT_EQ(parse({str("statement_timeout", "1ms")}).statement_timeout_us, 1000);
    EXPECT_EQ(parse({str("statement_timeout", "24d")}).statement_timeout_us, 2073600000000);
    EXPECT_EQ(parse({str("sleep", "0")}).sleep_us, 0);
    EXPECT_EQ(parse({str("sleep", "10d")}).sleep_us, 864000000000);
}

// jsonb may print a whole number with a zero fraction; that is still whole.
TEST(ParseOptions, AcceptsWholeNumberWithZeroFraction) {
    EXPECT_EQ(parse({num("max_attempts", "4.0")}).max_attempts, 4);
}

// null means no statement_timeout, overriding nothing.
TEST(ParseOptions, StatementTimeoutNull) {
    JobOptions o = parse({null("statement_timeout")});
    EXPECT_FALSE(o.statement_timeout_us.has_value());
}

// An unknown key is named, and the hint lists the known ones.
TEST(ParseOptions, UnknownKey) {
    UserError e = refused({num("max_concurrency", "2"), str("foo", "bar")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "unknown option \"foo\"");
    EXPECT_EQ(e.hint(),
              "Known options are mode, max_concurrency, sleep, lock_timeout, swap_retries, "
              "snapshot_wait, max_attempts, on_failure, retain, statement_timeout, nice_ratio, "
              "max_active_backends, max_replication_lag, max_replication_lag_bytes, max_wal_rate, "
              "window, throttle_query, publish, partitions_per_batch, validate, release, "
              "include_new_partitions, key, chunk_by, chunk_size, conflict, version_column, "
              "delete_missing, watermark, sources, partitions, include_default, canary_chunks, "
              "notify, after_publish, max_rows_per_day, rehearse and snapshot_view.");
    EXPECT_STREQ(refused({str("Mode", "swap")}).what(), "unknown option \"Mode\"");
}

// The first bad key in key order (jsonb keeps its keys sorted) is reported.
TEST(ParseOptions, FirstBadKeyIsNamed) {
    EXPECT_EQ(message({str("sleep", "soon"), str("window", "x")}),
              "option \"sleep\" must be a duration such as '100ms', not \"soon\"");
}

// mode is swap or merge.
TEST(ParseOptions, ModeErrors) {
    UserError e = refused({str("mode", "replace")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"mode\" must be \"swap\" or \"merge\", not \"replace\"");
    EXPECT_EQ(e.hint(),
              "\"swap\" builds each partition off to the side and swaps it in; \"merge\" "
              "corrects rows in place, range by range of chunk_by, on any table.");
    EXPECT_EQ(message({num("mode", "1")}), "option \"mode\" must be \"swap\" or \"merge\", not 1");
    EXPECT_EQ(message({null("mode")}), "option \"mode\" must be \"swap\" or \"merge\", not null");
}

// The options of one mode are refused by name in a job of the other.
TEST(ParseOptions, OtherModesOptions) {
    for (const char* swap_only : {"lock_timeout", "swap_retries", "retain"}) {
        UserError e = refused({str("mode", "merge"), num(swap_only, "1")});
        EXPECT_EQ(std::string(e.what()),
                  "option \"" + std::string(swap_only) + "\" applies to mode swap only");
    }
    EXPECT_EQ(message({str("chunk_by", "day")}), "option \"chunk_by\" applies to mode merge only");
    EXPECT_EQ(message({str("conflict", "live_wins"), str("mode", "swap")}),
              "option \"conflict\" applies to mode merge only");
}

// Mode merge's options that go together, and their values.
TEST(ParseOptions, MergeOptions) {
    EXPECT_EQ(message({str("mode", "merge"), str("conflict", "newer_wins")}),
              "option \"version_column\" must be given with \"conflict\": \"newer_wins\"");
    EXPECT_EQ(message({str("mode", "merge"), str("version_column", "v")}),
              "option \"version_column\" is used only with \"conflict\": \"newer_wins\"");
    EXPECT_EQ(message({str("mode", "merge"), str("conflict", "live_wins"),
                       num("delete_missing", "true")}),
              "option \"delete_missing\" cannot be combined with \"conflict\": \"live_wins\"");
    EXPECT_EQ(message({str("mode", "merge"), num("chunk_size", "0")}),
              "option \"chunk_size\" must be a positive number or an interval such as \"1 day\", "
              "not 0");
    EXPECT_EQ(
        message({str("mode", "merge"), num("key", "[]")}),
        "option \"key\" must be an array of column names such as [\"id\"], not an empty array");
    EXPECT_EQ(message({str("mode", "merge"), num("key", R"(["a", 1])")}),
              "option \"key[1]\" must be a column name, not 1");
    JobOptions o = parse_options(
        R"({"mode": "merge", "key": ["a", "b"], "chunk_by": "day", "chunk_size": 500,
            "conflict": "newer_wins", "version_column": "v", "delete_missing": true,
            "watermark": "SELECT 1"})",
        fake_interval_us);
    EXPECT_EQ(o.merge.key, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(o.merge.chunk_by, "day");
    EXPECT_EQ(o.merge.chunk_size, "500");
    EXPECT_EQ(o.merge.conflict, Conflict::NewerWins);
    EXPECT_EQ(o.merge.version_column, "v");
    EXPECT_TRUE(o.merge.delete_missing);
    EXPECT_EQ(o.merge.watermark, "SELECT 1");
    const json echo = json::parse(options_to_json(o));
    EXPECT_EQ(echo.at("key"), json::parse(R"(["a", "b"])"));
    EXPECT_EQ(echo.at("chunk_size"), json(500));
    EXPECT_EQ(json::parse(options_to_json(parse_options(
                              R"({"mode": "merge", "chunk_size": "2 days"})", fake_interval_us)))
                  .at("chunk_size"),
              json("2 days"));
    // the echo parses back to the same options
    EXPECT_EQ(options_to_json(parse_options(options_to_json(o), fake_interval_us)),
              options_to_json(o));
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
              "option \"max_concurrency\" must be an integer from 1 to 64, not 1e+20");
    EXPECT_EQ(message({num("swap_retries", "1001")}),
              "option \"swap_retries\" must be an integer from 1 to 1000, not 1001");
    EXPECT_EQ(message({num("swap_retries", "0")}),
              "option \"swap_retries\" must be an integer from 1 to 1000, not 0");
    EXPECT_EQ(message({num("max_attempts", "101")}),
              "option \"max_attempts\" must be an integer from 1 to 100, not 101");
    EXPECT_EQ(message({num("max_attempts", "2.50")}),
              "option \"max_attempts\" must be an integer from 1 to 100, not 2.5");

    UserError quoted = refused({str("max_attempts", "3")});
    EXPECT_STREQ(quoted.what(),
                 "option \"max_attempts\" must be an integer from 1 to 100, not \"3\"");
    EXPECT_EQ(quoted.hint(),
              "Write it as a JSON number without quotes, such as {\"max_attempts\": 1}.");
    EXPECT_EQ(message({object("max_attempts", "{}")}),
              "option \"max_attempts\" must be an integer from 1 to 100, not an object");
    EXPECT_EQ(message({array("max_attempts", "[3]")}),
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
    EXPECT_EQ(message({null("sleep")}),
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
    EXPECT_EQ(e.hint(),
              "It limits the build of one chunk, which fails when it runs longer; use null for no "
              "limit.");
    EXPECT_EQ(message({str("statement_timeout", "30d")}),
              "option \"statement_timeout\" must be between 1ms and 24d, not \"30d\"");
}

// snapshot_wait: a duration from 1s to 7d, 10min by default; never null,
// so that no reader can hold a job for ever.
TEST(ParseOptions, SnapshotWait) {
    EXPECT_EQ(parse({}).snapshot_wait_us, 600000000);
    EXPECT_EQ(parse({str("snapshot_wait", "2s")}).snapshot_wait_us, 2000000);
    EXPECT_EQ(parse({str("snapshot_wait", "1 min 30 s")}).snapshot_wait_us, 90000000);
    EXPECT_EQ(parse({str("snapshot_wait", "1s")}).snapshot_wait_us, 1000000);
    EXPECT_EQ(parse({str("snapshot_wait", "7d")}).snapshot_wait_us, 604800000000);
    EXPECT_NE(options_to_json(parse({str("snapshot_wait", "00:01:30")}))
                  .find("\"swap_retries\": 50, \"snapshot_wait\": \"1min 30s\", "),
              std::string::npos);

    UserError e = refused({str("snapshot_wait", "500ms")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"snapshot_wait\" must be between 1s and 7d, not \"500ms\"");
    EXPECT_EQ(e.hint(),
              "It bounds how long publishing waits for transactions older than the build, such "
              "as an idle REPEATABLE READ transaction; past it the chunk stays built and is "
              "published later.");
    EXPECT_EQ(message({str("snapshot_wait", "8d")}),
              "option \"snapshot_wait\" must be between 1s and 7d, not \"8d\"");
    EXPECT_EQ(message({str("snapshot_wait", "0")}),
              "option \"snapshot_wait\" must be between 1s and 7d, not \"0\"");
    UserError bad = refused({str("snapshot_wait", "forever")});
    EXPECT_STREQ(bad.what(),
                 "option \"snapshot_wait\" must be a duration such as '100ms', not \"forever\"");
    EXPECT_EQ(bad.hint(), kDurationHint);
    EXPECT_EQ(message({num("snapshot_wait", "10")}),
              "option \"snapshot_wait\" must be a duration such as '100ms', not 10");
    EXPECT_EQ(message({null("snapshot_wait")}),
              "option \"snapshot_wait\" must be a duration such as '100ms', not null");
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
    JobOptions o = parse({});
    // a mode of neither kind: the echo leaves out the options of both
    o.mode = std::string("a\"b\\c\nd\te\x01");
    EXPECT_EQ(
        options_to_json(o),
        "{\"mode\": \"a\\\"b\\\\c\\nd\\te\\u0001\", \"max_concurrency\": 1, \"sleep\": \"0\", "
        "\"max_attempts\": 3, "
        "\"on_failure\": \"stop\", \"statement_timeout\": null, "
        "\"nice_ratio\": 0, \"max_active_backends\": null, \"max_replication_lag\": null, "
        "\"max_replication_lag_bytes\": null, \"max_wal_rate\": null, \"window\": null, "
        "\"throttle_query\": null, \"publish\": \"each\", \"partitions_per_batch\": null, "
        "\"validate\": null, \"release\": null, \"sources\": null, \"canary_chunks\": null, "
        "\"notify\": \"backfill\", \"after_publish\": null, \"max_rows_per_day\": null, "
        "\"rehearse\": false}");
}

// Effective options read back to the same options.
TEST(OptionsToJson, DefaultsEchoParseBack) {
    JobOptions o = parse({str("sleep", "0"), str("lock_timeout", "100ms")});
    EXPECT_EQ(options_to_json(o), kDefaultsJson);
}

// nice_ratio: any number from 0 to 100, fractions included.
TEST(ParseOptions, NiceRatio) {
    EXPECT_EQ(parse({num("nice_ratio", "0")}).nice_ratio, 0.0);
    EXPECT_EQ(parse({num("nice_ratio", "0.25")}).nice_ratio, 0.25);
    EXPECT_EQ(parse({num("nice_ratio", "100")}).nice_ratio, 100.0);
    EXPECT_EQ(parse({num("nice_ratio", "1e2")}).nice_ratio, 100.0);
    EXPECT_EQ(parse({num("nice_ratio", "-0")}).nice_ratio, 0.0);

    UserError e = refused({num("nice_ratio", "100.5")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"nice_ratio\" must be a number from 0 to 100, not 100.5");
    EXPECT_EQ(e.hint(),
              "It is the pause after each chunk as a multiple of the time the chunk took; 0.5 "
              "pauses for half as long as the chunk ran.");
    EXPECT_EQ(message({num("nice_ratio", "-0.1")}),
              "option \"nice_ratio\" must be a number from 0 to 100, not -0.1");

    UserError quoted = refused({str("nice_ratio", "0.5")});
    EXPECT_STREQ(quoted.what(),
                 "option \"nice_ratio\" must be a number from 0 to 100, not \"0.5\"");
    EXPECT_EQ(quoted.hint(),
              "Write it as a JSON number without quotes, such as {\"nice_ratio\": 0.5}.");
    EXPECT_EQ(message({null("nice_ratio")}),
              "option \"nice_ratio\" must be a number from 0 to 100, not null");
    EXPECT_EQ(message({boolean("nice_ratio", true)}),
              "option \"nice_ratio\" must be a number from 0 to 100, not true");
}

// nice_ratio echoes in the shortest form that reads back the same.
TEST(OptionsToJson, NiceRatioEcho) {
    for (const char* text : {"0.1", "0.5", "2", "33.333", "100", "1e-05"}) {
        JobOptions o = parse({num("nice_ratio", text)});
        const std::string json = options_to_json(o);
        EXPECT_NE(json.find(std::string("\"nice_ratio\": ") + text + ","), std::string::npos)
            << json;
    }
}

// max_active_backends: 0 and up, or null for off.
TEST(ParseOptions, MaxActiveBackends) {
    EXPECT_EQ(parse({num("max_active_backends", "0")}).max_active_backends, 0);
    EXPECT_EQ(parse({num("max_active_backends", "262143")}).max_active_backends, 262143);
    EXPECT_FALSE(parse({null("max_active_backends")}).max_active_backends.has_value());

    UserError e = refused({num("max_active_backends", "-1")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"max_active_backends\" must be an integer from 0 to 262143, not -1");
    EXPECT_EQ(e.hint(),
              "The job waits while more other client backends than this are active; use null "
              "for no limit.");
    EXPECT_EQ(message({num("max_active_backends", "262144")}),
              "option \"max_active_backends\" must be an integer from 0 to 262143, not 262144");
    EXPECT_EQ(message({num("max_active_backends", "1.5")}),
              "option \"max_active_backends\" must be an integer from 0 to 262143, not 1.5");
    UserError quoted = refused({str("max_active_backends", "8")});
    EXPECT_STREQ(quoted.what(),
                 "option \"max_active_backends\" must be an integer from 0 to 262143, not \"8\"");
    EXPECT_EQ(quoted.hint(),
              "Write it as a JSON number without quotes, such as {\"max_active_backends\": 0}.");
}

// max_replication_lag: a positive duration, or null for off.
TEST(ParseOptions, MaxReplicationLag) {
    EXPECT_EQ(parse({str("max_replication_lag", "5s")}).max_replication_lag_us, 5000000);
    EXPECT_EQ(parse({str("max_replication_lag", "1us")}).max_replication_lag_us, 1);
    EXPECT_EQ(parse({str("max_replication_lag", "00:01:30")}).max_replication_lag_us, 90000000);
    EXPECT_FALSE(parse({null("max_replication_lag")}).max_replication_lag_us.has_value());

    UserError e = refused({str("max_replication_lag", "0")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"max_replication_lag\" must be longer than 0, not \"0\"");
    EXPECT_EQ(e.hint(),
              "The job waits while a standby replays later than this; use null for no limit.");

    UserError bad = refused({str("max_replication_lag", "soon")});
    EXPECT_STREQ(bad.what(),
                 "option \"max_replication_lag\" must be a duration such as '100ms', not "
                 "\"soon\"");
    EXPECT_EQ(bad.hint(), kDurationHint);
    EXPECT_EQ(message({num("max_replication_lag", "5")}),
              "option \"max_replication_lag\" must be a duration such as '100ms', not 5");

    JobOptions o = parse({str("max_replication_lag", "90 seconds")});
    EXPECT_NE(options_to_json(o).find("\"max_replication_lag\": \"1min 30s\","), std::string::npos);
}

// max_replication_lag_bytes and max_wal_rate: positive integers, or null.
TEST(ParseOptions, ByteLimits) {
    EXPECT_EQ(parse({num("max_replication_lag_bytes", "1")}).max_replication_lag_bytes, 1);
    EXPECT_EQ(
        parse({num("max_replication_lag_bytes", "999999999999999999")}).max_replication_lag_bytes,
        999999999999999999);
    EXPECT_EQ(parse({num("max_wal_rate", "5000000.0")}).max_wal_rate, 5000000);
    EXPECT_FALSE(parse({null("max_replication_lag_bytes")}).max_replication_lag_bytes.has_value());
    EXPECT_FALSE(parse({null("max_wal_rate")}).max_wal_rate.has_value());

    UserError e = refused({num("max_replication_lag_bytes", "0")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"max_replication_lag_bytes\" must be a positive integer, not 0");
    EXPECT_EQ(e.hint(),
              "The job waits while a standby or replication slot is more bytes of WAL behind "
              "than this; use null for no limit.");
    EXPECT_EQ(message({num("max_replication_lag_bytes", "-5")}),
              "option \"max_replication_lag_bytes\" must be a positive integer, not -5");
    EXPECT_EQ(message({num("max_replication_lag_bytes", "10.5")}),
              "option \"max_replication_lag_bytes\" must be a positive integer, not 10.5");
    EXPECT_EQ(message({num("max_replication_lag_bytes", "99999999999999999999")}),
              "option \"max_replication_lag_bytes\" must be at most 999999999999999999, not 1e+20");

    UserError w = refused({num("max_wal_rate", "0")});
    EXPECT_STREQ(w.what(), "option \"max_wal_rate\" must be a positive integer, not 0");
    EXPECT_EQ(w.hint(),
              "It is the most bytes of WAL per second the job may write on average; use null "
              "for no limit.");
    UserError quoted = refused({str("max_wal_rate", "5MB")});
    EXPECT_STREQ(quoted.what(), "option \"max_wal_rate\" must be a positive integer, not \"5MB\"");
    EXPECT_EQ(quoted.hint(),
              "Write it as a JSON number without quotes, such as {\"max_wal_rate\": 1000000}.");
    EXPECT_EQ(message({object("max_wal_rate", "{}")}),
              "option \"max_wal_rate\" must be a positive integer, not an object");
}

// window: a string or an array of strings, normalized; null for any time.
TEST(ParseOptions, Window) {
    JobOptions s = parse({str("window", " 22:00 - 06:00 ,9:05-17:30")});
    ASSERT_EQ(s.windows.size(), 2u);
    EXPECT_EQ(s.windows[0].start_minute, 1320);
    EXPECT_EQ(s.windows[0].end_minute, 360);
    EXPECT_EQ(s.windows[1].start_minute, 545);
    EXPECT_EQ(s.windows[1].end_minute, 1050);
    EXPECT_EQ(format_windows(s.windows), "22:00-06:00, 09:05-17:30");

    JobOptions a = parse({array("window", R"j(["22:00-24:00"])j")});
    ASSERT_EQ(a.windows.size(), 1u);
    EXPECT_EQ(a.windows[0].end_minute, 1440);
    EXPECT_EQ(format_windows(a.windows), "22:00-24:00");
    EXPECT_NE(options_to_json(a).find("\"window\": [\"22:00-24:00\"],"), std::string::npos);

    JobOptions n = parse({str("window", "22:00-06:00"), null("window")});
    EXPECT_TRUE(n.windows.empty());
    EXPECT_EQ(format_windows(n.windows), "");
    EXPECT_NE(options_to_json(n).find("\"window\": null,"), std::string::npos);
}

// Bad windows are named with the part at fault.
TEST(ParseOptions, WindowErrors) {
    UserError e = refused({str("window", "25:00-06:00")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"window\" has an invalid window \"25:00-06:00\"");
    EXPECT_EQ(e.hint(), kWindowHint);
    EXPECT_EQ(message({array("window", R"j(["22:00-06:00", "nightly"])j")}),
              "option \"window\" has an invalid window \"nightly\"");
    EXPECT_EQ(message({str("window", "")}), "option \"window\" has an invalid window \"\"");
    EXPECT_EQ(message({array("window", "[]")}), "option \"window\" has an invalid window \"\"");

    // An element that is not a string is named by its path.
    UserError mixed = refused({array("window", "[\"22:00-06:00\", 5]")});
    EXPECT_STREQ(mixed.what(),
                 "option \"window[1]\" must be a string such as \"22:00-06:00\", not 5");
    EXPECT_EQ(mixed.hint(), kWindowHint);

    UserError number = refused({num("window", "22")});
    EXPECT_STREQ(number.what(),
                 "option \"window\" must be a string such as \"22:00-06:00\" or an array of "
                 "them, not 22");
    EXPECT_EQ(number.hint(), kWindowHint);
    EXPECT_EQ(message({object("window", "{}")}),
              "option \"window\" must be a string such as \"22:00-06:00\" or an array of them, "
              "not an object");
}

// throttle_query: a non-empty string, or null for none.
TEST(ParseOptions, ThrottleQuery) {
    EXPECT_EQ(parse({str("throttle_query", "SELECT busy()")}).throttle_query, "SELECT busy()");
    EXPECT_FALSE(parse({null("throttle_query")}).throttle_query.has_value());

    UserError e = refused({str("throttle_query", "")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"throttle_query\" must be a query as a non-empty string, not \"\"");
    EXPECT_EQ(e.hint(),
              "It is run before each chunk and the job waits while it returns true; use null for "
              "none.");
    EXPECT_EQ(message({str("throttle_query", "  \n")}),
              "option \"throttle_query\" must be a query as a non-empty string, not \"  \\n\"");
    EXPECT_EQ(message({boolean("throttle_query", true)}),
              "option \"throttle_query\" must be a query as a non-empty string, not true");
}

// The query is echoed as a properly escaped JSON string.
TEST(OptionsToJson, ThrottleQueryEscaped) {
    JobOptions o = parse({str("throttle_query", "SELECT '\"a\\b'\n")});
    EXPECT_NE(options_to_json(o).find("\"throttle_query\": \"SELECT '\\\"a\\\\b'\\n\", "),
              std::string::npos)
        << options_to_json(o);
}

// Every new option read back from its echo gives the same echo.
TEST(OptionsToJson, ThrottleOptionsEchoParseBack) {
    JobOptions o =
        parse({num("nice_ratio", "0.1"), num("max_active_backends", "0"),
               str("max_replication_lag", "1500ms"), num("max_replication_lag_bytes", "42"),
               num("max_wal_rate", "7"), str("window", "1:00-2:00, 3:00-4:00")});
    JobOptions back =
        parse({num("nice_ratio", "0.1"), num("max_active_backends", "0"),
               str("max_replication_lag", "1s 500ms"), num("max_replication_lag_bytes", "42"),
               num("max_wal_rate", "7"), array("window", R"j(["01:00-02:00", "03:00-04:00"])j")});
    EXPECT_EQ(options_to_json(o), options_to_json(back));
    EXPECT_NE(options_to_json(o).find("\"nice_ratio\": 0.1, \"max_active_backends\": 0, "
                                      "\"max_replication_lag\": \"1s 500ms\", "
                                      "\"max_replication_lag_bytes\": 42, \"max_wal_rate\": 7, "
                                      "\"window\": [\"01:00-02:00\", \"03:00-04:00\"], "
                                      "\"throttle_query\": null, "),
              std::string::npos)
        << options_to_json(o);
}

const char* const kPublishHint =
    "\"each\" publishes every chunk on its own once it is validated, \"batch\" publishes "
    "partitions_per_batch chunks together, \"end\" publishes everything in one transaction once "
    "every chunk is validated, \"manual\" waits for backfill.publish().";

const char* const kBatchHint =
    "partitions_per_batch is the number of partitions published together in one transaction, "
    "such as {\"publish\": \"batch\", \"partitions_per_batch\": 7}.";

const char* const kReleaseHint =
    "Known keys of release are owner, issue, change, code_version, approved_by and snapshot, each "
    "a string.";

// publish: each (the default), batch, end or manual.
TEST(ParseOptions, Publish) {
    EXPECT_EQ(parse({}).publish, PublishMode::Each);
    EXPECT_EQ(parse({str("publish", "each")}).publish, PublishMode::Each);
    EXPECT_EQ(parse({str("publish", "end")}).publish, PublishMode::End);
    EXPECT_EQ(parse({str("publish", "manual")}).publish, JobOptions::PublishMode::Manual);
    JobOptions b = parse({str("publish", "batch"), num("partitions_per_batch", "7")});
    EXPECT_EQ(b.publish, PublishMode::Batch);
    EXPECT_EQ(b.partitions_per_batch, 7);

    UserError e = refused({str("publish", "daily")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"publish\" must be \"each\", \"batch\", \"end\" or \"manual\", not "
                 "\"daily\"");
    EXPECT_EQ(e.hint(), kPublishHint);
    EXPECT_EQ(
        message({str("publish", "Each")}),
        "option \"publish\" must be \"each\", \"batch\", \"end\" or \"manual\", not \"Each\"");
    EXPECT_EQ(message({null("publish")}),
              "option \"publish\" must be \"each\", \"batch\", \"end\" or \"manual\", not null");
    EXPECT_EQ(message({num("publish", "1")}),
              "option \"publish\" must be \"each\", \"batch\", \"end\" or \"manual\", not 1");
}

// partitions_per_batch: 1 to 10000; alone it means batches, and batches
// need it; other modes refuse it, whatever the order of the keys.
TEST(ParseOptions, PartitionsPerBatch) {
    JobOptions alone = parse({num("partitions_per_batch", "7")});
    EXPECT_EQ(alone.publish, PublishMode::Batch);
    EXPECT_EQ(alone.partitions_per_batch, 7);
    EXPECT_EQ(parse({num("partitions_per_batch", "1")}).partitions_per_batch, 1);
    EXPECT_EQ(parse({num("partitions_per_batch", "10000")}).partitions_per_batch, 10000);
    EXPECT_EQ(parse({num("partitions_per_batch", "3"), str("publish", "batch")}).publish,
              PublishMode::Batch);
    JobOptions none = parse({null("partitions_per_batch")});
    EXPECT_EQ(none.publish, PublishMode::Each);
    EXPECT_FALSE(none.partitions_per_batch.has_value());
    EXPECT_FALSE(parse({str("publish", "end"), null("partitions_per_batch")})
                     .partitions_per_batch.has_value());

    UserError range = refused({num("partitions_per_batch", "0")});
    EXPECT_EQ(range.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(range.what(),
                 "option \"partitions_per_batch\" must be an integer from 1 to 10000, not 0");
    EXPECT_EQ(range.hint(), kBatchHint);
    EXPECT_EQ(message({num("partitions_per_batch", "10001")}),
              "option \"partitions_per_batch\" must be an integer from 1 to 10000, not 10001");
    EXPECT_EQ(message({num("partitions_per_batch", "2.5")}),
              "option \"partitions_per_batch\" must be an integer from 1 to 10000, not 2.5");
    UserError quoted = refused({str("partitions_per_batch", "7")});
    EXPECT_STREQ(quoted.what(),
                 "option \"partitions_per_batch\" must be an integer from 1 to 10000, not \"7\"");
    EXPECT_EQ(quoted.hint(),
              "Write it as a JSON number without quotes, such as {\"partitions_per_batch\": 1}.");

    UserError missing = refused({str("publish", "batch")});
    EXPECT_STREQ(missing.what(),
                 "option \"partitions_per_batch\" must be given with \"publish\": \"batch\"");
    EXPECT_EQ(missing.hint(), kBatchHint);
    EXPECT_EQ(message({null("partitions_per_batch"), str("publish", "batch")}),
              "option \"partitions_per_batch\" must be given with \"publish\": \"batch\"");

    const std::string other_hint =
        "Batches have a size only with \"publish\": \"batch\"; remove partitions_per_batch or "
        "publish in batches.";
    UserError each = refused({num("partitions_per_batch", "7"), str("publish", "each")});
    EXPECT_STREQ(each.what(),
                 "option \"partitions_per_batch\" cannot be combined with \"publish\": \"each\"");
    EXPECT_EQ(each.hint(), other_hint);
    EXPECT_EQ(message({str("publish", "end"), num("partitions_per_batch", "7")}),
              "option \"partitions_per_batch\" cannot be combined with \"publish\": \"end\"");
    EXPECT_EQ(message({str("publish", "manual"), num("partitions_per_batch", "7")}),
              "option \"partitions_per_batch\" cannot be combined with \"publish\": \"manual\"");
}

// validate: an object of rules, parsed by parse_validation; null for none.
TEST(ParseOptions, Validate) {
    JobOptions o =
        parse({object("validate",
                      "{\"row_count_tolerance\": 0, \"unique\": [\"id\"], \"not_null\": "
                      "[\"x\"], \"aggregates\": [{\"expr\": \"sum(x)\", \"max_delta_pct\": "
                      "1}], \"query\": \"SELECT true\"}")});
    EXPECT_EQ(o.validate.row_count_tolerance, 0.0);
    ASSERT_EQ(o.validate.aggregates.size(), 1u);
    EXPECT_EQ(o.validate.aggregates[0].expr, "sum(x)");
    EXPECT_EQ(o.validate.aggregates[0].max_delta_pct, 1.0);
    EXPECT_EQ(o.validate.unique, (std::vector<std::vector<std::string>>{{"id"}}));
    EXPECT_EQ(o.validate.not_null, (std::vector<std::string>{"x"}));
    EXPECT_EQ(o.validate.query, "SELECT true");
    EXPECT_TRUE(parse({object("validate", "{}")}).validate.empty());
    EXPECT_TRUE(parse({object("validate", "{\"row_count_tolerance\": 0}"), null("validate")})
                    .validate.empty());

    UserError e = refused({str("validate", "row_count_tolerance=0")});
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"validate\" must be an object such as {\"row_count_tolerance\": 0}, not "
                 "\"row_count_tolerance=0\"");
    EXPECT_EQ(e.hint(),
              "It holds the rules each chunk is checked against before it is published: "
              "row_count_tolerance, aggregates, unique, not_null and query.");
    EXPECT_EQ(message({array("validate", R"j(["a", "b"])j")}),
              "option \"validate\" must be an object such as {\"row_count_tolerance\": 0}, not an "
              "array");
    EXPECT_EQ(message({object("validate", "{\"row_count_tolerance\": -1}")}),
              "option \"validate.row_count_tolerance\" must be a number of at least 0, not -1");
    EXPECT_EQ(message({object("validate", "{\"rows\": 1}")}), "unknown option \"validate.rows\"");
}

// release: the audit strings, each optional; null for none.
TEST(ParseOptions, Release) {
    JobOptions o =
        parse({object("release",
                      "{\"owner\": \"finance-data\", \"issue\": \"FIN-2841\", \"change\": "
                      "\"Correct tax\", \"code_version\": \"git:8f31c2a\", \"approved_by\": "
                      "\"finance-controller\", \"snapshot\": \"finance.pre\"}")});
    EXPECT_EQ(o.release.owner, "finance-data");
    EXPECT_EQ(o.release.issue, "FIN-2841");
    EXPECT_EQ(o.release.change, "Correct tax");
    EXPECT_EQ(o.release.code_version, "git:8f31c2a");
    EXPECT_EQ(o.release.approved_by, "finance-controller");
    EXPECT_EQ(o.release.snapshot, "finance.pre");
    JobOptions some = parse({object("release", "{\"approved_by\": \"cfo\"}")});
    EXPECT_FALSE(some.release.owner.has_value());
    EXPECT_EQ(some.release.approved_by, "cfo");
    EXPECT_FALSE(parse({object("release", "{\"owner\": \"a\"}"), null("release")})
                     .release.owner.has_value());

    UserError unknown = refused({object("release", "{\"ticket\": \"FIN-1\"}")});
    EXPECT_EQ(unknown.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(unknown.what(), "unknown option \"release.ticket\"");
    EXPECT_EQ(unknown.hint(), kReleaseHint);
    UserError number = refused({object("release", "{\"code_version\": 42}")});
    EXPECT_STREQ(number.what(), "option \"release.code_version\" must be a string, not 42");
    EXPECT_EQ(number.hint(), kReleaseHint);
    EXPECT_EQ(message({object("release", "{\"owner\": null}")}),
              "option \"release.owner\" must be a string, not null");
    EXPECT_EQ(message({object("release", "{\"owner\": [\"a\"]}")}),
              "option \"release.owner\" must be a string, not an array");
    UserError text = refused({str("release", "FIN-2841")});
    EXPECT_STREQ(text.what(),
                 "option \"release\" must be an object such as {\"approved_by\": "
                 "\"finance-controller\"}, not \"FIN-2841\"");
    EXPECT_EQ(text.hint(), kReleaseHint);
}

// The new keys in the echo: publish by name, the batch size, the rules in
// their normalized form, the release keys that are set.
TEST(OptionsToJson, PublicationKeys) {
    JobOptions o =
        parse({num("partitions_per_batch", "7"),
               object("validate", "{\"unique\": [\"id\"], \"row_count_tolerance\": 0.5}"),
               object("release", "{\"approved_by\": \"cfo\", \"issue\": \"FIN-2841\"}")});
    const std::string json = options_to_json(o);
    EXPECT_NE(
        json.find("\"throttle_query\": null, \"publish\": \"batch\", "
                  "\"partitions_per_batch\": 7, \"validate\": {\"row_count_tolerance\": "
                  "0.5, \"unique\": [[\"id\"]]}, \"release\": {\"issue\": \"FIN-2841\", "
                  "\"approved_by\": \"cfo\"}, "
                  "\"include_new_partitions\": false, \"sources\": null, \"partitions\": null, "
                  "\"include_default\": false, \"canary_chunks\": null, \"notify\": \"backfill\", "
                  "\"after_publish\": null, \"max_rows_per_day\": null, \"rehearse\": false, "
                  "\"snapshot_view\": null}"),
        std::string::npos)
        << json;
    for (const char* mode : {"each", "end", "manual"}) {
        EXPECT_NE(options_to_json(parse({str("publish", mode)}))
                      .find(std::string("\"publish\": \"") + mode +
                            "\", \"partitions_per_batch\": null, "),
                  std::string::npos);
    }
}

// parse_options reads back its own echo, as the PostgreSQL layer hands it
// over, to the same echo: defaults, every key set, and strings that need
// escapes.
TEST(OptionsToJson, EchoParsesBack) {
    std::vector<JobOptions> cases;
    cases.push_back(parse({}));
    cases.push_back(parse(
        {str("mode", "swap"),
         num("max_concurrency", "4"),
         str("sleep", "1min 30s"),
         str("lock_timeout", "250ms"),
         num("swap_retries", "10"),
         str("snapshot_wait", "2s"),
         num("max_attempts", "5"),
         str("on_failure", "continue"),
         boolean("retain", false),
         str("statement_timeout", "1h"),
         num("nice_ratio", "0.5"),
         num("max_active_backends", "8"),
         str("max_replication_lag", "5s"),
         num("max_replication_lag_bytes", "1000000"),
         num("max_wal_rate", "5000000"),
         array("window", R"j(["22:00-06:00", "12:00-13:30"])j"),
         str("throttle_query", "SELECT 'a\"b\\\\c'\n"),
         num("partitions_per_batch", "7"),
         object(
             "validate",
             "{\"row_count_tolerance\": 0.001, \"aggregates\": [{\"expr\": \"sum(\\\"Net\\\")\", "
             "\"min_delta_pct\": -1.5, \"max_delta_pct\": -0.8}, {\"expr\": \"count(*)\"}], "
             "\"unique\": [[\"a\", \"b\"], \"c\"], \"not_null\": [\"a\"], \"query\": \"SELECT "
             "NOT EXISTS (SELECT FROM {shadow} WHERE x = '\\\\t')\"}"),
         object("release",
                "{\"owner\": \"o\", \"issue\": \"i\", \"change\": \"line1\\nline2 \\\"q\\\"\", "
                "\"code_version\": \"c\", \"approved_by\": \"a\", \"snapshot\": \"s\"}")}));
    cases.push_back(parse({str("publish", "manual"), str("window", "23:00-24:00"),
                           object("validate", "{\"query\": \"SELECT true\"}")}));
    cases.push_back(parse({str("publish", "end"), object("release", "{\"owner\": \"\"}")}));
    for (const JobOptions& o : cases) {
        const std::string json = options_to_json(o);
        EXPECT_EQ(options_to_json(parse_options(json, fake_interval_us)), json);
    }
    EXPECT_EQ(json::parse(options_to_json(cases[1])).size(), 31u);
}

}  // namespace
}  // namespace backfill

namespace backfill {
namespace {

// include_new_partitions is off unless asked for, and must be a boolean.
TEST(ParseOptions, IncludeNewPartitions) {
    EXPECT_FALSE(parse({}).include_new_partitions);
    JobOptions o = parse({boolean("include_new_partitions", true)});
    EXPECT_TRUE(o.include_new_partitions);
    EXPECT_NE(options_to_json(o).find("\"include_new_partitions\": true"), std::string::npos);
    UserError e = refused({str("include_new_partitions", "yes")});
    EXPECT_STREQ(e.what(), "option \"include_new_partitions\" must be true or false, not \"yes\"");
    EXPECT_EQ(e.hint(), "Write it as a JSON boolean without quotes.");
}

}  // namespace
}  // namespace backfill

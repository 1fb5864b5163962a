#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/option_error.hpp"
#include "core/option_table.hpp"
#include "core/options.hpp"
#include "expect_error.hpp"
#include "fake_durations.hpp"

namespace backfill {
namespace {

using nlohmann::json;

// The rows of the README's options table: key and default as written.
std::vector<std::pair<std::string, std::string>> readme_options() {
    std::ifstream in(std::string(BACKFILL_SOURCE_DIR) + "/README.md");
    std::stringstream text;
    text << in.rdbuf();
    const std::string readme = text.str();
    const std::size_t begin = readme.find("\n## Options\n");
    const std::size_t end = readme.find("\n## ", begin + 1);
    const std::string section = readme.substr(begin, end - begin);
    static const std::regex row(R"(\n\| `(\w+)` \| `?([^`|]*?)`? \|)");
    std::vector<std::pair<std::string, std::string>> rows;
    for (std::sregex_iterator it(section.begin(), section.end(), row), none; it != none; ++it) {
        rows.emplace_back((*it)[1], (*it)[2]);
    }
    return rows;
}

// The README documents every option of the table and no other, in the
// table's order and with the table's defaults.
TEST(OptionTable, ReadmeDocumentsEveryOptionAndNoOther) {
    std::vector<std::pair<std::string, std::string>> table;
    for (const OptionSpec& spec : option_table()) {
        table.emplace_back(spec.name, spec.default_json);
    }
    EXPECT_EQ(readme_options(), table);
}

// Names are unique, and find_option finds each one and nothing else.
TEST(OptionTable, NamesAreUniqueAndFound) {
    std::set<std::string> names;
    for (const OptionSpec& spec : option_table()) {
        EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
        EXPECT_EQ(find_option(spec.name), &spec);
        EXPECT_NE(std::string(spec.doc), "") << spec.name;
    }
    EXPECT_EQ(find_option("Mode"), nullptr);
    EXPECT_EQ(find_option("lock_timeot"), nullptr);
}

// No options at all give the table's defaults, and the echo writes each
// default exactly as the table (and the README) states it: every option of
// the job's mode and of every mode, none of the other mode's.
TEST(OptionTable, DefaultsComeFromTheTable) {
    for (const std::string mode : {"swap", "merge"}) {
        const json echo = json::parse(
            options_to_json(parse_options("{\"mode\": \"" + mode + "\"}", fake_interval_us)));
        std::size_t expected = 0;
        for (const OptionSpec& spec : option_table()) {
            const char* belongs = option_mode(spec.name);
            if (belongs != nullptr && mode != belongs) {
                EXPECT_FALSE(echo.contains(spec.name)) << mode << ": " << spec.name;
                continue;
            }
            expected++;
            EXPECT_EQ(echo.at(spec.name), spec.name == std::string("mode")
                                              ? json(mode)
                                              : json::parse(spec.default_json))
                << spec.name;
        }
        EXPECT_EQ(echo.size(), expected) << mode;
    }
}

// Each place of a specification lists its own options; the whole list has
// every option.
TEST(OptionTable, NamesByPlace) {
    EXPECT_EQ(option_names(SpecPlace::RollbackRetain), "retain");
    EXPECT_EQ(option_names(SpecPlace::Validation), "validate");
    EXPECT_EQ(option_names(SpecPlace::Audit), "release");
    const std::string execution = option_names(SpecPlace::Execution);
    EXPECT_EQ(execution.find("validate"), std::string::npos);
    EXPECT_EQ(execution.find("retain"), std::string::npos);
    EXPECT_NE(execution.find("include_new_partitions"), std::string::npos);
    EXPECT_EQ(option_names(std::nullopt).rfind("mode, max_concurrency, ", 0), 0u);
}

// The path of a refused value inside an option, as OptionError carries it.
std::string bad_path(const std::string& options) {
    try {
        parse_options(options, fake_interval_us);
    } catch (const OptionError& e) {
        return e.path();
    }
    ADD_FAILURE() << "no OptionError for " << options;
    return "";
}

// Errors name the JSON path of the bad value, however deep it is.
TEST(OptionPaths, NameTheBadValue) {
    EXPECT_EQ(bad_path(R"j({"max_concurrency": "2"})j"), "max_concurrency");
    EXPECT_EQ(bad_path(R"j({"window": ["22:00-06:00", 7]})j"), "window[1]");
    EXPECT_EQ(bad_path(R"j({"release": {"owner": 1}})j"), "release.owner");
    EXPECT_EQ(bad_path(R"j({"release": {"ticket": "x"}})j"), "release.ticket");
    EXPECT_EQ(bad_path(R"j({"validate": {"aggregates": [{"expr": "a"}, {"expr": "b"},
                                                      {"expr": 3}]}})j"),
              "validate.aggregates[2].expr");
    EXPECT_EQ(bad_path(R"j({"validate": {"unique": [["a"], ["b", ""]]}})j"),
              "validate.unique[1][1]");
    EXPECT_EQ(bad_path(R"j({"publish": "batch"})j"), "partitions_per_batch");

    UserError e = expect_user_error(
        [] { parse_options(R"j({"release": {"owner": ["a"]}})j", fake_interval_us); });
    EXPECT_STREQ(e.what(), "option \"release.owner\" must be a string, not an array");
    UserError unknown = expect_user_error([] {
        parse_options(R"j({"validate": {"aggregates": [{"expr": "a", "pct": 1}]}})j",
                      fake_interval_us);
    });
    EXPECT_STREQ(unknown.what(), "unknown option \"validate.aggregates[0].pct\"");
}

// Every option refuses a value of the wrong kind, and the error's path
// starts at the option's name.
TEST(OptionPaths, EveryOptionRefusesNaming) {
    for (const OptionSpec& spec : option_table()) {
        json bad = json::object();
        bad[spec.name] = json::object({{"x", json::array({1})}});
        const std::string path = bad_path(bad.dump());
        EXPECT_EQ(path.rfind(spec.name, 0), 0u) << spec.name << " gave " << path;
    }
}

// Options that are not an object, or cannot be read, are refused as such.
TEST(OptionPaths, NotAnObject) {
    for (const char* text : {"[]", "\"retain\"", "null", "5"}) {
        UserError e = expect_user_error([&] { parse_options(text, fake_interval_us); });
        EXPECT_STREQ(e.what(), "options must be a JSON object") << text;
        EXPECT_EQ(e.hint(), "Pass options like '{\"lock_timeout\": \"200ms\"}'.");
    }
    UserError huge =
        expect_user_error([] { parse_options(R"j({"max_wal_rate": 1e999})j", fake_interval_us); });
    EXPECT_STREQ(huge.what(), "options could not be read: number overflow parsing '1e999'");
}

}  // namespace
}  // namespace backfill

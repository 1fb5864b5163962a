#include <gtest/gtest.h>

#include <string>

#include "core/json_text.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

// "[[[...1...]]]" nested depth levels deep.
std::string nested_arrays(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') + "1" +
           std::string(static_cast<std::size_t>(depth), ']');
}

TEST(ReadJson, ReadsWhatOptionsNest) {
    const std::string text = R"j({"validate": {"aggregates": [{"expr": "sum(x)"}]}})j";
    EXPECT_EQ(read_json(text, "options")["validate"]["aggregates"][0]["expr"], "sum(x)");
    EXPECT_NO_THROW(read_json(nested_arrays(63), "options"));
}

TEST(ReadJson, RefusesDeepNestingBeforeCopyingIt) {
    UserError e = expect_user_error([] { read_json(nested_arrays(100000), "options"); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_EQ(std::string(e.what()), "options nest deeper than 64 levels");
}

TEST(ReadJson, NumberBeyondDoubleIsNamed) {
    UserError e = expect_user_error([] { read_json(R"({"sleep": 1e999})", "options"); });
    EXPECT_NE(std::string(e.what()).find("options could not be read"), std::string::npos);
}

}  // namespace
}  // namespace backfill

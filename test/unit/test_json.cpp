#include <gtest/gtest.h>

#include <string>

#include "core/json.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

// Parses text that must be refused and returns the message.
std::string refusal(const std::string& text) {
    return expect_user_error([&] { parse_json(text, "options"); }).what();
}

// Scalars at the top level, with their kinds and texts.
TEST(ParseJson, Scalars) {
    Json t = parse_json("true", "x");
    EXPECT_EQ(t.kind, Json::Kind::Boolean);
    EXPECT_TRUE(t.boolean);
    Json f = parse_json(" false ", "x");
    EXPECT_EQ(f.kind, Json::Kind::Boolean);
    EXPECT_FALSE(f.boolean);
    EXPECT_EQ(parse_json("null", "x").kind, Json::Kind::Null);
    Json s = parse_json("\"abc\"", "x");
    EXPECT_EQ(s.kind, Json::Kind::String);
    EXPECT_EQ(s.text, "abc");
    EXPECT_EQ(parse_json("\"\"", "x").text, "");
}

// Numbers follow the JSON grammar and keep their text as written.
TEST(ParseJson, NumbersKeepTheirText) {
    for (const char* text : {"0", "-0", "7", "-12", "1.50", "0.001", "1e5", "1E+05", "-2.5e-3",
                             "123456789012345678901234567890"}) {
        Json n = parse_json(text, "x");
        EXPECT_EQ(n.kind, Json::Kind::Number) << text;
        EXPECT_EQ(n.text, text);
    }
}

// Malformed numbers are reported whole, where they start.
TEST(ParseJson, BadNumbers) {
    EXPECT_EQ(refusal("01"), "options is not valid JSON: invalid number \"01\" at character 1");
    EXPECT_EQ(refusal("[1.]"), "options is not valid JSON: invalid number \"1.\" at character 2");
    EXPECT_EQ(refusal("-"), "options is not valid JSON: invalid number \"-\" at character 1");
    EXPECT_EQ(refusal(".5"),
              "options is not valid JSON: expected a value but found \".\" at "
              "character 1");
    EXPECT_EQ(refusal("1e"), "options is not valid JSON: invalid number \"1e\" at character 1");
    EXPECT_EQ(refusal("+1"),
              "options is not valid JSON: expected a value but found \"+\" at "
              "character 1");
    EXPECT_EQ(refusal("1-2"), "options is not valid JSON: invalid number \"1-2\" at character 1");
    EXPECT_EQ(refusal("- 1"), "options is not valid JSON: invalid number \"-\" at character 1");
}

// Every escape JSON has, \u included, decoded to UTF-8.
TEST(ParseJson, StringEscapes) {
    EXPECT_EQ(parse_json(R"("a\"b\\c\/d\be\ff\ng\rh\ti")", "x").text, "a\"b\\c/d\be\ff\ng\rh\ti");
    EXPECT_EQ(parse_json(R"("\u0041\u00e9\u20AC")", "x").text, "A\xC3\xA9\xE2\x82\xAC");
    // U+1F600 as a surrogate pair, and U+10FFFF, the last code point.
    EXPECT_EQ(parse_json(R"("\ud83d\ude00")", "x").text, "\xF0\x9F\x98\x80");
    EXPECT_EQ(parse_json(R"("\uDBFF\uDFFF")", "x").text, "\xF4\x8F\xBF\xBF");
    EXPECT_EQ(parse_json(R"("\u007f\u0080\u07ff\u0800\uffff")", "x").text,
              "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
    // Raw UTF-8 passes through.
    EXPECT_EQ(parse_json("\"caf\xC3\xA9\"", "x").text, "caf\xC3\xA9");
}

// Bad escapes and strings name what is wrong and where.
TEST(ParseJson, BadStrings) {
    EXPECT_EQ(refusal(R"("a\qb")"),
              "options is not valid JSON: invalid escape \"\\q\" at character 3");
    EXPECT_EQ(refusal(R"("\u12G4")"),
              "options is not valid JSON: invalid \\u escape \"\\u12G4\" at character 2");
    EXPECT_EQ(refusal(R"("\u12")"),
              "options is not valid JSON: invalid \\u escape \"\\u12\" at character 2");
    EXPECT_EQ(refusal(R"("\u)"),
              "options is not valid JSON: invalid \\u escape \"\\u\" at character 2");
    EXPECT_EQ(refusal(R"("\ud83d")"),
              "options is not valid JSON: unpaired high surrogate in \\u escape at character 2");
    EXPECT_EQ(refusal(R"("\ud83dx")"),
              "options is not valid JSON: unpaired high surrogate in \\u escape at character 2");
    EXPECT_EQ(refusal(R"("\ud83d\u0041")"),
              "options is not valid JSON: unpaired high surrogate in \\u escape at character 2");
    EXPECT_EQ(refusal(R"("\ude00")"),
              "options is not valid JSON: unpaired low surrogate in \\u escape at character 2");
    EXPECT_EQ(refusal(R"("a\u0000")"),
              "options is not valid JSON: \\u0000 cannot be converted to text at character 3");
    EXPECT_EQ(refusal("\"abc"), "options is not valid JSON: unterminated string at character 1");
    EXPECT_EQ(refusal("\"abc\\"), "options is not valid JSON: unterminated string at character 1");
    EXPECT_EQ(refusal("\"a\nb\""),
              "options is not valid JSON: unescaped control character U+000A in a string at "
              "character 3");
}

// Arrays and objects, nested, with whitespace anywhere between tokens.
TEST(ParseJson, ContainersAndWhitespace) {
    Json v = parse_json(" \t\r\n{ \"b\" : [1, \"two\", [], {}] ,\"a\":{\"x\":null} } \n", "x");
    ASSERT_EQ(v.kind, Json::Kind::Object);
    ASSERT_EQ(v.fields.size(), 2u);
    EXPECT_EQ(v.fields.begin()->first, "a");  // keys sorted
    const Json& b = v.fields.at("b");
    ASSERT_EQ(b.kind, Json::Kind::Array);
    ASSERT_EQ(b.items.size(), 4u);
    EXPECT_EQ(b.items[0].text, "1");
    EXPECT_EQ(b.items[1].text, "two");
    EXPECT_EQ(b.items[2].kind, Json::Kind::Array);
    EXPECT_TRUE(b.items[2].items.empty());
    EXPECT_EQ(b.items[3].kind, Json::Kind::Object);
    EXPECT_EQ(v.fields.at("a").fields.at("x").kind, Json::Kind::Null);
    EXPECT_EQ(parse_json("{}", "x").kind, Json::Kind::Object);
    EXPECT_EQ(parse_json("[ ]", "x").kind, Json::Kind::Array);
}

// A repeated key keeps its last value, as jsonb does.
TEST(ParseJson, DuplicateKeyKeepsLast) {
    Json v = parse_json(R"({"a": 1, "a": 2})", "x");
    ASSERT_EQ(v.fields.size(), 1u);
    EXPECT_EQ(v.fields.at("a").text, "2");
}

// Structural errors: what was expected, what was found, and where.
TEST(ParseJson, StructuralErrors) {
    UserError e = expect_user_error([] { parse_json("{\"a\" 1}", "option \"validate\""); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "option \"validate\" is not valid JSON: expected \":\" but found \"1\" at "
                 "character 6");
    EXPECT_EQ(e.hint(), "Check the JSON syntax near that character.");
    EXPECT_EQ(refusal(""), "options is not valid JSON: unexpected end of the input at character 1");
    EXPECT_EQ(refusal("   "),
              "options is not valid JSON: unexpected end of the input at character 4");
    EXPECT_EQ(refusal("[1, 2"),
              "options is not valid JSON: expected \",\" or \"]\" but found the "
              "end of the input at character 6");
    EXPECT_EQ(refusal("[1,]"),
              "options is not valid JSON: expected a value but found \"]\" at character 4");
    EXPECT_EQ(refusal("{\"a\": 1,}"),
              "options is not valid JSON: expected a string as object key "
              "but found \"}\" at character 9");
    EXPECT_EQ(refusal("{a: 1}"),
              "options is not valid JSON: expected a string as object key but "
              "found \"a\" at character 2");
    EXPECT_EQ(refusal("{\"a\": 1 \"b\": 2}"),
              "options is not valid JSON: expected \",\" or \"}\" but found \"\"\" at character 9");
    EXPECT_EQ(refusal("[1] 2"),
              "options is not valid JSON: expected the end of the input but "
              "found \"2\" at character 5");
    EXPECT_EQ(refusal("tru"),
              "options is not valid JSON: expected a value but found \"tru\" at "
              "character 1");
    EXPECT_EQ(refusal("True"),
              "options is not valid JSON: expected a value but found \"True\" at "
              "character 1");
    EXPECT_EQ(refusal("nullx"),
              "options is not valid JSON: expected a value but found \"nullx\" "
              "at character 1");
    EXPECT_EQ(refusal("'a'"),
              "options is not valid JSON: expected a value but found \"'\" at character 1");
    EXPECT_EQ(refusal("[1]\x01"),
              "options is not valid JSON: expected the end of the input but "
              "found U+0001 at character 4");
}

// Positions count characters, not bytes.
TEST(ParseJson, PositionsCountCharacters) {
    EXPECT_EQ(refusal("[\"\xC3\xA9\xE2\x82\xAC\", x]"),
              "options is not valid JSON: expected a value but found \"x\" at character 8");
    EXPECT_EQ(refusal("[1 \xC3\xA9]"),
              "options is not valid JSON: expected \",\" or \"]\" but "
              "found \"\xC3\xA9\" at character 4");
}

// Deep nesting is refused instead of exhausting the stack.
TEST(ParseJson, NestingLimit) {
    EXPECT_EQ(parse_json(std::string(512, '[') + std::string(512, ']'), "x").kind,
              Json::Kind::Array);
    EXPECT_EQ(refusal(std::string(513, '[') + std::string(513, ']')),
              "options is not valid JSON: nesting deeper than 512 levels at character 513");
}

// json_quote escapes quotes, backslashes and control characters only.
TEST(JsonQuote, Escapes) {
    EXPECT_EQ(json_quote(""), "\"\"");
    EXPECT_EQ(json_quote("plain /text/ \xC3\xA9"), "\"plain /text/ \xC3\xA9\"");
    EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_quote("\n\r\t\b\f\x01\x1f"), "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\"");
}

// What json_quote writes, parse_json reads back unchanged.
TEST(JsonQuote, RoundTrips) {
    std::string all;
    for (int c = 1; c < 128; ++c) {
        all += static_cast<char>(c);
    }
    all += "\xC3\xA9\xF0\x9F\x98\x80";
    EXPECT_EQ(parse_json(json_quote(all), "x").text, all);
}

// Type names as jsonb_typeof gives them.
TEST(JsonTypeName, Names) {
    EXPECT_EQ(json_type_name(parse_json("{}", "x")), "object");
    EXPECT_EQ(json_type_name(parse_json("[]", "x")), "array");
    EXPECT_EQ(json_type_name(parse_json("\"s\"", "x")), "string");
    EXPECT_EQ(json_type_name(parse_json("1", "x")), "number");
    EXPECT_EQ(json_type_name(parse_json("false", "x")), "boolean");
    EXPECT_EQ(json_type_name(parse_json("null", "x")), "null");
}

}  // namespace
}  // namespace backfill

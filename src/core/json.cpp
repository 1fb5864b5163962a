#include "json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "user_error.hpp"

namespace backfill {

namespace {

// Deeper nesting than this is refused rather than risking the stack; no
// options object or specification comes close.
constexpr int kMaxDepth = 512;

// A recursive-descent reader over the whole text; pos_ is a byte offset.
class Parser {
public:
    Parser(const std::string& text, const std::string& what) : text_(text), what_(what) {}

    // The document: one value, surrounded by whitespace only.
    Json document() {
        skip_whitespace();
        Json value = parse_value(0);
        skip_whitespace();
        if (pos_ < text_.size()) {
            fail("expected the end of the input but found " + found());
        }
        return value;
    }

private:
    const std::string& text_;
    const std::string& what_;
    std::size_t pos_ = 0;

    // Every error names the input and the character it stopped at, counted
    // from 1 in characters (not bytes) as a person would count them.
    [[noreturn]] void fail_at(std::size_t byte_pos, const std::string& reason) const {
        std::size_t character = 1;
        for (std::size_t i = 0; i < byte_pos && i < text_.size(); ++i) {
            if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
                ++character;
            }
        }
        // A position inside a multi-byte character counts as that character.
        if (byte_pos < text_.size() &&
            (static_cast<unsigned char>(text_[byte_pos]) & 0xC0) == 0x80) {
            --character;
        }
        throw UserError(
            ErrorKind::InvalidParameter,
            what_ + " is not valid JSON: " + reason + " at character " + std::to_string(character),
            "Check the JSON syntax near that character.");
    }

    [[noreturn]] void fail(const std::string& reason) const { fail_at(pos_, reason); }

    // What stands at pos_, for "... but found <it>": the whole UTF-8
    // character in quotes, a control character by its code, or the end.
    std::string found() const {
        if (pos_ >= text_.size()) {
            return "the end of the input";
        }
        const unsigned char c = static_cast<unsigned char>(text_[pos_]);
        if (c < 0x20 || c == 0x7F) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "U+%04X", c);
            return buf;
        }
        std::size_t len = 1;
        if (c >= 0xC0) {
            while (pos_ + len < text_.size() &&
                   (static_cast<unsigned char>(text_[pos_ + len]) & 0xC0) == 0x80 && len < 4) {
                ++len;
            }
        }
        return "\"" + text_.substr(pos_, len) + "\"";
    }

    // JSON whitespace is exactly space, tab, line feed and carriage return.
    void skip_whitespace() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    // Dispatches on the first character of a value.
    Json parse_value(int depth) {
        if (pos_ >= text_.size()) {
            fail("unexpected end of the input");
        }
        const char c = text_[pos_];
        if (c == '{' || c == '[') {
            if (depth >= kMaxDepth) {
                fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
            }
            return c == '{' ? parse_object(depth + 1) : parse_array(depth + 1);
        }
        if (c == '"') {
            Json value;
            value.kind = Json::Kind::String;
            value.text = parse_string();
            return value;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parse_number();
        }
        return parse_literal();
    }

    // true, false and null; any other word is reported whole.
    Json parse_literal() {
        std::size_t end = pos_;
        while (end < text_.size() &&
               ((text_[end] >= 'a' && text_[end] <= 'z') ||
                (text_[end] >= 'A' && text_[end] <= 'Z') ||
                (text_[end] >= '0' && text_[end] <= '9') || text_[end] == '_')) {
            ++end;
        }
        const std::string word = text_.substr(pos_, end - pos_);
        Json value;
        if (word == "true" || word == "false") {
            value.kind = Json::Kind::Boolean;
            value.boolean = word == "true";
        } else if (word == "null") {
            value.kind = Json::Kind::Null;
        } else if (word.empty()) {
            fail("expected a value but found " + found());
        } else {
            fail("expected a value but found \"" + word + "\"");
        }
        pos_ = end;
        return value;
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written. The
    // token is taken greedily so "01" or "1." is reported whole.
    Json parse_number() {
        const std::size_t start = pos_;
        std::size_t end = pos_;
        while (end < text_.size() &&
               ((text_[end] >= '0' && text_[end] <= '9') || text_[end] == '-' ||
                text_[end] == '+' || text_[end] == '.' || text_[end] == 'e' || text_[end] == 'E')) {
            ++end;
        }
        const std::string token = text_.substr(start, end - start);
        std::size_t i = 0;
        auto digits = [&] {
            const std::size_t from = i;
            while (i < token.size() && token[i] >= '0' && token[i] <= '9') {
                ++i;
            }
            return i - from;
        };
        bool ok = true;
        if (i < token.size() && token[i] == '-') {
            ++i;
        }
        if (i < token.size() && token[i] == '0') {
            ++i;
        } else {
            ok = digits() > 0;
        }
        if (ok && i < token.size() && token[i] == '.') {
            ++i;
            ok = digits() > 0;
        }
        if (ok && i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
            ++i;
            if (i < token.size() && (token[i] == '+' || token[i] == '-')) {
                ++i;
            }
            ok = digits() > 0;
        }
        if (!ok || i != token.size()) {
            fail("invalid number \"" + token + "\"");
        }
        pos_ = end;
        Json value;
        value.kind = Json::Kind::Number;
        value.text = token;
        return value;
    }

    // Four hex digits after "\u"; pos_ is at the first of them. A bad
    // escape is quoted up to the closing quote or four characters.
    unsigned read_hex4(std::size_t escape_pos) {
        unsigned code = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char h = pos_ + k < text_.size() ? text_[pos_ + k] : '"';
            code <<= 4;
            if (h >= '0' && h <= '9') {
                code |= static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                code |= static_cast<unsigned>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                code |= static_cast<unsigned>(h - 'A' + 10);
            } else {
                std::string shown = "\\u";
                for (std::size_t i = pos_; i < text_.size() && i < pos_ + 4 && text_[i] != '"';
                     ++i) {
                    shown += text_[i];
                }
                fail_at(escape_pos, "invalid \\u escape \"" + shown + "\"");
            }
        }
        pos_ += 4;
        return code;
    }

    // Appends a code point as UTF-8.
    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // A string literal with every JSON escape decoded; \uXXXX, surrogate
    // pairs included, becomes UTF-8. \u0000 is refused as jsonb does: text
    // cannot hold it.
    std::string parse_string() {
        const std::size_t open = pos_;
        ++pos_;  // the opening quote
        std::string out;
        while (true) {
            if (pos_ >= text_.size()) {
                fail_at(open, "unterminated string");
            }
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("unescaped control character " + found() + " in a string");
            }
            if (c != '\\') {
                out += c;
                ++pos_;
                continue;
            }
            const std::size_t escape_pos = pos_;
            ++pos_;
            if (pos_ >= text_.size()) {
                fail_at(open, "unterminated string");
            }
            const char e = text_[pos_++];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    std::uint32_t cp = read_hex4(escape_pos);
                    if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        fail_at(escape_pos, "unpaired low surrogate in \\u escape");
                    }
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' ||
                            text_[pos_ + 1] != 'u') {
                            fail_at(escape_pos, "unpaired high surrogate in \\u escape");
                        }
                        const std::size_t low_pos = pos_;
                        pos_ += 2;
                        const std::uint32_t low = read_hex4(low_pos);
                        if (low < 0xDC00 || low > 0xDFFF) {
                            fail_at(escape_pos, "unpaired high surrogate in \\u escape");
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    if (cp == 0) {
                        fail_at(escape_pos, "\\u0000 cannot be converted to text");
                    }
                    append_utf8(out, cp);
                    break;
                }
                default:
                    fail_at(escape_pos, "invalid escape \"\\" + std::string(1, e) + "\"");
            }
        }
    }

    // [ value, ... ]
    Json parse_array(int depth) {
        Json value;
        value.kind = Json::Kind::Array;
        ++pos_;  // [
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return value;
        }
        while (true) {
            skip_whitespace();
            value.items.push_back(parse_value(depth));
            skip_whitespace();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
            } else if (pos_ < text_.size() && text_[pos_] == ']') {
                ++pos_;
                return value;
            } else {
                fail("expected \",\" or \"]\" but found " + found());
            }
        }
    }

    // { "key": value, ... }; a repeated key keeps its last value, as jsonb
    // does.
    Json parse_object(int depth) {
        Json value;
        value.kind = Json::Kind::Object;
        ++pos_;  // {
        skip_whitespace();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return value;
        }
        while (true) {
            skip_whitespace();
            if (pos_ >= text_.size() || text_[pos_] != '"') {
                fail("expected a string as object key but found " + found());
            }
            std::string key = parse_string();
            skip_whitespace();
            if (pos_ >= text_.size() || text_[pos_] != ':') {
                fail("expected \":\" but found " + found());
            }
            ++pos_;
            skip_whitespace();
            value.fields[std::move(key)] = parse_value(depth);
            skip_whitespace();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
            } else if (pos_ < text_.size() && text_[pos_] == '}') {
                ++pos_;
                return value;
            } else {
                fail("expected \",\" or \"}\" but found " + found());
            }
        }
    }
};

}  // namespace

// Nested option values and specification documents arrive as text; this is
// the one place that reads them, so every caller gets the same errors.
Json parse_json(const std::string& text, const std::string& what) {
    return Parser(text, what).document();
}

// Every JSON text the core writes goes through here, so user strings (queries,
// names) can never break the document.
std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// Error messages name the type a value had, in the words jsonb_typeof uses.
std::string json_type_name(const Json& value) {
    switch (value.kind) {
        case Json::Kind::Null:
            return "null";
        case Json::Kind::Boolean:
            return "boolean";
        case Json::Kind::Number:
            return "number";
        case Json::Kind::String:
            return "string";
        case Json::Kind::Array:
            return "array";
        case Json::Kind::Object:
            break;
    }
    return "object";
}

std::string json_describe(const Json& value) {
    switch (value.kind) {
        case Json::Kind::String:
            return json_quote(value.text);
        case Json::Kind::Number:
            return value.text;
        case Json::Kind::Boolean:
            return value.boolean ? "true" : "false";
        case Json::Kind::Null:
            return "null";
        case Json::Kind::Array:
            return value.items.empty() ? "an empty array" : "an array";
        case Json::Kind::Object:
            break;
    }
    return "an object";
}

}  // namespace backfill

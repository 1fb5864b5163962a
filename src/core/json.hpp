// A small JSON reader for the nested parts of options and of the backfill
// specification document (the PostgreSQL layer hands them over as text).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace backfill {

// One JSON value. Numbers keep their text as written; objects keep their
// keys sorted (jsonb has no duplicate keys).
struct Json {
    enum class Kind { Null, Boolean, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    std::string text;  // number as written, or string contents
    std::vector<Json> items;
    std::map<std::string, Json> fields;
};

// Parses JSON text; throws UserError (InvalidParameter) naming `what` on
// malformed input.
Json parse_json(const std::string& text, const std::string& what);

// Writes a JSON string literal with escapes.
std::string json_quote(const std::string& s);

// A value as the user wrote it, for "..., not <value>" in messages:
// strings quoted, numbers as written, "an array", "an empty array",
// "an object".
std::string json_describe(const Json& value);

// The JSON type name of a value, as jsonb_typeof names it ("object", ...).
std::string json_type_name(const Json& value);

}  // namespace backfill

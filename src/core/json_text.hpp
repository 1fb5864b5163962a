// How option values are shown back to people, in messages and echoes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace backfill {

// Reads JSON text handed over from a jsonb value. jsonb text is always
// JSON, but a number beyond a double (1e999) cannot be read: that throws
// UserError "<what> could not be read: <why>"; nesting deeper than 64
// levels throws UserError "<what> nest deeper than 64 levels".
nlohmann::json read_json(const std::string& text, const std::string& what);

// A value as the user wrote it, for "..., not <value>" in messages: strings
// quoted, numbers and booleans as JSON writes them, "null", "an array",
// "an empty array", "an object".
std::string json_describe(const nlohmann::json& value);

// A double as a JSON number that reads back to the same value, as short as
// people write it: 0.1 and not 0.10000000000000001, 100 and not 1e+02.
std::string json_number(double value);

// A JSON string literal with escapes.
std::string json_quote(const std::string& text);

}  // namespace backfill

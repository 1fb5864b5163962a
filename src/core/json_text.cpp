#include "json_text.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "user_error.hpp"

namespace backfill {

// How deep options and specifications may nest: theirs is at most 3; a
// bound keeps copying a value (recursive) far from the stack's end.
constexpr int kMaxJsonDepth = 64;

// The one place the jsonb text of options and specifications is parsed.
nlohmann::json read_json(const std::string& text, const std::string& what) {
    const auto refuse_deep = [&what](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth)
            throw UserError(ErrorKind::InvalidParameter,
                            what + " nest deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                            "Options are an object of values, arrays and small objects.");
        return true;
    };
    try {
        return nlohmann::json::parse(text, refuse_deep);
    } catch (const nlohmann::json::exception& e) {
        const std::string why = e.what();
        throw UserError(ErrorKind::InvalidParameter,
                        what + " could not be read: " + why.substr(why.find("] ") + 2),
                        "Numbers must lie within the range of a double precision value.");
    }
}

// Messages show the bad value itself, as short as the user could recognize it.
std::string json_describe(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::string:
            return json_quote(value.get_ref<const std::string&>());
        case nlohmann::json::value_t::array:
            return value.empty() ? "an empty array" : "an array";
        case nlohmann::json::value_t::object:
            return "an object";
        case nlohmann::json::value_t::number_float:
            if (!std::isfinite(value.get<double>())) {
                return "a number too large";
            }
            return json_number(value.get<double>());
        default:
            break;
    }
    return value.dump();
}

// Echoes and validation figures write doubles the way people write them.
std::string json_number(double value) {
    if (value == 0.0) {
        return "0";
    }
    char buf[32];
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) {
            break;
        }
    }
    return buf;
}

// Strings written into JSON text by hand-assembled echoes and figures; bytes
// that are not UTF-8 are replaced rather than refused.
std::string json_quote(const std::string& text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace backfill

#include "core/sql_literal.hpp"

namespace backfill {

std::string sql_literal(const std::string& text) {
    std::string out = "'";
    bool backslash = false;
    for (char c : text) {
        out += c;
        if (c == '\'') {
            out += '\'';
        } else if (c == '\\') {
            out += '\\';
            backslash = true;
        }
    }
    out += "'";
    return backslash ? "E" + out : out;
}

}  // namespace backfill

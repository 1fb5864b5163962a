// A text value written as an SQL string literal.
#pragma once

#include <string>

namespace backfill {

// 'text' quoted so that it reads back as text whatever the session's
// standard_conforming_strings: quotes doubled, and a text holding a
// backslash written as E'...' with the backslash doubled (as PostgreSQL's
// own quote_literal does).
std::string sql_literal(const std::string& text);

}  // namespace backfill

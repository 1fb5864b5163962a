#include "core/sql_literal.hpp"

#include <gtest/gtest.h>

namespace backfill {
namespace {

// Plain text and quotes: the standard form, quotes doubled.
TEST(SqlLiteral, QuotesDoubled) {
    EXPECT_EQ(sql_literal("abc"), "'abc'");
    EXPECT_EQ(sql_literal("c'||(select 1)||'"), "'c''||(select 1)||'''");
    EXPECT_EQ(sql_literal(""), "''");
}

// A backslash makes an escape string, so that a session with
// standard_conforming_strings off reads the same text.
TEST(SqlLiteral, BackslashEscaped) {
    EXPECT_EQ(sql_literal("b\\"), "E'b\\\\'");
    EXPECT_EQ(sql_literal("a\\'b"), "E'a\\\\''b'");
}

}  // namespace
}  // namespace backfill

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/source_check.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

const char* const kParamHint =
    "The source must filter on the chunk bounds: $1 is the lower bound (inclusive), $2 the upper "
    "bound (exclusive).";

// events(id bigint, day date, amount numeric, tax numeric).
const std::vector<ColumnInfo> kTarget = {
    {"id", "bigint"}, {"day", "date"}, {"amount", "numeric"}, {"tax", "numeric"}};

// The error check_source_columns gives, which it must give.
UserError column_error(const std::vector<ColumnInfo>& target, const std::vector<ColumnInfo>& source,
                       const std::vector<bool>& assignable) {
    return expect_user_error([&] { check_source_columns(target, source, assignable); });
}

// The message check_source_parameters gives for sql, or "" if it accepts it.
std::string param_error(const std::string& sql) {
    try {
        check_source_parameters(sql);
    } catch (const UserError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
        EXPECT_EQ(e.hint(), kParamHint);
        return e.what();
    }
    return "";
}

// Matching columns pass, whatever the source calls its computed ones.
TEST(SourceColumns, MatchingSourcePasses) {
    EXPECT_NO_THROW(check_source_columns(kTarget, kTarget, {true, true, true, true}));
    const std::vector<ColumnInfo> source = {
        {"id", "bigint"}, {"day", "date"}, {"?column?", "numeric"}, {"round", "numeric"}};
    EXPECT_NO_THROW(check_source_columns(kTarget, source, {true, true, true, true}));
}

// A wrong count says both counts and lists the target's columns.
TEST(SourceColumns, CountMismatch) {
    UserError e = column_error(kTarget, {{"id", "bigint"}, {"day", "date"}, {"amount", "numeric"}},
                               {true, true, true});
    EXPECT_EQ(e.kind(), ErrorKind::DatatypeMismatch);
    EXPECT_STREQ(e.what(), "source returns 3 columns but the target has 4");
    EXPECT_EQ(e.hint(), "The target's columns are, in order: id, day, amount, tax.");
    EXPECT_STREQ(column_error(kTarget, {{"id", "bigint"}}, {true}).what(),
                 "source returns 1 column but the target has 4");
}

// A type that cannot be stored names both columns and both types.
TEST(SourceColumns, TypeMismatch) {
    UserError e = column_error({{"id", "bigint"}, {"day", "date"}},
                               {{"id", "bigint"}, {"amount", "text"}}, {true, false});
    EXPECT_EQ(e.kind(), ErrorKind::DatatypeMismatch);
    EXPECT_STREQ(e.what(),
                 "source column 2 (\"amount\") has type text but target column 2 (\"day\") has "
                 "type date");
    EXPECT_EQ(e.hint(), "Cast it to date in the source.");
}

// A source column named like another target column is out of order.
TEST(SourceColumns, OrderMismatch) {
    const std::vector<ColumnInfo> target = {
        {"id", "bigint"}, {"name", "text"}, {"amount", "numeric"}, {"day", "date"}};
    const std::vector<ColumnInfo> source = {
        {"id", "bigint"}, {"name", "text"}, {"day", "date"}, {"amount", "numeric"}};
    UserError e = column_error(target, source, {true, true, false, false});
    EXPECT_EQ(e.kind(), ErrorKind::DatatypeMismatch);
    EXPECT_STREQ(e.what(),
                 "source column 3 is named \"day\" but the target's column 3 is \"amount\"");
    EXPECT_EQ(e.hint(),
              "The source must give the target's columns in the target's order: id, name, amount, "
              "day.");
}

// A misplaced column is reported even when an earlier column has a type
// problem: the order is the likelier mistake.
TEST(SourceColumns, OrderReportedBeforeTypes) {
    const std::vector<ColumnInfo> source = {
        {"id", "bigint"}, {"?column?", "text"}, {"tax", "numeric"}, {"amount", "numeric"}};
    EXPECT_STREQ(column_error(kTarget, source, {true, false, true, true}).what(),
                 "source column 3 is named \"tax\" but the target's column 3 is \"amount\"");
}

// Assignability must come for every source column.
TEST(SourceColumns, AssignableCountIsChecked) {
    UserError e = column_error(kTarget, kTarget, {true, true});
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
}

// Both bounds used: accepted, however they are written.
TEST(SourceParameters, BothUsed) {
    EXPECT_EQ(param_error("SELECT * FROM s WHERE day >= $1 AND day < $2"), "");
    EXPECT_EQ(param_error("SELECT * FROM s WHERE day<$2 AND day>=$1"), "");
    EXPECT_EQ(param_error("SELECT * FROM s WHERE day BETWEEN $1 AND $2-1"), "");
    EXPECT_EQ(param_error("SELECT * FROM s WHERE (day, day) >= ($1::date, $01) AND day < $2"), "");
    EXPECT_EQ(param_error("SELECT '--', $1, \"x\", $2"), "");
    EXPECT_EQ(param_error("SELECT 1 -- $3\nWHERE a = $1 AND b = $2"), "");
}

// Which bound is missing is said.
TEST(SourceParameters, MissingBounds) {
    EXPECT_EQ(param_error("SELECT * FROM s WHERE day >= $1"), "source does not use $2");
    EXPECT_EQ(param_error("SELECT * FROM s WHERE day < $2"), "source does not use $1");
    EXPECT_EQ(param_error("SELECT * FROM s"), "source does not use $1 or $2");
}

// $12 and $21 are other parameters, not $1 or $2.
TEST(SourceParameters, LongerNumbersDoNotCount) {
    EXPECT_EQ(param_error("SELECT * FROM s WHERE a = $12 AND b = $21"),
              "source does not use $1 or $2");
    EXPECT_EQ(param_error("SELECT * FROM s WHERE a = $1 AND b = $20"), "source does not use $2");
}

// PostgreSQL reads $01 as $1, so it counts.
TEST(SourceParameters, LeadingZerosCount) {
    EXPECT_EQ(param_error("SELECT * FROM s WHERE a >= $01 AND a < $002"), "");
    EXPECT_EQ(param_error("SELECT * FROM s WHERE a >= $0 AND a < $2"), "source does not use $1");
}

// Text that only looks like a parameter does not count.
TEST(SourceParameters, IgnoredPlaces) {
    const std::string tail = " FROM s WHERE day >= $1";  // $2 must come from the head
    EXPECT_EQ(param_error("SELECT '$2'" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT 'it''s $2'" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT \"$2\"" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT \"a\"\"$2\"" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT 1 -- $2\n" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT 1 /* $2 */" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT 1 /* /* */ $2 */" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT $$ $2 $$" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT $q$ $2 $q$" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT $q$ $$ $2 $$ $q$" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT E'\\' $2'" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT x$2" + tail), "source does not use $2");
    EXPECT_EQ(param_error("SELECT 1" + tail + " -- and $2"), "source does not use $2");
}

// An unterminated literal or comment hides the rest of the text.
TEST(SourceParameters, UnterminatedHidesTheRest) {
    EXPECT_EQ(param_error("SELECT $1, 'open $2"), "source does not use $2");
    EXPECT_EQ(param_error("SELECT $1 /* open $2"), "source does not use $2");
    EXPECT_EQ(param_error("SELECT $1, $x$ open $2"), "source does not use $2");
}

// Ordinary strings keep backslashes literal, so a backslash does not
// escape the closing quote there.
TEST(SourceParameters, BackslashOnlyEscapesInEStrings) {
    EXPECT_EQ(param_error("SELECT 'a\\', $1, $2"), "");
    EXPECT_EQ(param_error("SELECT e'a\\'', $1, $2"), "");
    EXPECT_EQ(param_error("SELECT name'x', $1, $2"), "");
}

}  // namespace
}  // namespace backfill

// A trailing semicolon would break the subquery the source is wrapped in.
TEST(NormalizeSource, DropsTrailingSemicolonsAndSpace) {
    EXPECT_EQ(backfill::normalize_source("SELECT 1 ;\n; "), "SELECT 1");
    EXPECT_EQ(backfill::normalize_source("SELECT ';'"), "SELECT ';'");
}

namespace backfill {
namespace {

// Without bounds, a source using $1 or $2 is refused; one in a comment or
// a string is not a use.
TEST(SourceParameters, RefusedWhereChunksHaveNoBounds) {
    EXPECT_NO_THROW(
        check_source_without_parameters("SELECT * FROM s /* $1 */ WHERE v <> '$2'", "public.l"));
    UserError e = expect_user_error(
        [] { check_source_without_parameters("SELECT * FROM s WHERE id > $2", "public.l"); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(),
                 "source uses $1 or $2, but the chunks of table public.l have no bounds to give "
                 "them");
    EXPECT_TRUE(source_uses_parameters("SELECT $1"));
    EXPECT_FALSE(source_uses_parameters("SELECT '$1'"));
}

}  // namespace
}  // namespace backfill

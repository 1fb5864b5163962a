// The diff statement: rows paired by key in the server, one row per
// changed column, inserted and deleted rows whole, numbers with a delta,
// the largest change first, never more than $1 rows.
#include <gtest/gtest.h>

#include <string>

#include "core/diff_sql.hpp"

namespace backfill {
namespace {

DiffSpec events() {
    DiffSpec s;
    s.old_rows = "public.ev_1";
    s.new_rows = "public.ev_1_bf1_1_new";
    s.key = {{"id", "id", true, false}, {"\"Day\"", "Day", false, false}};
    s.columns = {{"amount", "amount", true, false}, {"doc", "doc", false, true}};
    return s;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(DiffSql, PairsByKeyAndSortsInTheServer) {
    std::string sql = diff_statement(events());
    EXPECT_TRUE(has(sql, "FROM public.ev_1 AS s) o FULL JOIN"));
    EXPECT_TRUE(has(sql,
                    "FROM public.ev_1_bf1_1_new AS s) n ON o.id OPERATOR(pg_catalog.=) n.id"
                    " AND o.\"Day\" OPERATOR(pg_catalog.=) n.\"Day\""));
    EXPECT_TRUE(has(sql,
                    "pg_catalog.jsonb_build_object('id', COALESCE(n.id, o.id), 'Day', "
                    "COALESCE(n.\"Day\", o.\"Day\"))"));
    EXPECT_TRUE(has(sql, "ORDER BY pg_catalog.abs(c.delta) DESC NULLS LAST"));
    EXPECT_TRUE(has(sql, "LIMIT $1::bigint"));
}

// A number has a delta; a type without equality compares as text.
TEST(DiffSql, ChangedColumns) {
    std::string sql = diff_statement(events());
    EXPECT_TRUE(has(sql,
                    "SELECT 'amount', o.amount::text, n.amount::text, n.amount::numeric "
                    "OPERATOR(pg_catalog.-) o.amount::numeric WHERE o.backfill_present AND "
                    "n.backfill_present AND o.amount IS DISTINCT FROM n.amount"));
    EXPECT_TRUE(has(sql,
                    "SELECT 'doc', o.doc::text, n.doc::text, NULL WHERE o.backfill_present "
                    "AND n.backfill_present AND o.doc::text IS DISTINCT FROM n.doc::text"));
}

TEST(DiffSql, InsertedAndDeletedRows) {
    std::string sql = diff_statement(events());
    EXPECT_TRUE(has(sql, "WHERE o.backfill_present IS NULL"));
    EXPECT_TRUE(has(sql, "WHERE n.backfill_present IS NULL"));
    DiffSpec kept = events();
    kept.report_deleted = false;
    EXPECT_FALSE(has(diff_statement(kept), "WHERE n.backfill_present IS NULL"));
}

// The merge's conflict rule limits the pairs that count as changes.
TEST(DiffSql, ChangeFilter) {
    DiffSpec s = events();
    s.change_filter = "n.v >= o.v";
    EXPECT_TRUE(has(diff_statement(s), "o.amount IS DISTINCT FROM n.amount AND (n.v >= o.v)"));
}

// A label with a quote stays one literal.
TEST(DiffSql, QuotesLabels) {
    DiffSpec s = events();
    s.columns = {{"\"it's\"", "it's", false, false}};
    EXPECT_TRUE(has(diff_statement(s), "SELECT 'it''s', o.\"it's\"::text"));
}

}  // namespace
}  // namespace backfill

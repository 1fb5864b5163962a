#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/swap/table_metadata.hpp"

namespace backfill {
namespace {

using Statements = std::vector<std::string>;

const char* const kTable = "public.ev_1";

// A partition with a bit of everything.
TableMetadata live() {
    TableMetadata m;
    m.owner = "app";
    m.grants = {{"SELECT", "reader", "", false}, {"UPDATE", "writer", "note", true}};
    m.comment = "'daily events'";
    m.options = {"fillfactor=90"};
    m.toast_options = {"autovacuum_enabled=false"};
    m.replica_identity = 'i';
    m.replica_index = "ev_1_u";
    m.cluster_index = "ev_1_a_idx";
    m.columns = {{"id", false, std::nullopt, std::nullopt, -1, {"pg_attver=1"}},
                 {"a", false, "0", "'amount'", 500, {"pg_attver=1", "n_distinct=42"}},
                 {"g", true, "(a * 2)", std::nullopt, -1, {}}};
    m.index_comments = {{"ev_1_pkey", std::nullopt}, {"ev_1_a_idx", "'idx'"}};
    m.constraint_comments = {{"ev_1_pkey", "'pk'"}, {"ev_1_r_fk", std::nullopt}};
    return m;
}

// Nothing changed: nothing to do, so the publishing transaction stays short.
TEST(TableMetadata, EqualNeedsNothing) {
    EXPECT_TRUE(metadata_statements(live(), live(), "public", kTable).empty());
}

// Private server entries of attoptions (another value on every table) are
// never copied.
TEST(TableMetadata, PrivateColumnOptionsIgnored) {
    TableMetadata a = live();
    a.columns[0].options = {"pg_attver=7"};
    a.columns[1].options = {"pg_attver=7", "n_distinct=42"};
    EXPECT_TRUE(metadata_statements(live(), a, "public", kTable).empty());
}

// A shadow built from an older state (or with nothing copied) is brought to
// the live partition's state, catalog statements only.
TEST(TableMetadata, EverythingRestored) {
    TableMetadata a;
    a.owner = "builder";
    a.grants = {{"SELECT", "reader", "", true}, {"DELETE", "PUBLIC", "", false}};
    a.options = {"fillfactor=70", "autovacuum_enabled=false"};
    a.columns = {{"id", false, "1", "'x'", -1, {}},
                 {"a", false, std::nullopt, std::nullopt, -1, {"n_distinct=3"}},
                 {"g", true, std::nullopt, std::nullopt, -1, {}}};
    a.index_comments = {{"ev_1_pkey", "'old'"}, {"ev_1_a_idx", std::nullopt}};
    a.constraint_comments = {{"ev_1_pkey", std::nullopt}};
    EXPECT_EQ(metadata_statements(live(), a, "public", kTable),
              (Statements{
                  "ALTER TABLE public.ev_1 OWNER TO app",
                  "REVOKE GRANT OPTION FOR SELECT ON TABLE public.ev_1 FROM reader CASCADE",
                  "REVOKE DELETE ON TABLE public.ev_1 FROM PUBLIC CASCADE",
                  "GRANT UPDATE (note) ON TABLE public.ev_1 TO writer WITH GRANT OPTION",
                  "ALTER TABLE public.ev_1 RESET (autovacuum_enabled)",
                  "ALTER TABLE public.ev_1 SET (fillfactor = '90')",
                  "ALTER TABLE public.ev_1 SET (toast.autovacuum_enabled = 'false')",
                  "ALTER TABLE public.ev_1 ALTER COLUMN id DROP DEFAULT",
                  "COMMENT ON COLUMN public.ev_1.id IS NULL",
                  "ALTER TABLE public.ev_1 ALTER COLUMN a SET DEFAULT 0",
                  "ALTER TABLE public.ev_1 ALTER COLUMN a SET STATISTICS 500",
                  "ALTER TABLE public.ev_1 ALTER COLUMN a SET (n_distinct = '42')",
                  "COMMENT ON COLUMN public.ev_1.a IS 'amount'",
                  "ALTER TABLE public.ev_1 REPLICA IDENTITY USING INDEX ev_1_u",
                  "ALTER TABLE public.ev_1 CLUSTER ON ev_1_a_idx",
                  "COMMENT ON TABLE public.ev_1 IS 'daily events'",
                  "COMMENT ON INDEX public.ev_1_a_idx IS 'idx'",
                  "COMMENT ON INDEX public.ev_1_pkey IS NULL",
                  "COMMENT ON CONSTRAINT ev_1_pkey ON public.ev_1 IS 'pk'",
              }));
}

// Changes made on the live partition after the build win: a REVOKE, a new
// default, a comment, a column option and a mark removed.
TEST(TableMetadata, LaterChangesWin) {
    TableMetadata w = live();
    w.grants.erase(w.grants.begin());
    w.columns[1].default_expr = "7";
    w.columns[1].options = {"pg_attver=1"};
    w.replica_identity = 'f';
    w.replica_index.clear();
    w.cluster_index.clear();
    w.comment.reset();
    w.toast_options.clear();
    EXPECT_EQ(metadata_statements(w, live(), "public", kTable),
              (Statements{"REVOKE SELECT ON TABLE public.ev_1 FROM reader CASCADE",
                          "ALTER TABLE public.ev_1 RESET (toast.autovacuum_enabled)",
                          "ALTER TABLE public.ev_1 ALTER COLUMN a SET DEFAULT 7",
                          "ALTER TABLE public.ev_1 ALTER COLUMN a RESET (n_distinct)",
                          "ALTER TABLE public.ev_1 REPLICA IDENTITY FULL",
                          "ALTER TABLE public.ev_1 SET WITHOUT CLUSTER",
                          "COMMENT ON TABLE public.ev_1 IS NULL"}));
}

// Option values with quotes are written as literals; a generated column's
// expression is never turned into a default.
TEST(TableMetadata, QuotingAndGenerated) {
    TableMetadata w, a;
    w.options = {"x=it's"};
    w.columns = {{"g", true, "(a * 3)", std::nullopt, -1, {}}};
    a.columns = {{"g", true, "(a * 2)", std::nullopt, -1, {}}};
    EXPECT_EQ(metadata_statements(w, a, "s", "s.t"),
              (Statements{"ALTER TABLE s.t SET (x = 'it''s')"}));
}

}  // namespace
}  // namespace backfill

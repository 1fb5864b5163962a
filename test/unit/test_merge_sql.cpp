// The statements of a merge chunk: only differing rows are written, only
// locked rows are updated, rows inserted meanwhile by others win, and the
// image keeps what rollback needs.
#include <gtest/gtest.h>

#include <string>

#include "core/merge/merge_sql.hpp"

namespace backfill {
namespace {

MergeTable ledger() {
    MergeTable t;
    t.target = "public.ledger";
    t.before = "public.ledger_bf1_before";
    t.stage = "pg_temp.backfill_stage";
    t.columns = {{"id", false, true}, {"amount", false, true}, {"note", true, true}};
    t.key = {"id"};
    t.chunk_by = "id";
    return t;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A row equal to the live one is not locked, not imaged, not updated;
// columns without equality compare by text; keys are not set.
TEST(MergeSql, UpdateWritesOnlyDifferingLockedRows) {
    const std::string sql = update_statement(ledger(), 3);
    EXPECT_TRUE(has(sql,
                    "ROW(t.id, t.amount, t.note::text) IS DISTINCT FROM "
                    "ROW(s.id, s.amount, s.note::text)"));
    EXPECT_TRUE(has(sql, "FOR UPDATE OF t"));
    EXPECT_TRUE(has(sql,
                    "WITH changed (old_1, old_2, old_3, new_1, new_2, new_3) AS (SELECT "
                    "t.id, t.amount, t.note, s.id, s.amount, s.note FROM"));
    EXPECT_TRUE(has(sql,
                    "INSERT INTO public.ledger_bf1_before SELECT 3, 'U', changed.old_1, "
                    "changed.old_2, changed.old_3 FROM changed"));
    EXPECT_TRUE(has(sql,
                    "SET (amount, note) = ROW(changed.new_2, changed.new_3) FROM changed "
                    "WHERE t.id = changed.old_1 AND t.id >= $1 AND t.id < $2"));
    EXPECT_FALSE(has(sql, ">= t."));
}

// newer_wins replaces a live row only when the source's version is at least
// as new.
TEST(MergeSql, NewerWinsComparesVersions) {
    MergeTable t = ledger();
    t.conflict = Conflict::NewerWins;
    t.version_column = "amount";
    EXPECT_TRUE(has(update_statement(t, 1), " AND s.amount >= t.amount FOR UPDATE OF t"));
}

// The figures come from one statement: the range's live rows with their
// staged match (by key, inside the range), and repeated keys counted as
// GROUP BY groups them (NULLs together).
TEST(MergeSql, ChunkCountsStayInRange) {
    const std::string sql = chunk_counts_statement(ledger());
    EXPECT_TRUE(has(sql,
                    "FROM public.ledger t LEFT JOIN pg_temp.backfill_stage s ON s.id = t.id "
                    "WHERE t.id >= $1 AND t.id < $2"));
    EXPECT_TRUE(has(sql, "count(DISTINCT s.id) + coalesce(max((s.id IS NULL)::int), 0)"));
    MergeTable pair = ledger();
    pair.key = {"id", "day"};
    EXPECT_TRUE(has(chunk_counts_statement(pair), "count(DISTINCT ROW(s.id, s.day))"));
}

// A staged key is looked up outside the range, one by one; chunk_by in the
// key makes the lookup needless.
TEST(MergeSql, OutsideCountLooksOutsideTheRange) {
    MergeTable by_day = ledger();
    by_day.chunk_by = "day";
    EXPECT_FALSE(chunk_by_in_key(by_day));
    EXPECT_TRUE(chunk_by_in_key(ledger()));
    EXPECT_TRUE(has(outside_count_statement(by_day),
                    "EXISTS (SELECT 1 FROM public.ledger t WHERE t.id = s.id AND "
                    "NOT (t.day >= $1 AND t.day < $2))"));
}

// Inserts leave a key someone else took to them, and image what they wrote.
TEST(MergeSql, InsertYieldsToLiveRows) {
    const std::string sql = insert_statement(ledger(), 2);
    EXPECT_TRUE(has(sql, "ON CONFLICT (id) DO NOTHING"));
    EXPECT_TRUE(has(sql, "OVERRIDING SYSTEM VALUE"));
    EXPECT_TRUE(has(sql, "SELECT 2, 'I', inserted.id"));
    // live keys are looked for in the chunk's range only, not in the whole table
    EXPECT_TRUE(has(sql,
                    "NOT EXISTS (SELECT 1 FROM public.ledger t WHERE t.id >= $1 AND "
                    "t.id < $2 AND t.id = s.id)"));
}

// Deletes stay inside the range and image the rows they delete.
TEST(MergeSql, DeleteStaysInRange) {
    const std::string sql = delete_statement(ledger(), 4);
    EXPECT_TRUE(has(sql, "WHERE t.id >= $1 AND t.id < $2 AND NOT EXISTS"));
    EXPECT_TRUE(has(sql, "SELECT 4, 'D', missing.id"));
}

// Rollback refuses rows changed since (another xid, gone) and deleted keys
// taken again; it restores in three steps.
TEST(MergeSql, RollbackChecksAndRestores) {
    const std::string check = changed_since_statement(ledger());
    EXPECT_TRUE(has(check,
                    "WHEN 'D' THEN t.ctid IS NOT NULL ELSE t.ctid IS NULL OR "
                    "t.xmin::text <> w.xid"));
    auto restore = restore_statements(ledger());
    ASSERT_EQ(restore.size(), 3u);
    EXPECT_TRUE(has(restore[0], "DELETE FROM public.ledger t USING public.ledger_bf1_before b"));
    EXPECT_TRUE(has(restore[1], "IN ('U', 'D')"));
    EXPECT_TRUE(has(restore[2], "AND NOT EXISTS"));
}

// The staging table is filled through the source's columns renamed to the
// target's, filtered to the range.
TEST(MergeSql, StageFiltersTheSource) {
    auto stage = stage_statements(ledger(), "SELECT 1, 2, '{}'::json");
    ASSERT_EQ(stage.size(), 2u);
    EXPECT_TRUE(has(stage[0], "CREATE TEMPORARY TABLE pg_temp.backfill_stage ON COMMIT DROP"));
    EXPECT_TRUE(has(stage[1],
                    ") AS backfill_source (id, amount, note) WHERE "
                    "backfill_source.id >= $1 AND backfill_source.id < $2"));
}

}  // namespace
}  // namespace backfill

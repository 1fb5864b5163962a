#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/swap/swap_ddl.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

using Statements = std::vector<std::string>;

const char* const kCheck =
    "CHECK (day IS NOT NULL AND day >= '2024-01-01'::date AND day < '2024-02-01'::date)";
const char* const kBoundSpec = "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')";

// Chunk 3 of job 7: public.events_2024_01 with a primary key, a plain
// index and a foreign key.
SwapSpec spec() {
    SwapSpec s;
    s.schema = "public";
    s.top = "public.events";
    s.parent = "public.events";
    s.partition = "events_2024_01";
    s.shadow = "events_2024_01_bf7_3_new";
    s.retained = "events_2024_01_bf7_3_old";
    s.partition_constraint =
        "day IS NOT NULL AND day >= '2024-01-01'::date AND day < '2024-02-01'::date";
    s.bound_check = "backfill_bound_7_3";
    s.guard_trigger = "backfill_guard_7";
    s.job_id = "7";
    s.chunk_no = "3";
    s.columns = "id, day, amount";
    s.indexes = {
        {"events_2024_01_pkey", "events_2024_01_bf7_3_n1", "events_2024_01_pkey_bf7_3_o1",
         "PRIMARY KEY (id, day)", true, "fast"},
        {"events_2024_01_amount_idx", "events_2024_01_bf7_3_n2",
         "events_2024_01_amount_idx_bf7_3_o2",
         "CREATE INDEX events_2024_01_amount_idx ON public.events_2024_01 USING btree (amount)",
         false, ""},
    };
    s.foreign_keys = {
        "ADD CONSTRAINT events_customer_fk FOREIGN KEY (customer_id) REFERENCES "
        "public.customers(id)"};
    return s;
}

// The shadow copies the partition's shape and gets the bound CHECK.
TEST(SwapDdl, CreateShadow) {
    EXPECT_EQ(create_shadow_statements(spec()),
              (Statements{"CREATE TABLE public.events_2024_01_bf7_3_new (LIKE "
                          "public.events_2024_01 INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                          "INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING "
                          "STATISTICS INCLUDING GENERATED)",
                          std::string("ALTER TABLE public.events_2024_01_bf7_3_new ADD CONSTRAINT "
                                      "backfill_bound_7_3 ") +
                              kCheck}));
}

// UNLOGGED and storage options carry over to the shadow.
TEST(SwapDdl, CreateShadowUnloggedWithOptions) {
    SwapSpec s = spec();
    s.unlogged = true;
    s.create_options = " WITH (fillfactor=90) TABLESPACE fast";
    EXPECT_EQ(
        create_shadow_statements(s).at(0),
        "CREATE UNLOGGED TABLE public.events_2024_01_bf7_3_new (LIKE public.events_2024_01 "
        "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS "
        "INCLUDING COMPRESSION INCLUDING STATISTICS INCLUDING GENERATED) WITH (fillfactor=90) "
        "TABLESPACE fast");
}

// The source sits on its own lines, so a trailing comment is harmless.
TEST(SwapDdl, LoadShadow) {
    EXPECT_EQ(load_shadow_statement(spec(), "SELECT * FROM s WHERE day >= $1 AND day < $2 -- x"),
              "INSERT INTO public.events_2024_01_bf7_3_new (id, day, amount) SELECT * FROM (\n"
              "SELECT * FROM s WHERE day >= $1 AND day < $2 -- x\n"
              ") AS backfill_source (id, day, amount) WHERE day IS NOT NULL AND day >= "
              "'2024-01-01'::date AND day < '2024-02-01'::date");
}

// Each index is built on the shadow under its shadow name: a constraint
// through ADD CONSTRAINT, a plain index from its rewritten definition.
TEST(SwapDdl, IndexBuild) {
    const SwapSpec s = spec();
    EXPECT_EQ(index_build_statement(s, s.indexes[0], s.shadow),
              "ALTER TABLE public.events_2024_01_bf7_3_new ADD CONSTRAINT events_2024_01_bf7_3_n1 "
              "PRIMARY KEY (id, day)");
    EXPECT_EQ(index_build_statement(s, s.indexes[1], s.shadow),
              "CREATE INDEX events_2024_01_bf7_3_n2 ON public.events_2024_01_bf7_3_new USING btree "
              "(amount)");
}

// After the indexes: foreign keys and ANALYZE (no guard: it is attached
// separately).
TEST(SwapDdl, FinishShadow) {
    EXPECT_EQ(
        finish_shadow_statements(spec()),
        (Statements{
            "ALTER TABLE public.events_2024_01_bf7_3_new ADD CONSTRAINT events_customer_fk FOREIGN "
            "KEY (customer_id) REFERENCES public.customers(id)",
            "ANALYZE public.events_2024_01_bf7_3_new"}));
}

// A table with no index or foreign key still gets ANALYZE.
TEST(SwapDdl, FinishShadowWithoutIndexes) {
    SwapSpec s = spec();
    s.indexes.clear();
    s.foreign_keys.clear();
    const Statements out = finish_shadow_statements(s);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], "ANALYZE public.events_2024_01_bf7_3_new");
}

// Index definitions are pointed at the new table; ONLY is dropped.
TEST(SwapDdl, RewriteIndexDefinition) {
    EXPECT_EQ(rewrite_index_definition(
                  "CREATE UNIQUE INDEX events_p1_day_idx ON public.events_p1 USING btree (day)",
                  "public", "events_p1_day_idx", "events_p1", "new_idx", "events_p1_new"),
              "CREATE UNIQUE INDEX new_idx ON public.events_p1_new USING btree (day)");
    EXPECT_EQ(rewrite_index_definition(
                  "CREATE INDEX events_p1_day_idx ON ONLY public.events_p1 USING btree (day) "
                  "WHERE (day IS NOT NULL)",
                  "public", "events_p1_day_idx", "events_p1", "new_idx", "events_p1_new"),
              "CREATE INDEX new_idx ON public.events_p1_new USING btree (day) WHERE (day IS NOT "
              "NULL)");
}

// Quoted names are matched and written exactly as given.
TEST(SwapDdl, RewriteIndexDefinitionQuoted) {
    EXPECT_EQ(rewrite_index_definition(
                  "CREATE INDEX \"Idx \"\"A\"\"\" ON \"My Schema\".\"Events \"\"2024\"\"\" USING "
                  "gin (doc)",
                  "\"My Schema\"", "\"Idx \"\"A\"\"\"", "\"Events \"\"2024\"\"\"", "\"New Idx\"",
                  "\"Events_new\""),
              "CREATE INDEX \"New Idx\" ON \"My Schema\".\"Events_new\" USING gin (doc)");
}

// A definition that does not start as expected is a bug, never guessed at.
TEST(SwapDdl, RewriteIndexDefinitionMismatch) {
    UserError e = expect_user_error([] {
        rewrite_index_definition("CREATE INDEX other_idx ON public.events_p1 USING btree (day)",
                                 "public", "events_p1_day_idx", "events_p1", "n", "t");
    });
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_STREQ(e.what(),
                 "unexpected definition of index public.events_p1_day_idx on public.events_p1: "
                 "CREATE INDEX other_idx ON public.events_p1 USING btree (day)");
    EXPECT_EQ(expect_user_error([] {
                  rewrite_index_definition("CREATE INDEX i ON public.events_p10 USING btree (a)",
                                           "public", "i", "events_p1", "n", "t");
              }).kind(),
              ErrorKind::Internal);
}

// Both guard triggers: the row trigger and its TRUNCATE twin, named after
// the job, with the job, chunk and phase as arguments; and their drops, a
// quoted trigger name keeping its quotes with the suffix inside.
TEST(SwapDdl, GuardTriggers) {
    SwapSpec s = spec();
    std::vector<GuardTrigger> t = guard_triggers(s, "build");
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].name, "backfill_guard_7");
    EXPECT_TRUE(t[0].for_each_row);
    EXPECT_EQ(t[1].name, "backfill_guard_7_t");
    EXPECT_FALSE(t[1].for_each_row);
    for (const auto& trigger : t)
        EXPECT_EQ(trigger.args, (std::vector<std::string>{"7", "3", "build"}));
    EXPECT_EQ(drop_guard_statements(s, "public.events_2024_01"),
              (Statements{"DROP TRIGGER IF EXISTS backfill_guard_7 ON public.events_2024_01",
                          "DROP TRIGGER IF EXISTS backfill_guard_7_t ON public.events_2024_01"}));

    s.guard_trigger = "\"Guard 7\"";
    EXPECT_EQ(drop_guard_statements(s, "t").at(1), "DROP TRIGGER IF EXISTS \"Guard 7_t\" ON t");
}

// The parent alone is locked; the live partition is detached.
TEST(SwapDdl, LockAndDetach) {
    EXPECT_EQ(lock_parent_statement(spec()),
              "LOCK TABLE ONLY public.events IN ACCESS EXCLUSIVE MODE");
    EXPECT_EQ(detach_statement(spec()),
              "ALTER TABLE public.events DETACH PARTITION public.events_2024_01");
}

// Two levels: the top-level table is locked, the partition detached from
// and attached to its own parent.
TEST(SwapDdl, PartitionUnderAPartitionedPartition) {
    SwapSpec s = spec();
    s.parent = "public.events_2024";
    EXPECT_EQ(lock_parent_statement(s), "LOCK TABLE ONLY public.events IN ACCESS EXCLUSIVE MODE");
    EXPECT_EQ(detach_statement(s),
              "ALTER TABLE public.events_2024 DETACH PARTITION public.events_2024_01");
    Statements in = swap_in_statements(s, "FOR VALUES IN ('eu')");
    EXPECT_EQ(in.at(in.size() - 2),
              "ALTER TABLE public.events_2024 ATTACH PARTITION public.events_2024_01 FOR VALUES "
              "IN ('eu')");
}

// Publishing: the original steps aside, the shadow takes its names (its
// indexes' and extended statistics' too) and is attached, and the helper
// CHECK goes.
TEST(SwapDdl, SwapIn) {
    SwapSpec s = spec();
    s.statistics = {{"ev_st", "events_2024_01_bf7_3_new_id_stat", "ev_st_bf7_3_o1"}};
    const Statements out = swap_in_statements(s, kBoundSpec);
    EXPECT_EQ(out.at(2), "ALTER STATISTICS public.ev_st RENAME TO ev_st_bf7_3_o1");
    EXPECT_EQ(out.at(7),
              "ALTER STATISTICS public.events_2024_01_bf7_3_new_id_stat RENAME TO ev_st");
    EXPECT_EQ(
        swap_in_statements(spec(), kBoundSpec),
        (Statements{
            "ALTER INDEX public.events_2024_01_pkey RENAME TO events_2024_01_pkey_bf7_3_o1",
            "ALTER INDEX public.events_2024_01_amount_idx RENAME TO "
            "events_2024_01_amount_idx_bf7_3_o2",
            "ALTER TABLE public.events_2024_01 RENAME TO events_2024_01_bf7_3_old",
            "ALTER TABLE public.events_2024_01_bf7_3_new RENAME TO events_2024_01",
            "ALTER INDEX public.events_2024_01_bf7_3_n1 RENAME TO events_2024_01_pkey",
            "ALTER INDEX public.events_2024_01_bf7_3_n2 RENAME TO events_2024_01_amount_idx",
            "ALTER TABLE public.events ATTACH PARTITION public.events_2024_01 FOR VALUES FROM "
            "('2024-01-01') TO ('2024-02-01')",
            "ALTER TABLE public.events_2024_01 DROP CONSTRAINT backfill_bound_7_3"}));
}

// Rollback, first step: the retained original gets the bound CHECK.
TEST(SwapDdl, PrepareRestore) {
    EXPECT_EQ(prepare_restore_statements(spec()),
              (Statements{std::string("ALTER TABLE public.events_2024_01_bf7_3_old ADD CONSTRAINT "
                                      "backfill_bound_7_3 ") +
                          kCheck}));
}

// Rollback under the lock: the swap run the other way.
TEST(SwapDdl, Restore) {
    SwapSpec s = spec();
    s.statistics = {{"ev_st", "events_2024_01_bf7_3_n1", "ev_st_bf7_3_o1"}};
    const Statements out = restore_statements(s, kBoundSpec);
    EXPECT_EQ(out.at(3), "ALTER STATISTICS public.ev_st RENAME TO events_2024_01_bf7_3_n1");
    EXPECT_EQ(out.at(8), "ALTER STATISTICS public.ev_st_bf7_3_o1 RENAME TO ev_st");
    EXPECT_EQ(
        restore_statements(spec(), kBoundSpec),
        (Statements{
            "ALTER TABLE public.events DETACH PARTITION public.events_2024_01",
            "ALTER INDEX public.events_2024_01_pkey RENAME TO events_2024_01_bf7_3_n1",
            "ALTER INDEX public.events_2024_01_amount_idx RENAME TO events_2024_01_bf7_3_n2",
            "ALTER TABLE public.events_2024_01 RENAME TO events_2024_01_bf7_3_new",
            "ALTER TABLE public.events_2024_01_bf7_3_old RENAME TO events_2024_01",
            "ALTER INDEX public.events_2024_01_pkey_bf7_3_o1 RENAME TO events_2024_01_pkey",
            "ALTER INDEX public.events_2024_01_amount_idx_bf7_3_o2 RENAME TO "
            "events_2024_01_amount_idx",
            "ALTER TABLE public.events ATTACH PARTITION public.events_2024_01 FOR VALUES FROM "
            "('2024-01-01') TO ('2024-02-01')",
            "ALTER TABLE public.events_2024_01 DROP CONSTRAINT backfill_bound_7_3",
            "DROP TRIGGER IF EXISTS backfill_guard_7 ON public.events_2024_01",
            "DROP TRIGGER IF EXISTS backfill_guard_7_t ON public.events_2024_01"}));
}

// Quoted, mixed-case names pass through every statement untouched.
TEST(SwapDdl, QuotedNames) {
    SwapSpec s = spec();
    s.schema = "\"My Schema\"";
    s.parent = "\"My Schema\".\"Events\"";
    s.partition = "\"Events \"\"2024\"\"\"";
    s.shadow = "\"Events \"\"2024\"\"_bf7_3_new\"";
    s.indexes.clear();
    EXPECT_EQ(detach_statement(s),
              "ALTER TABLE \"My Schema\".\"Events\" DETACH PARTITION \"My Schema\".\"Events "
              "\"\"2024\"\"\"");
    EXPECT_EQ(swap_in_statements(s, kBoundSpec).at(1),
              "ALTER TABLE \"My Schema\".\"Events \"\"2024\"\"_bf7_3_new\" RENAME TO \"Events "
              "\"\"2024\"\"\"");
}

}  // namespace
}  // namespace backfill

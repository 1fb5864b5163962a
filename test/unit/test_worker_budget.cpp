// worker_budget.hpp is included first on purpose: it must stand alone.
#include "core/worker_budget.hpp"

#include <gtest/gtest.h>

namespace backfill {
namespace {

// A quiet cluster: 8 slots, 4 per role, none used; a job of 10 open chunks
// with max_concurrency 2 and nobody on it.
WorkerBudgetInput quiet() {
    WorkerBudgetInput in;
    in.max_workers = 8;
    in.max_per_role = 4;
    in.max_concurrency = 2;
    in.open_chunks = 10;
    return in;
}

TEST(WorkerBudget, QuietClusterGivesMaxConcurrency) {
    WorkerBudget b = worker_budget(quiet());
    EXPECT_EQ(b.count, 2);
    EXPECT_EQ(b.limited_by, WorkerLimit::None);
}

TEST(WorkerBudget, NeverMoreThanOpenChunks) {
    WorkerBudgetInput in = quiet();
    in.max_concurrency = 8;
    in.open_chunks = 3;
    EXPECT_EQ(worker_budget(in).count, 3);
}

TEST(WorkerBudget, RunnersAliveCountAgainstConcurrency) {
    WorkerBudgetInput in = quiet();
    in.runners_alive = 1;
    EXPECT_EQ(worker_budget(in).count, 1);
    // Workers registered after a restart but not yet at work are runners
    // too: a second look of the launcher starts nobody.
    in.runners_alive = 2;
    WorkerBudget b = worker_budget(in);
    EXPECT_EQ(b.count, 0);
    EXPECT_EQ(b.limited_by, WorkerLimit::Concurrency);
}

TEST(WorkerBudget, MoreRunnersThanWantedStartsNobody) {
    WorkerBudgetInput in = quiet();
    in.runners_alive = 5;
    EXPECT_EQ(worker_budget(in).count, 0);
}

TEST(WorkerBudget, RoleLimitStopsOneRoleTakingEverySlot) {
    WorkerBudgetInput in = quiet();
    in.max_concurrency = 8;
    in.used = 3;
    in.role_used = 3;
    WorkerBudget b = worker_budget(in);
    EXPECT_EQ(b.count, 1);
    EXPECT_EQ(b.limited_by, WorkerLimit::Role);
    in.role_used = 4;
    EXPECT_EQ(worker_budget(in).count, 0);
}

TEST(WorkerBudget, ClusterLimitHoldsForEveryRole) {
    WorkerBudgetInput in = quiet();
    in.used = 7;
    in.role_used = 0;
    WorkerBudget b = worker_budget(in);
    EXPECT_EQ(b.count, 1);
    EXPECT_EQ(b.limited_by, WorkerLimit::Cluster);
    in.used = 9;  // max_workers lowered below what runs: nothing, never negative
    EXPECT_EQ(worker_budget(in).count, 0);
}

TEST(WorkerBudget, ProbeStartsOneWorkerOnlyWhenNobodyRuns) {
    WorkerBudgetInput in = quiet();
    in.max_concurrency = 4;
    in.probe_only = true;
    EXPECT_EQ(worker_budget(in).count, 1);
    in.runners_alive = 1;
    EXPECT_EQ(worker_budget(in).count, 0);
}

TEST(PerRoleLimit, DefaultIsHalfAtLeastOne) {
    EXPECT_EQ(per_role_limit(8, -1), 4);
    EXPECT_EQ(per_role_limit(5, -1), 2);
    EXPECT_EQ(per_role_limit(1, -1), 1);
}

TEST(PerRoleLimit, ExplicitValueCappedAtMaxWorkers) {
    EXPECT_EQ(per_role_limit(8, 3), 3);
    EXPECT_EQ(per_role_limit(8, 20), 8);
    EXPECT_EQ(per_role_limit(8, 0), 1);
}

TEST(GiveBack, OnlyAfterTheHoldLimitWithASlotAndALauncher) {
    EXPECT_FALSE(should_give_back(kGiveBackAfterMs - 1, true, true));
    EXPECT_TRUE(should_give_back(kGiveBackAfterMs, true, true));
    EXPECT_FALSE(should_give_back(kGiveBackAfterMs * 10, false, true));  // CALL run
    EXPECT_FALSE(should_give_back(kGiveBackAfterMs * 10, true, false));  // nobody would relaunch
}

TEST(Relaunch, StopsAfterRepeatedRelaunchesWithoutProgress) {
    EXPECT_TRUE(may_relaunch(0));
    EXPECT_TRUE(may_relaunch(kMaxRelaunchesWithoutProgress - 1));
    EXPECT_FALSE(may_relaunch(kMaxRelaunchesWithoutProgress));
}

}  // namespace
}  // namespace backfill

// Waiting for older snapshots before publishing: when to stop, and the
// texts people read meanwhile.
#include <gtest/gtest.h>

#include "core/snapshot_wait.hpp"
#include "fake_durations.hpp"

using namespace backfill;
using Step = SnapshotWaitStep;

// Nobody older left: publish, whatever else holds.
TEST(SnapshotWaitStep, NobodyLeftPublishes) {
    EXPECT_EQ(next_snapshot_wait_step(0, true, 0, 2000000), Step::Publish);
    EXPECT_EQ(next_snapshot_wait_step(0, true, 5000000, 2000000), Step::Publish);
    EXPECT_EQ(next_snapshot_wait_step(0, false, 0, 0), Step::Publish);
}

// A job paused or cancelled meanwhile stops waiting and publishes nothing.
TEST(SnapshotWaitStep, StoppedJobStops) {
    EXPECT_EQ(next_snapshot_wait_step(1, false, 0, 2000000), Step::Stop);
    EXPECT_EQ(next_snapshot_wait_step(3, false, 9000000, 2000000), Step::Stop);
}

// The wait ends at its bound, not before.
TEST(SnapshotWaitStep, WaitsUpToTheBound) {
    EXPECT_EQ(next_snapshot_wait_step(1, true, 0, 2000000), Step::Wait);
    EXPECT_EQ(next_snapshot_wait_step(2, true, 1999999, 2000000), Step::Wait);
    EXPECT_EQ(next_snapshot_wait_step(1, true, 2000000, 2000000), Step::TimedOut);
    EXPECT_EQ(next_snapshot_wait_step(1, true, 7000000, 2000000), Step::TimedOut);
}

// A look without waiting finds the older transactions and leaves at once.
TEST(SnapshotWaitStep, LookOnly) { EXPECT_EQ(next_snapshot_wait_step(1, true, 0, 0), Step::Busy); }

// The whole bound, unless a wait ran out and other chunks are to be built.
TEST(SnapshotWaitBudget, WholeBoundOrALook) {
    JobOptions o = parse_options("{}", fake_interval_us);
    EXPECT_EQ(snapshot_wait_budget_us(o, false), 600000000);
    o.snapshot_wait_us = 2000000;
    EXPECT_EQ(snapshot_wait_budget_us(o, false), 2000000);
    EXPECT_EQ(snapshot_wait_budget_us(o, true), 0);
}

// What backfill.progress.throttled_by says.
TEST(SnapshotWaitText, Reason) {
    EXPECT_EQ(snapshot_wait_reason(4242, std::string("2026-05-01 10:00:00+00")),
              "waiting for snapshot of pid 4242 (since 2026-05-01 10:00:00+00)");
    EXPECT_EQ(snapshot_wait_reason(7, std::nullopt), "waiting for snapshot of pid 7");
}

// What the snapshot_wait_timeout event says.
TEST(SnapshotWaitText, TimeoutDetail) {
    EXPECT_EQ(snapshot_wait_timeout_detail(4242, std::string("2026-05-01 10:00:00+00"), 2000000),
              "waited 2s for the snapshot of pid 4242 (since 2026-05-01 10:00:00+00), older than "
              "the build; the chunk stays built and is published once it ends");
    EXPECT_EQ(snapshot_wait_timeout_detail(7, std::nullopt, 600000000),
              "waited 10min for the snapshot of pid 7, older than the build; the chunk stays built "
              "and is published once it ends");
}

// A runner publishes only while the job runs; backfill.publish() also on a
// job paused awaiting publication; nobody once the job has ended.
TEST(SnapshotWaitMayPublish, RunnerAndManual) {
    EXPECT_TRUE(may_publish_after_wait(JobState::Running, false));
    EXPECT_TRUE(may_publish_after_wait(JobState::Running, true));
    EXPECT_FALSE(may_publish_after_wait(JobState::Paused, false));
    EXPECT_TRUE(may_publish_after_wait(JobState::Paused, true));
    for (JobState s : {JobState::Cancelled, JobState::RolledBack, JobState::Completed,
                       JobState::Failed, JobState::Pending}) {
        EXPECT_FALSE(may_publish_after_wait(s, false));
        EXPECT_FALSE(may_publish_after_wait(s, true));
    }
}

// A standby holds the build back until its reported xmin passes the
// build's xid; no report holds nothing; xids wrap around.
TEST(SnapshotWaitStandby, XminMustPassTheBuild) {
    EXPECT_FALSE(standby_xmin_holds_build(0, 1000));
    EXPECT_TRUE(standby_xmin_holds_build(900, 1000));
    EXPECT_TRUE(standby_xmin_holds_build(1000, 1000));
    EXPECT_FALSE(standby_xmin_holds_build(1001, 1000));
    EXPECT_FALSE(standby_xmin_holds_build(5, 4294967290u));
    EXPECT_TRUE(standby_xmin_holds_build(4294967290u, 5));
}

// What backfill.publish() says when it gave up.
TEST(SnapshotWaitText, ManualWarning) {
    EXPECT_EQ(manual_snapshot_wait_warning("j", 77, std::string("2026-05-01 10:00:00+00"), 2000000),
              "nothing was published: backfill job \"j\" waited 2s for the snapshot of pid 77 "
              "(since 2026-05-01 10:00:00+00), older than the build");
}

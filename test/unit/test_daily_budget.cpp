// The daily row budget across a day boundary, on a fake clock: the
// PostgreSQL layer counts the rows written since day_began(now) and the
// throttle decides on them.
#include "core/daily_budget.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/throttle.hpp"

namespace backfill {
namespace {

constexpr std::int64_t kDay = 86400;

// A wall clock that moves only when told, and the rows a job wrote at
// which local times (what backfill.chunk records).
struct FakeClock {
    std::int64_t now;
    std::vector<std::pair<std::int64_t, std::int64_t>> writes;

    void write(std::int64_t rows) { writes.emplace_back(now, rows); }
    void advance(std::int64_t seconds) { now += seconds; }

    // The signals a runner measures now: rows written since the day began.
    ServerSignals signals() const {
        ServerSignals s;
        for (const auto& [at, rows] : writes) {
            if (at >= day_began(now)) {
                s.rows_today += rows;
            }
        }
        return s;
    }
};

JobOptions budget(std::int64_t rows) {
    JobOptions o;
    o.max_rows_per_day = rows;
    return o;
}

TEST(DailyBudget, DayBeganIsLocalMidnight) {
    const std::int64_t monday = 20000 * kDay;
    EXPECT_EQ(day_began(monday), monday);
    EXPECT_EQ(day_began(monday + kDay - 1), monday);
    EXPECT_EQ(day_began(monday + kDay), monday + kDay);
    EXPECT_EQ(day_began(-1), -kDay);
    EXPECT_EQ(day_began(-kDay), -kDay);
}

TEST(DailyBudget, HoldsOnceReachedAndResumesAtMidnight) {
    FakeClock clock{20000 * kDay + 9 * 3600, {}};  // 09:00
    JobOptions o = budget(1000);
    clock.write(600);
    EXPECT_FALSE(decide(o, clock.signals()).hold);
    clock.advance(3600);
    clock.write(400);  // 1000 rows by 10:00
    ThrottleDecision d = decide(o, clock.signals());
    EXPECT_TRUE(d.hold);
    EXPECT_EQ(d.reason, "daily budget 1000 rows reached (resumes at 00:00)");
    clock.advance(14 * 3600 - 1);  // 23:59:59, still today
    EXPECT_TRUE(decide(o, clock.signals()).hold);
    clock.advance(1);  // 00:00 the next day: yesterday's rows no longer count
    EXPECT_FALSE(decide(o, clock.signals()).hold);
    clock.write(999);
    EXPECT_FALSE(decide(o, clock.signals()).hold);
    clock.write(1);
    EXPECT_TRUE(decide(o, clock.signals()).hold);
}

TEST(DailyBudget, NoBudgetNeverHolds) {
    ServerSignals s;
    s.rows_today = 1000000000;
    EXPECT_FALSE(decide(JobOptions{}, s).hold);
    EXPECT_EQ(daily_budget_hold(std::nullopt, 5), "");
    EXPECT_EQ(daily_budget_hold(10, 9), "");
    EXPECT_EQ(daily_budget_hold(10, 11), "daily budget 10 rows reached (resumes at 00:00)");
}

}  // namespace
}  // namespace backfill

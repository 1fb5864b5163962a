#include "core/daily_budget.hpp"

namespace backfill {

namespace {

constexpr std::int64_t kDay = 86400;

}  // namespace

// Floors towards the past, also before 1970, so that a day is never cut
// in two around the epoch.
std::int64_t day_began(std::int64_t local_seconds) {
    std::int64_t days = local_seconds / kDay;
    if (local_seconds % kDay < 0) {
        days--;
    }
    return days * kDay;
}

// The budget is spent once the rows reach it: the next chunk would exceed it.
std::string daily_budget_hold(std::optional<std::int64_t> max_rows_per_day,
                              std::int64_t rows_today) {
    if (!max_rows_per_day || rows_today < *max_rows_per_day) {
        return "";
    }
    return "daily budget " + std::to_string(*max_rows_per_day) + " rows reached (resumes at 00:00)";
}

}  // namespace backfill

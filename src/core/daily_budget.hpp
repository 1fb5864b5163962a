// The daily row budget (option max_rows_per_day): where the day began, and
// whether the rows written since then hold the job. Times are the server
// time zone's wall clock, in seconds since 1970-01-01 00:00 of that clock,
// so that a day is always 86400 of them whatever daylight saving does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace backfill {

// The local midnight that began the day holding local_seconds: rows written
// from then on count against today's budget.
std::int64_t day_began(std::int64_t local_seconds);

// What holds a job whose rows written today reached the budget: "daily
// budget N rows reached (resumes at 00:00)"; "" when the budget is not
// reached (or there is none).
std::string daily_budget_hold(std::optional<std::int64_t> max_rows_per_day,
                              std::int64_t rows_today);

}  // namespace backfill

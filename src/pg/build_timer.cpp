#include "pg/build_timer.hpp"

#include <algorithm>
#include <csignal>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

namespace {

TimeoutId build_timeout_id = MAX_TIMEOUTS;
volatile sig_atomic_t timed_out = false;

// Timeout handler: cancel the running statement, and remember it was ours.
void on_build_timeout() {
    timed_out = true;
    QueryCancelPending = true;
    InterruptPending = true;
    SetLatch(MyLatch);
}

}  // namespace

BuildTimer::BuildTimer(std::optional<std::int64_t> limit_us) : armed_(limit_us.has_value()) {
    if (!armed_)
        return;
    if (build_timeout_id == MAX_TIMEOUTS)
        build_timeout_id = RegisterTimeout(USER_TIMEOUT, on_build_timeout);
    timed_out = false;
    int ms = static_cast<int>(std::max<std::int64_t>(1, *limit_us / 1000));
    enable_timeout_after(build_timeout_id, ms);
}

BuildTimer::~BuildTimer() {
    if (armed_)
        disable_timeout(build_timeout_id, false);
}

bool build_timed_out() {
    bool was = timed_out;
    timed_out = false;
    return was;
}

}  // namespace backfill::pg

#include "claim_miss.hpp"

#include <algorithm>

namespace backfill {

namespace {

constexpr std::int64_t kFirstPauseMs = 5;
constexpr std::int64_t kMaxPauseMs = 250;

}  // namespace

// The one rule for leaving a job after an empty claim, so that a worker
// leaves only when nothing is left that it could take.
ClaimRetry after_claim_miss(int free_chunks, int misses) {
    if (free_chunks <= 0)
        return ClaimRetry{};
    int doublings = std::clamp(misses - 1, 0, 6);
    return ClaimRetry{true, std::min(kMaxPauseMs, kFirstPauseMs << doublings)};
}

}  // namespace backfill

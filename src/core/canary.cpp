#include "core/canary.hpp"

namespace backfill {

// Publishers ask under the job's lock, so that the count they read is the
// one they add to: concurrent workers never publish past the canary.
std::optional<int> canary_room(std::optional<int> canary_chunks, bool approved, int published) {
    if (!canary_chunks || approved) {
        return std::nullopt;
    }
    return published >= *canary_chunks ? 0 : *canary_chunks - published;
}

// A canary that covers the whole job is just the job: it completes.
bool stops_for_approval(std::optional<int> canary_chunks, bool approved, int published,
                        int left_to_publish) {
    std::optional<int> room = canary_room(canary_chunks, approved, published);
    return room && *room == 0 && left_to_publish > 0;
}

}  // namespace backfill

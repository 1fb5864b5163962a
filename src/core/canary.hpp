// The canary (option canary_chunks): a job publishes that many chunks, then
// waits for backfill.approve(name) before it publishes any other.
#pragma once

#include <optional>

namespace backfill {

// How many more chunks a publication may publish now, given how many the
// job published already: nullopt when nothing limits it (no canary, or
// the job was approved), else what is left of the canary (0 at least).
std::optional<int> canary_room(std::optional<int> canary_chunks, bool approved, int published);

// Whether the job stops for approval once it published that many chunks:
// the canary is complete, not approved, and chunks remain to publish.
bool stops_for_approval(std::optional<int> canary_chunks, bool approved, int published,
                        int left_to_publish);

}  // namespace backfill

// Publication units: which built chunks are published together, and when.
#pragma once

#include <optional>
#include <vector>

#include "core/options.hpp"
#include "core/states.hpp"

namespace backfill {

// The units ready to publish now, each a list of chunk numbers (1-based,
// ascending), given every chunk's state (index i = chunk i + 1):
//   each:   every built chunk on its own;
//   batch:  chunks (k-1)/N form batch k; a batch is ready when all its
//           chunks are built (published ones are left out of the unit);
//   end:    all chunks, once none is pending, running or failed;
//   manual: nothing (backfill.publish() publishes every built chunk).
std::vector<std::vector<int>> ready_units(PublishMode mode, std::optional<int> partitions_per_batch,
                                          const std::vector<ChunkState>& states);

// The units of publish "each" (and none of "manual"), read from the built
// chunks alone: a runner then reads no other chunk's state. Nothing for
// batch and end, whose units depend on every chunk of their group (use
// ready_units).
std::optional<std::vector<std::vector<int>>> units_of_built(PublishMode mode,
                                                            const std::vector<int>& built);

// What a publishing transaction does with its unit, given the job's state
// read under the job row's lock: nothing is published once the job was
// paused (except by backfill.publish(), manual), cancelled or rolled back.
//   publish:    pending, running; paused when manual;
//   keep_built: paused, from a runner: the shadows wait for resume;
//   refuse:     a terminal job: the runner throws its shadows away,
//               backfill.publish() raises an error.
enum class PublishGate { Publish, KeepBuilt, Refuse };
PublishGate publish_gate(JobState job_now, bool manual);

}  // namespace backfill

// Publishing: the one short transaction per unit (a chunk, a batch, or the
// whole job) that locks the parent, detaches each live partition, refuses
// if the write guard saw a write during its build, swaps the names and
// attaches the shadows, and records the release.
#pragma once

#include "pg/mode.hpp"

namespace backfill::pg {

// Publishes every unit that is ready under the job's publish mode (each,
// batch, end; never manual). Each unit commits on its own, after waiting at
// most snapshot_budget_us (0: only a look) for older snapshots; the first
// unit they hold back ends the round, deferred.
PublishResult publish_ready(const Job& job, const std::string& parent,
                            std::int64_t snapshot_budget_us);

// backfill.publish(): every built chunk of a job, in ONE transaction, the
// caller's (no commit), once the older snapshots are gone; publishes
// nothing (0, with a WARNING) when they outlive snapshot_wait. Throws when
// a chunk is not built yet.
int publish_all_built(const Job& job);

}  // namespace backfill::pg

// Before publishing, waiting (like CREATE INDEX CONCURRENTLY) for the
// transactions whose snapshot is older than the build, within a bound,
// saying in backfill.progress whom the job waits for.
#pragma once

#include <cstdint>
#include <vector>

#include "pg/job_store.hpp"

namespace backfill::pg {

enum class SnapshotWait {
    Clear,     // no older transaction is left: publish
    Deferred,  // they outlived the budget: the unit stays built, publish later
    Stopped,   // the job stopped running meanwhile: publish nothing
};

// Waits at most budget_us (0: only looks) for the transactions of this
// database whose snapshot is older than the newest build of the unit,
// polling at most every 100 ms, in committed steps. While it waits,
// throttled_by names the oldest of them; a wait that runs out is logged.
// Standbys count too, by the xmin hot_standby_feedback reports. Manual
// (backfill.publish()): no commits, a paused job may publish, and a wait
// that runs out says so in a WARNING.
SnapshotWait wait_for_older_snapshots(const Job& job, const std::vector<ChunkRow>& unit,
                                      std::int64_t budget_us, bool manual);

}  // namespace backfill::pg

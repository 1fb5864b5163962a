// The snapshot view of a swap job (option snapshot_view): made at create
// as the target's owner over the partitions the job will replace, bound to
// them by OID, recorded by OID and name in the job row, dropped first by
// purge (core/snapshot_view.hpp, docs/snapshot_view.md).
#pragma once

#include <cstdint>
#include <string>

#include "pg/job_planning.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Refuses (ERROR with hint) a snapshot view the job could not make: its
// schema missing or closed to the target's owner, or its name taken.
// Nothing when the job asks for none.
void check_snapshot_view(const PlannedJob& plan);

// Makes the view of a new job, in the caller's transaction, and records it.
void create_snapshot_view(std::int64_t job_id, const PlannedJob& plan);

// Drops the job's view (by OID) if it is still there; a NOTICE when the
// user dropped it already. Returns whether it dropped one.
bool drop_snapshot_view(const Job& job);

}  // namespace backfill::pg

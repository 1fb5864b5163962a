// The swap's part of the job commands: what cancel, rollback and purge do
// to the tables (the job's state and events stay with job_control).
#pragma once

#include "pg/job_store.hpp"

namespace backfill::pg {

// Cancel: drops the shadows no session is working on, and their guards;
// returns how many it dropped.
int drop_unpublished_shadows(const Job& job);

// Rollback: puts every published chunk's retained original back, in the
// caller's transaction; refuses when rows were written to a published
// partition, unless force. Returns how many partitions it restored.
int restore_retained_originals(const Job& job, bool force);

// Purge: drops retained originals, leftover shadows and guard triggers;
// returns how many tables it dropped.
int drop_kept_tables(const Job& job);

}  // namespace backfill::pg

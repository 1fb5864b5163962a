// A merge job's before-image table: made at create beside the target,
// restored by rollback, dropped by purge. Known by the OID recorded in the
// job row, never by its name alone.
#pragma once

#include <cstdint>

#include "core/options.hpp"
#include "pg/catalog.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Creates the job's before-image table in the target's schema, as the
// target's owner, and records its OID in the job row.
void create_before_image(std::int64_t job_id, const TargetInfo& target);

// Puts every published chunk's rows back as they were, in the caller's
// transaction; refuses, unless force, when a row it would restore was
// changed since the chunk wrote it. Returns the chunks restored.
int restore_before_image(const Job& job, bool force);

// Drops the before-image table (purge); returns how many tables it dropped.
int drop_before_image(const Job& job);

// A job adopted after a pg_dump / restore: the rows its published chunks
// wrote carry the copy's transaction id, not the one recorded; the
// recorded one becomes the copy's, so that rollback still tells a row
// changed since from one the job wrote (src/pg/restored_jobs.hpp).
void adopt_copied_image(const Job& job);

}  // namespace backfill::pg

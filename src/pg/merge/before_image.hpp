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

}  // namespace backfill::pg

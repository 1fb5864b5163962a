// Mode swap's part of backfill.rehearse and backfill.diff: a chunk's
// shadow built for a rehearsal, and the tables a diff compares.
#pragma once

#include <string>

#include "core/diff_sql.hpp"
#include "core/rehearsal.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Builds the chunk's shadow like build_chunk does (created like the
// partition, loaded as the owner, indexed), in the caller's subtransaction,
// without guard, ownership or record, and measures it against the live
// partition. The shadow's name must be free.
RehearsalBuild rehearse_shadow(const Job& job, const ChunkRow& chunk, const std::string& parent);

// A built chunk: the live partition against its shadow; a published one:
// its retained original against the live partition.
void swap_diff_sides(const ChunkRow& chunk, DiffSpec& spec);

}  // namespace backfill::pg

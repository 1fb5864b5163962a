// Mode merge with publication units (publish batch, end or manual): each
// chunk's source rows are staged in a table of the job's own first, and a
// unit is applied in ONE transaction once it is ready.
#pragma once

#include <cstdint>

#include "pg/catalog.hpp"
#include "pg/job_store.hpp"
#include "pg/mode.hpp"

namespace backfill::pg {

// Creates the job's staging table beside the target, as the target's
// owner, and records its OID in the job row.
void create_stage_table(std::int64_t job_id, const TargetInfo& target);

// The job's staging table as it is named now (by the OID recorded at
// create); throws when it is gone.
std::string stage_table(const Job& job);

// Stages a claimed chunk's source rows (replacing what an earlier attempt
// staged): Built, Retried or Failed; rethrows a user's cancel.
Outcome stage_chunk(const Job& job, const ChunkRow& chunk);

// Applies every unit that is ready, each in one committed transaction.
PublishResult apply_ready_units(const Job& job);

// backfill.publish(): every built chunk in the caller's transaction.
int apply_all_built(const Job& job);

// Throws away the staged rows of one chunk (its build), or of every chunk
// not published (cancel).
void drop_staged_rows(const Job& job, std::optional<int> chunk_no);

// Drops the staging table (purge); returns how many tables it dropped.
int drop_stage_table(const Job& job);

}  // namespace backfill::pg

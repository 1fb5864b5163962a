// One merge chunk, in one transaction: the watermark, the source's rows
// staged, only the rows that differ written, their old versions kept.
#pragma once

#include "pg/job_store.hpp"
#include "pg/runner_common.hpp"

namespace backfill::pg {

// Merges a claimed chunk: Published (its writes committed, or nothing to
// write), Retried, Failed; rethrows a user's cancel.
Outcome merge_chunk(const Job& job, const ChunkRow& chunk);

}  // namespace backfill::pg

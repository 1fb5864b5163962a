// Running a job's chunks in the calling session: claim a chunk, build it
// and publish it through the job's mode, one committed step at a time, so
// that an interruption anywhere leaves a state the next run continues from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/chunk_lock.hpp"

namespace backfill::pg {

// The body of CALL backfill.run: processes chunks until the job is
// finished, paused or cancelled, or max_chunks chunks were processed.
// After an error, claimed holds the chunk that was being worked on.
void run_job(const std::string& name, std::optional<int> max_chunks, ChunkLock& claimed);

// The body of a background worker: works the job (by id) while it is
// running. The worker is connected as the job's owner. After an error,
// claimed holds the chunk that was being worked on.
void run_job_in_worker(std::int64_t job_id, ChunkLock& claimed);

}  // namespace backfill::pg

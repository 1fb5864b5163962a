// Running a job's chunks in the calling session: claim a chunk, build its
// shadow, publish it by swap, one committed step at a time, so that an
// interruption anywhere leaves a state the next run continues from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace backfill::pg {

// The body of CALL backfill.run: processes chunks until the job is
// finished, paused or cancelled, or max_chunks chunks were processed.
void run_job(const std::string& name, std::optional<int> max_chunks);

// The body of a background worker: works the job (by id) while it is
// running. The worker is connected as the job's owner.
void run_job_in_worker(std::int64_t job_id);

// Releases the chunk lock this session holds, if any (after an error that
// ends the run).
void release_claimed_chunk();

}  // namespace backfill::pg

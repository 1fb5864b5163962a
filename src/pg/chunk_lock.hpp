// A session-level lock per (job, chunk): held by whoever works on the chunk,
// released on exit or crash, so a chunk left "running" by a dead session is
// recognised as free to take over.
#pragma once

#include <cstdint>

namespace backfill::pg {

// Takes the chunk's lock without waiting; false if another session has it.
bool try_lock_chunk(std::int64_t job_id, int chunk_no);

// Releases the lock taken by try_lock_chunk (no-op if not held).
void unlock_chunk();

}  // namespace backfill::pg

// Session-level locks in backfill's own advisory lock space. A runner (a
// worker or CALL backfill.run) holds its job's lock in share mode while it
// works on the job, and one chunk's lock exclusively while it works on that
// chunk. Both go away with the session, so a chunk left "running" by a dead
// session is recognised as free, and a "running" job nobody holds is shown
// as interrupted.
#pragma once

#include <cstdint>
#include <vector>

namespace backfill::pg {

// Takes the chunk's lock without waiting; false if another session has it.
bool try_lock_chunk(std::int64_t job_id, int chunk_no);

// Releases the lock taken by try_lock_chunk (no-op if not held).
void unlock_chunk();

// The chunk this session holds the lock of, or 0.
int locked_chunk();

// Marks this session as a runner of the job (share lock), and stops.
void lock_job(std::int64_t job_id);
void unlock_job();

// Serialises checking and recording jobs on one target until the
// transaction ends: two creates at once cannot both miss each other.
void lock_target_jobs(unsigned int target_oid);

// Marks this session as waiting in backfill.wait() (share lock) until
// unmark_waiter; publishers do not wait for such sessions' snapshots.
void mark_waiter();
void unmark_waiter();

// Sessions of this database that are backfill runners or wait() callers.
std::vector<int> exempt_session_pids();

}  // namespace backfill::pg

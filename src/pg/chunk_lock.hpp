// Session-level locks in backfill's own advisory lock spaces
// (core/lock_space.hpp). A runner (a worker or CALL backfill.run) holds its
// job's lock in share mode while it works on the job, and one chunk's lock
// exclusively while it works on that chunk. Both go away with the session,
// so a chunk left "running" by a dead session is recognised as free, and a
// "running" job nobody holds is shown as interrupted. The locks are held by
// guards, released when the guard goes: a session lock outlives the
// transaction, so an error must not leave one behind.
#pragma once

#include <cstdint>
#include <vector>

namespace backfill::pg {

// The lock of one chunk, held while this session works on it. Release
// only calls the lock manager, which is safe after an error, before the
// transaction is rolled back.
class ChunkLock {
public:
    ChunkLock() = default;
    ChunkLock(const ChunkLock&) = delete;
    ChunkLock& operator=(const ChunkLock&) = delete;
    ~ChunkLock() { release(); }

    // Takes the chunk's lock without waiting, giving up the chunk held
    // before; false if another session has it.
    bool try_take(std::int64_t job_id, int chunk_no);

    // Gives the chunk up (no-op if none is held).
    void release() noexcept;

    // The chunk held, or 0.
    int chunk_no() const { return chunk_no_; }

private:
    std::int64_t job_id_ = 0;
    int chunk_no_ = 0;
};

// The job's publisher lock: while held, no other runner of the job
// publishes. Two runners publishing at once would each plan and complete
// the same unit from a catalog the other is changing. Taken without
// waiting while chunks are left to build (the runner that holds it
// publishes what is built, the others go on building), and waited for by
// a runner about to leave, so that nothing built is left behind.
class PublisherLock {
public:
    PublisherLock(std::int64_t job_id, bool wait);
    PublisherLock(const PublisherLock&) = delete;
    PublisherLock& operator=(const PublisherLock&) = delete;
    ~PublisherLock();

    // Whether this session got it (another runner publishes otherwise).
    bool held() const { return held_; }

private:
    std::int64_t job_id_;
    bool held_;
};

// Marks this session as a runner of the job (share lock) while it lives.
class JobLock {
public:
    explicit JobLock(std::int64_t job_id);
    JobLock(const JobLock&) = delete;
    JobLock& operator=(const JobLock&) = delete;
    ~JobLock();

private:
    std::int64_t job_id_;
};

// Marks this session as waiting in backfill.wait() (share lock) while it
// lives; publishers do not wait for such sessions' snapshots.
class WaiterMark {
public:
    WaiterMark();
    WaiterMark(const WaiterMark&) = delete;
    WaiterMark& operator=(const WaiterMark&) = delete;
    ~WaiterMark();
};

// Serialises checking and recording jobs on one target until the
// transaction ends: two creates at once cannot both miss each other.
void lock_target_jobs(unsigned int target_oid);

// Sessions of this database that are backfill runners or wait() callers.
std::vector<int> exempt_session_pids();

}  // namespace backfill::pg

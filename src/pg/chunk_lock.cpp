#include "pg/chunk_lock.hpp"

#include "core/lock_space.hpp"
#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// The advisory lock tag of (id, sub_id) in one of backfill's lock spaces,
// in this database.
LOCKTAG tag_of(std::int64_t id, int sub_id, uint16 space) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32)id, (uint32)sub_id, space);
    return tag;
}

// Takes a session lock of the given mode, waiting for it.
void acquire_lock(const LOCKTAG& tag, LOCKMODE mode) {
    pg_guard([&]() { LockAcquire(&tag, mode, true, false); });
}

// Releases a session lock held in the given mode. Called by destructors,
// also while an error unwinds: it never throws (the lock manager's own
// complaints, a WARNING at most, are left to it).
void release_lock(const LOCKTAG& tag, LOCKMODE mode) noexcept {
    try {
        pg_guard([&]() { LockRelease(&tag, mode, true); });
    } catch (...) {
    }
}

}  // namespace

bool ChunkLock::try_take(std::int64_t job_id, int chunk_no) {
    release();
    LOCKTAG tag = tag_of(job_id, chunk_no, lock_space::kChunk);
    bool got = pg_guard(
        [&]() { return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL; });
    if (got) {
        job_id_ = job_id;
        chunk_no_ = chunk_no;
    }
    return got;
}

void ChunkLock::release() noexcept {
    if (chunk_no_ == 0)
        return;
    release_lock(tag_of(job_id_, chunk_no_, lock_space::kChunk), ExclusiveLock);
    chunk_no_ = 0;
}

PublisherLock::PublisherLock(std::int64_t job_id, bool wait) : job_id_(job_id) {
    LOCKTAG tag = tag_of(job_id, 0, lock_space::kPublisher);
    held_ = pg_guard(
        [&]() { return LockAcquire(&tag, ExclusiveLock, true, !wait) != LOCKACQUIRE_NOT_AVAIL; });
}

PublisherLock::~PublisherLock() {
    if (held_)
        release_lock(tag_of(job_id_, 0, lock_space::kPublisher), ExclusiveLock);
}

JobLock::JobLock(std::int64_t job_id) : job_id_(job_id) {
    acquire_lock(tag_of(job_id, 0, lock_space::kJob), ShareLock);
}

JobLock::~JobLock() { release_lock(tag_of(job_id_, 0, lock_space::kJob), ShareLock); }

WaiterMark::WaiterMark() { acquire_lock(tag_of(0, MyProcPid, lock_space::kWaiter), ShareLock); }

WaiterMark::~WaiterMark() { release_lock(tag_of(0, MyProcPid, lock_space::kWaiter), ShareLock); }

void lock_target_jobs(unsigned int target_oid) {
    LOCKTAG tag = tag_of(target_oid, 0, lock_space::kTarget);
    pg_guard([&]() { LockAcquire(&tag, ExclusiveLock, false, false); });
}

std::vector<int> exempt_session_pids() {
    std::vector<int> pids;
    for (const auto& r : query("SELECT DISTINCT l.pid FROM pg_catalog.pg_locks l"
                               " WHERE l.locktype = 'advisory' AND l.granted"
                               " AND l.objsubid IN ($2::int, $3::int) AND l.database = $1::oid",
                               {std::to_string(MyDatabaseId), std::to_string(lock_space::kJob),
                                std::to_string(lock_space::kWaiter)}))
        pids.push_back(std::stoi(*r[0]));
    return pids;
}

}  // namespace backfill::pg

#include "pg/chunk_lock.hpp"

#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// Advisory lock tags with these fourth fields cannot collide with the
// pg_advisory_lock() family, which uses 1 and 2. The job space is read by
// the backfill.jobs view (objsubid 16967).
constexpr uint16 kChunkLockSpace = 0x4246;
constexpr uint16 kJobLockSpace = 0x4247;
constexpr uint16 kWaiterLockSpace = 0x4248;
constexpr uint16 kTargetLockSpace = 0x4249;

struct Held {
    bool held = false;
    LOCKTAG tag;
    int chunk_no = 0;
};
Held chunk_lock;
Held job_lock;
Held waiter_lock;

LOCKTAG tag_of(std::int64_t job_id, int chunk_no, uint16 space) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32)job_id, (uint32)chunk_no, space);
    return tag;
}

// Releases a held session lock of the given mode.
void release(Held& h, LOCKMODE mode) {
    if (!h.held)
        return;
    h.held = false;
    LockRelease(&h.tag, mode, true);
}

}  // namespace

bool try_lock_chunk(std::int64_t job_id, int chunk_no) {
    unlock_chunk();
    LOCKTAG tag = tag_of(job_id, chunk_no, kChunkLockSpace);
    bool got = pg_guard(
        [&]() { return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL; });
    if (got)
        chunk_lock = Held{true, tag, chunk_no};
    return got;
}

void unlock_chunk() { release(chunk_lock, ExclusiveLock); }

int locked_chunk() { return chunk_lock.held ? chunk_lock.chunk_no : 0; }

void lock_target_jobs(unsigned int target_oid) {
    LOCKTAG tag = tag_of(target_oid, 0, kTargetLockSpace);
    pg_guard([&]() { LockAcquire(&tag, ExclusiveLock, false, false); });
}

void lock_job(std::int64_t job_id) {
    unlock_job();
    LOCKTAG tag = tag_of(job_id, 0, kJobLockSpace);
    pg_guard([&]() { LockAcquire(&tag, ShareLock, true, false); });
    job_lock = Held{true, tag, 0};
}

void unlock_job() { release(job_lock, ShareLock); }

void mark_waiter() {
    if (waiter_lock.held)
        return;
    LOCKTAG tag = tag_of(0, MyProcPid, kWaiterLockSpace);
    pg_guard([&]() { LockAcquire(&tag, ShareLock, true, false); });
    waiter_lock = Held{true, tag, 0};
}

void unmark_waiter() { release(waiter_lock, ShareLock); }

std::vector<int> exempt_session_pids() {
    std::vector<int> pids;
    for (const auto& r : query("SELECT DISTINCT l.pid FROM pg_catalog.pg_locks l"
                               " WHERE l.locktype = 'advisory' AND l.granted"
                               " AND l.objsubid IN (16967, 16968) AND l.database = $1::oid",
                               {std::to_string(MyDatabaseId)}))
        pids.push_back(std::stoi(*r[0]));
    return pids;
}

}  // namespace backfill::pg

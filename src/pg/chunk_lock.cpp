#include "pg/chunk_lock.hpp"

#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

namespace {

// Advisory lock tags with this fourth field cannot collide with the
// pg_advisory_lock() family, which uses 1 and 2.
constexpr uint16 kChunkLockSpace = 0x4246;

bool held = false;
LOCKTAG held_tag;

LOCKTAG chunk_tag(std::int64_t job_id, int chunk_no) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32)job_id, (uint32)chunk_no, kChunkLockSpace);
    return tag;
}

}  // namespace

bool try_lock_chunk(std::int64_t job_id, int chunk_no) {
    unlock_chunk();
    LOCKTAG tag = chunk_tag(job_id, chunk_no);
    bool got = pg_guard(
        [&]() { return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL; });
    if (got) {
        held = true;
        held_tag = tag;
    }
    return got;
}

void unlock_chunk() {
    if (!held)
        return;
    held = false;
    LockRelease(&held_tag, ExclusiveLock, true);
}

}  // namespace backfill::pg

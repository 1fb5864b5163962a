#include "pg/swap/built_shadows.hpp"

#include <algorithm>

#include "pg/catalog_fingerprint.hpp"
#include "pg/index_catalog.hpp"
#include "pg/pg_error.hpp"

namespace backfill::pg {

namespace {

// More than a publication unit holds in practice; the oldest go first.
constexpr std::size_t kKept = 64;

std::vector<BuiltShadow>& kept() {
    static std::vector<BuiltShadow> records;
    return records;
}

// Whether a record is of that chunk.
bool of_chunk(const BuiltShadow& b, std::int64_t job_id, int chunk_no) {
    return b.job_id == job_id && b.chunk_no == chunk_no;
}

// Locks table and then each of its indexes, ACCESS EXCLUSIVE: with the
// table locked no index can be added, and with each index locked none can
// be altered. Inside pg_guard.
void lock_with_indexes(Oid table) {
    LockRelationOid(table, AccessExclusiveLock);
    ListCell* cell;
    foreach (cell, index_oids(table))
        LockRelationOid(lfirst_oid(cell), AccessExclusiveLock);
}

}  // namespace

void remember_built_shadow(BuiltShadow built) {
    auto& records = kept();
    records.erase(std::remove_if(records.begin(), records.end(),
                                 [&](const BuiltShadow& b) {
                                     return of_chunk(b, built.job_id, built.chunk_no);
                                 }),
                  records.end());
    if (records.size() >= kKept)
        records.erase(records.begin());
    records.push_back(std::move(built));
}

std::optional<BuiltShadow> take_built_shadow(std::int64_t job_id, int chunk_no, Oid shadow) {
    auto& records = kept();
    for (auto it = records.begin(); it != records.end(); ++it) {
        if (!of_chunk(*it, job_id, chunk_no))
            continue;
        std::optional<BuiltShadow> found;
        if (it->shadow == shadow)
            found = std::move(*it);
        records.erase(it);
        return found;
    }
    return std::nullopt;
}

bool unchanged_since_build(const BuiltShadow& built, Oid live, Oid shadow) {
    if (built.live != live || built.shadow != shadow)
        return false;
    pg_guard([&]() {
        // DETACH's order: the default partition (which it locks before
        // the partition it takes out), the partition, its indexes (an
        // index alone can be altered under a lock on it alone); then what
        // ATTACH takes, the shadow and its indexes
        Oid default_partition = get_default_partition_oid(get_partition_parent(live, false));
        if (OidIsValid(default_partition) && default_partition != live)
            LockRelationOid(default_partition, AccessExclusiveLock);
        lock_with_indexes(live);
        lock_with_indexes(shadow);
    });
    return catalog_fingerprint(live) == built.live_fingerprint &&
           catalog_fingerprint(shadow) == built.shadow_fingerprint;
}

}  // namespace backfill::pg

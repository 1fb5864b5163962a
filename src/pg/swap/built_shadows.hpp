// What a runner's build of a chunk leaves for its own publication of it
// (the usual case: a runner publishes what it just built): the catalog
// fingerprints of the live partition and of the shadow as the build left
// them, and which shadow index was built for each of the partition's
// indexes. When neither fingerprint changed, under the publication's
// locks, that pairing stands: the publication deparses and compares no
// index or constraint definition while it holds the parent's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

struct BuiltShadow {
    std::int64_t job_id = 0;
    int chunk_no = 0;
    Oid live = InvalidOid, shadow = InvalidOid;
    std::string live_fingerprint, shadow_fingerprint;
    // (the partition's index, the shadow's built from it), in the order
    // the plan read the partition's (by name)
    std::vector<std::pair<Oid, Oid>> indexes;
};

// Kept in the runner's memory (a few at most: a unit's chunks), replacing
// an older record of the same chunk.
void remember_built_shadow(BuiltShadow built);

// The record of the chunk's build of shadow, taken out; none when this
// runner did not build it (another runner did, or a restart came between).
std::optional<BuiltShadow> take_built_shadow(std::int64_t job_id, int chunk_no, Oid shadow);

// Under the parent's lock: locks what the swap will lock a moment later,
// in the order the detach and the attach take it (the parent's default
// partition, the live partition and its indexes, the shadow and its
// indexes, ACCESS EXCLUSIVE), so that neither table nor any of their
// indexes can change any more, and tells whether both tables are still as
// the build left them.
bool unchanged_since_build(const BuiltShadow& built, Oid live, Oid shadow);

}  // namespace backfill::pg

// The indexes and extended statistics of a shadow, matched to those of its
// live partition by what they are (never by name or position): completed
// outside the parent's lock when the partition gained or lost an index
// since the build, and paired under it for the swap's renames.
#pragma once

#include <string>
#include <vector>

#include "core/swap/swap_ddl.hpp"
#include "pg/job_store.hpp"
#include "pg/pg_headers.hpp"
#include "pg/swap/swap_spec.hpp"

namespace backfill::pg {

// Builds one index of spec on table (a shadow) in the index's own
// tablespace.
void build_index(const SwapSpec& spec, const IndexSpec& idx, const std::string& table);

// Outside the parent's lock: the shadow gets every index the live partition
// has and it lacks (CREATE INDEX on the parent after the build), and loses
// those the partition no longer has (DROP INDEX), so that ATTACH finds every
// index built. Runs as the job's owner.
void complete_shadow_indexes(const Job& job, const ChunkRow& chunk, const SwapSpec& spec, Oid live,
                             Oid shadow);

// Thrown under the parent's lock when the live partition has an index or a
// constraint the shadow lacks (it appeared after the shadow was completed):
// building or validating it there would hold the lock for a whole scan.
struct ShadowBehind {
    int chunk_no;
    std::string reason;
};

// Under the parent's lock: spec.indexes and spec.statistics become the live
// partition's, each paired with its counterpart on the shadow by identity.
// Shadow indexes the partition no longer has are dropped, statistics
// objects created or dropped (catalog-only). The names in pairing order are
// returned as name[] literals for the chunk's row (rollback uses them).
struct PairedNames {
    std::string indexes, statistics;
};
PairedNames pair_for_publication(const Job& job, const ChunkRow& chunk, SwapSpec& spec, Oid live,
                                 Oid shadow);

// The shadow's index built for each of indexes (the partition's, as the
// plan read them), by the names the build gave them: (partition's,
// shadow's) OIDs; none when one is missing.
std::optional<std::vector<std::pair<Oid, Oid>>> built_index_pairs(
    const Job& job, const ChunkRow& chunk, const std::vector<LiveIndex>& indexes, Oid shadow);

// Under the parent's lock, for a shadow unchanged since its build
// (built_shadows.hpp): pair_for_publication from the build's own pairing,
// the names read again by OID, without deparsing a definition.
PairedNames pair_as_built(const Job& job, const ChunkRow& chunk, SwapSpec& spec,
                          const std::vector<std::pair<Oid, Oid>>& indexes, Oid live, Oid shadow);

// Rollback, outside the parent's lock: the retained original gets every
// index the live partition has and it lacks (CREATE INDEX on the parent
// since publication), and loses those the partition no longer has (DROP
// INDEX), so that its ATTACH finds every index built.
void complete_retained_indexes(const Job& job, const ChunkRow& chunk, const SwapSpec& spec,
                               Oid live, Oid retained);

// Rollback, under the parent's lock: spec.indexes and spec.statistics pair
// the live partition's objects with the retained original's by identity
// (retained: the incoming names); the outgoing, published ones get names
// no object uses (shadow).
void pair_for_restore(const Job& job, const ChunkRow& chunk, SwapSpec& spec, Oid live,
                      Oid retained);

}  // namespace backfill::pg

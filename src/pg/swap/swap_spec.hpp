// Gathers, from the catalog and the chunk's row, everything the core's
// swap statements need for one chunk.
#pragma once

#include <string>
#include <vector>

#include "core/swap/swap_ddl.hpp"
#include "pg/catalog.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// The spec of a chunk of the target top (quoted) whose partition is live
// (its parent and partition constraint; an empty LivePartition where they
// do not matter). Index (and extended statistics) names come from the
// partition's current indexes (build) or from the names recorded at
// publication (rollback), in the same order: the k-th gets the k-th shadow
// and retained names.
SwapSpec swap_spec(const Job& job, const ChunkRow& chunk, const std::string& top,
                   const LivePartition& live, const std::vector<std::string>& index_names,
                   const std::vector<std::string>& statistics_names = {});

// The indexes of a table, in a stable order: name, definition (see
// IndexSpec), whether a constraint (primary key, unique, exclusion) stands
// behind it, its identity (index_identity: what pairs it with the same
// index on another table) and its own tablespace ("" for the default).
struct LiveIndex {
    std::string name, definition;
    bool is_constraint;
    std::string identity, tablespace;
    Oid oid = InvalidOid;
};
std::vector<LiveIndex> live_indexes(Oid relid);
// The same for several tables, in the order of relids (the partition and
// its shadow under the parent's lock); read through the catalog, without a
// statement (index_catalog.hpp).
std::vector<std::vector<LiveIndex>> live_indexes_of(const std::vector<Oid>& relids);

// Fills spec.indexes (from indexes, the partition's live_indexes),
// spec.foreign_keys, spec.create_options, spec.unlogged from the live
// partition.
void describe_live_partition(Oid relid, const std::vector<LiveIndex>& indexes, const Job& job,
                             const ChunkRow& chunk, SwapSpec& spec);

// CHECK constraints of the partition that were added NOT VALID: LIKE copies
// them as valid, so the build drops them before the load and adds them back
// NOT VALID after it. definition comes from pg_get_constraintdef.
struct NotValidCheck {
    std::string name, definition;
};
std::vector<NotValidCheck> not_valid_checks(Oid relid);

// Statements that give the shadow the partition's owner, table and column
// grants, per-column statistics targets, replica identity and comment.
std::vector<std::string> copy_ownership_statements(Oid relid, const std::string& shadow_qualified);

}  // namespace backfill::pg

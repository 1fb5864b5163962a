// What the swap's steps need for a chunk: its live partition as it is now,
// the spec of the swap statements, the shadow dropped again, and the write
// guard.
#pragma once

#include <string>

#include "core/swap/swap_ddl.hpp"
#include "pg/runner_common.hpp"
#include "pg/swap/swap_spec.hpp"

namespace backfill::pg {

// The live partition of a chunk as it is now, and the chunk's bounds on the
// key of a range-keyed target ($1 and $2); refuses a partition that went
// away or changed bounds since the job was created.
struct LiveChunk {
    LivePartition live;
    Bound lower, upper;
};
LiveChunk live_chunk(const Job& job, const ChunkRow& chunk, bool with_constraint = true);

// Everything the swap statements need for a chunk, read from the catalog;
// top is the target's quoted name. indexes: the live partition's indexes
// the spec was made from (the shadow's are built from them).
// live_fingerprint: the partition's catalog fingerprint before anything
// was read (a build's plan only).
struct ChunkPlan {
    LiveChunk live;
    SwapSpec spec;
    std::vector<LiveIndex> indexes;
    std::string live_fingerprint;
};

// What a plan is for. Build: all of it. Publication: the live partition
// and the spec's names only (no partition constraint, columns, indexes,
// foreign keys or storage options: publishing pairs the indexes and
// constraints it finds under the parent's lock, and builds nothing from
// the spec).
enum class PlanFor { Build, Publication };
ChunkPlan plan_chunk(const Job& job, const ChunkRow& chunk, const std::string& top,
                     PlanFor purpose);

// Drops a chunk's shadow (the table it recorded by OID) and puts the chunk
// back to pending.
void discard_shadow(const Job& job, const ChunkRow& chunk);

// Whether the table to guard may carry this chunk's guard already (the
// live partition, guarded by an earlier attempt: its guard is dropped
// first, when it has one) or was just created (the shadow).
enum class GuardSlate { Replace, Fresh };

// Attaches the write guard to table (table_oid) for phase. Only the
// extension owner may use backfill._guard (EXECUTE is revoked from PUBLIC),
// so it does this itself; creating a trigger runs none of the table owner's
// code.
void install_guard(const SwapSpec& spec, const std::string& table, Oid table_oid,
                   const std::string& phase, GuardSlate slate);

}  // namespace backfill::pg

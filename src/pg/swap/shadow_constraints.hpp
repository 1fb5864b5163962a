// The CHECK constraints and foreign keys of a shadow, kept equal to those
// of its live partition when they change between the build and the
// publication (ALTER TABLE ... ADD/DROP/VALIDATE CONSTRAINT on the
// partition or its parent): completed outside the parent's lock, checked
// again under it, so that a published partition never loses a constraint
// and the ATTACH never scans.
#pragma once

#include "core/swap/swap_ddl.hpp"
#include "pg/job_store.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Outside the parent's lock: the shadow gets each CHECK and foreign key the
// live partition has and it lacks (validated, or NOT VALID as on the
// partition), and loses those the partition no longer has. Runs as the
// job's owner.
void complete_shadow_constraints(const Job& job, const SwapSpec& spec, Oid live, Oid shadow);

// Under the parent's lock: whether the shadow still has exactly the
// partition's CHECK constraints and foreign keys; the first difference,
// described, when it does not ("" when equal).
std::string shadow_constraints_behind(const ChunkRow& chunk, const SwapSpec& spec, Oid live,
                                      Oid shadow);

}  // namespace backfill::pg

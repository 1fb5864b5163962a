// Building a chunk: the write guard on the live partition, then the shadow
// loaded from the source, indexed, validated and analyzed, in one
// transaction that also marks the chunk built (or failed validation).
#pragma once

#include <cstdint>
#include <vector>

#include "pg/pg_error.hpp"
#include "pg/runner_common.hpp"
#include "pg/swap/chunk_plan.hpp"
#include "pg/swap/swap_spec.hpp"

namespace backfill::pg {

// Build, first half, in the caller's box for DDL on the owner's tables:
// the shadow of spec created like the partition, without the partition's
// NOT VALID checks, loaded from source (the chunk's, see chunk_source) in
// the job's box (bounded by statement_timeout); returns the rows loaded.
std::uint64_t load_shadow(const Job& job, const std::string& source, const LiveChunk& lc,
                          const SwapSpec& spec, const std::vector<NotValidCheck>& unvalidated);

// A build's error in backfill's own terms where its cause is known (a row
// outside the chunk's bounds), else its message.
std::string describe_build_error(const PgError& e, const Job& job, const ChunkRow& chunk);

// Build, second half: the shadow's indexes, foreign keys and statistics,
// and the NOT VALID checks back.
void finish_shadow(const SwapSpec& spec, const std::vector<NotValidCheck>& unvalidated);

// Builds a claimed chunk; returns Built, Retried, Failed, or rethrows a
// user's cancel.
Outcome build_chunk(const Job& job, const ChunkRow& chunk, const std::string& parent);

}  // namespace backfill::pg

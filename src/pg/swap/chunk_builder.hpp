// Building a chunk: the write guard on the live partition, then the shadow
// loaded from the source, indexed, validated and analyzed, in one
// transaction that also marks the chunk built (or failed validation).
#pragma once

#include "pg/runner_common.hpp"

namespace backfill::pg {

// Builds a claimed chunk; returns Built, Retried, Failed, or rethrows a
// user's cancel.
Outcome build_chunk(const Job& job, const ChunkRow& chunk, const std::string& parent);

}  // namespace backfill::pg

// A source per era (option sources): the eras checked when a job is
// planned, recorded in backfill.era when it is created, and the source of
// a chunk's era picked when it is built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/eras.hpp"
#include "pg/job_planning.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Reads the eras' bounds in the key's type, refuses eras that do not tile
// the job's range or a chunk that spans two (core/eras.hpp), and checks
// each era's source like a single source (resolved with search_path),
// naming the era in the refusal. Returns the bounds read.
std::vector<EraSpan> check_eras(const PlannedJob& plan, const std::string& search_path);

// Records the eras of a new job (plan.eras beside plan.options.sources).
void record_eras(std::int64_t job_id, const PlannedJob& plan);

// The source a chunk is built from: the job's, or that of the era holding
// the chunk. Throws PermanentFailure for a chunk no era holds (a partition
// added after create across an era's end).
std::string chunk_source(const Job& job, const ChunkRow& chunk);

}  // namespace backfill::pg

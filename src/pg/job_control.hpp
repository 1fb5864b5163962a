// The commands on a job other than running it: create, pause, cancel,
// rollback and purge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/job_planning.hpp"

namespace backfill::pg {

// Records a planned job and its chunks (state pending); returns its id.
std::int64_t create_job(const std::string& name, const PlannedJob& plan, const std::string& source,
                        const std::string& search_path);

void pause_job(const std::string& name);

// Stops the job for good and drops the shadows no session is working on.
void cancel_job(const std::string& name);

// Puts every published chunk's retained original back, in one transaction.
// Refuses when rows were written to a published partition, unless force.
int rollback_job(const std::string& name, bool force);

// Drops retained originals, leftover shadows and guard triggers.
int purge_job(const std::string& name);

}  // namespace backfill::pg

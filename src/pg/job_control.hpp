// The commands on a job other than running it: create, pause, cancel,
// rollback and purge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/job_planning.hpp"

namespace backfill::pg {

// Records a planned job and its chunks (state pending); returns its id.
// spec is the specification document it came from, if any.
std::int64_t create_job(const std::string& name, const PlannedJob& plan,
                        const std::optional<std::string>& source, const std::string& search_path,
                        const std::optional<std::string>& spec = std::nullopt);

// create_job, then background workers (max_concurrency of them).
std::int64_t start_job(const std::string& name, const PlannedJob& plan,
                       const std::optional<std::string>& source, const std::string& search_path,
                       const std::optional<std::string>& spec = std::nullopt);

// backfill.publish(): every built chunk in one transaction (manual mode, or
// to publish a job's built chunks now); completes the job when nothing else
// is left. Returns how many chunks were published.
int publish_job(const std::string& name);

void pause_job(const std::string& name);

// Changes options of a job that has not ended; runners apply them before
// their next chunk.
void set_job_options(const std::string& name, const std::string& options_json);

// A pending, paused or interrupted job goes (back) to running in the
// background; workers still alive are counted against max_concurrency.
void resume_job(const std::string& name);

// Failed chunks go back to pending and the job resumes; returns how many.
int retry_job(const std::string& name);

// Blocks until the job is in a terminal state or timeout_ms passed;
// returns the state at that moment.
std::string wait_job(const std::string& name, std::int64_t timeout_ms);

// Stops the job for good and drops the shadows no session is working on.
void cancel_job(const std::string& name);

// Puts every published chunk's retained original back, in one transaction.
// Refuses when rows were written to a published partition, unless force.
int rollback_job(const std::string& name, bool force);

// Drops retained originals, leftover shadows and guard triggers.
int purge_job(const std::string& name);

// backfill.approve(): a job with canary_chunks may publish past its
// canary; one paused at it is resumed in the background.
void approve_job(const std::string& name);

}  // namespace backfill::pg

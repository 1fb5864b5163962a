// What the steps of a chunk share: outcomes, failures, labels, and the
// live partition behind a chunk.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/user_error.hpp"
#include "pg/catalog.hpp"
#include "pg/job_store.hpp"
#include "pg/key_values.hpp"

namespace backfill::pg {

enum class Outcome { Built, Published, Failed, Retried, Stopped };

// A failure that no retry can fix (the partition went away, its bounds
// changed, validation said no): the chunk fails at once.
struct PermanentFailure : UserError {
    using UserError::UserError;
};

std::string job_key(const Job& job);

// Runs the extension's own statements one by one, quietly.
void run_all(const std::vector<std::string>& statements);

double ms_since(std::chrono::steady_clock::time_point t0);

// The target's qualified name as it is now.
std::string parent_name(const Job& job);

// The target's insertable columns, quoted, in order.
std::string insert_columns(const Job& job);

// What pg_stat_activity shows for this session.
void report_activity(const std::string& text);

void notice(const std::string& text);

// "chunk 3 (public.events_2024_01_03)"; a key-range chunk shows its range.
std::string chunk_label(const ChunkRow& chunk);

// After a chunk failed for good: the job fails too when on_failure is stop;
// either way last_error says why.
void stop_job_if_asked(const Job& job, const ChunkRow& chunk, const std::string& message);

// Records a failed attempt in its own step: back to pending while attempts
// remain (unless permanent), else failed, and the job failed too when
// on_failure is stop.
Outcome record_failure(const Job& job, const ChunkRow& chunk, const std::string& message,
                       bool permanent);

}  // namespace backfill::pg

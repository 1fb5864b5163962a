// Names of the objects a job creates: shadow and retained tables, their
// indexes, the write guard trigger and the helper bound CHECK. All stay
// within PostgreSQL's 63-byte identifier limit without cutting a UTF-8
// character, and stay unique per (job, chunk) however long the original.
#pragma once

#include <cstdint>
#include <string>

namespace backfill {

constexpr std::size_t kMaxIdentifierBytes = 63;

// Cuts text to at most max_bytes bytes, never inside a UTF-8 sequence.
std::string truncate_identifier(const std::string& text, std::size_t max_bytes);

// "<partition, truncated>_bf<job>_<chunk>_new" and "..._old".
std::string shadow_table_name(const std::string& partition, std::int64_t job_id, int chunk_no);
std::string retained_table_name(const std::string& partition, std::int64_t job_id, int chunk_no);

// Index names for the shadow ("..._bf<job>_<chunk>_n<k>") and for the
// retained original's indexes ("..._bf<job>_<chunk>_o<k>"), k = 1, 2, ...
std::string shadow_index_name(const std::string& partition, std::int64_t job_id, int chunk_no,
                              int k);
std::string retained_index_name(const std::string& index, std::int64_t job_id, int chunk_no, int k);

// "<target, truncated>_bf<job>_before" and "..._bf<job>_before_chunk": a
// merge job's before-image table and its index.
std::string before_image_name(const std::string& target, std::int64_t job_id);
std::string before_image_index_name(const std::string& target, std::int64_t job_id);
// "<target, truncated>_bf<job>_stage": a merge job's staging table
// (publication units).
std::string stage_table_name(const std::string& target, std::int64_t job_id);
std::string stage_table_index_name(const std::string& target, std::int64_t job_id);
// "backfill_guard_<job>": the trigger that records writes to a partition.
std::string guard_trigger_name(std::int64_t job_id);
// Whether a trigger named name (unquoted) is a job's guard or its TRUNCATE
// twin: backfill's own, not the user's.
bool is_guard_trigger_name(const std::string& name);

// "backfill_bound_<job>_<chunk>": the CHECK equal to the partition bound.
std::string bound_check_name(std::int64_t job_id, int chunk_no);

}  // namespace backfill

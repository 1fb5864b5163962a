// The control tables: reading jobs and chunks, recording new chunks (their
// states and the event log are state_store's). Every function here runs its
// SQL as the extension owner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/states.hpp"
#include "pg/catalog.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

struct Job {
    std::int64_t id = 0;
    std::string name;
    Oid owner = InvalidOid;
    Oid target = InvalidOid;
    std::string key_column;
    Oid key_type = InvalidOid;
    std::string source, search_path;
    std::string mode;  // how it puts rows in place: see pg/mode.hpp
    JobOptions options;
    JobState state = JobState::Pending;
    bool purged = false;  // purge dropped what it kept; its name is free again
};

// A chunk: a range of the key (lower_bound .. upper_bound). The partition
// names are those of a mode whose chunk is a partition ("" otherwise).
struct ChunkRow {
    int chunk_no = 0;
    std::string part_schema, part_name;
    std::string lower_bound, upper_bound, lower_key, upper_key;
    std::string shadow_name, retained_name;
    ChunkState state = ChunkState::Pending;
    int attempts = 0;
    bool retained = false;
    bool shadow_exists = false;
    // What the chunk guards, built and took out, by OID (InvalidOid: none).
    Oid live_oid = InvalidOid, shadow_oid = InvalidOid, retained_oid = InvalidOid;
    // Mode swap: the partition's bound when the job was created ("" for none).
    std::string part_bound;
    // The transaction that built (or last completed) the chunk's shadow
    // (invalid: none recorded).
    TransactionId build_xid = InvalidTransactionId;
};

// Parses an options jsonb (as text) with the core's rules.
JobOptions options_from_json(const std::string& json);

// The caller's job called name (a superuser without one of that name:
// anyone's, unless two roles use the name); otherwise an error as if it did
// not exist, so that no role learns another's job names. A name purged and
// used again means the job not purged; a purged job is found by its name
// only while no other job has it. for_update locks the row.
Job load_job(const std::string& name, bool for_update = false);

// The job with this id, whoever owns it (for workers, which run as its
// owner anyway), or nullopt when there is none.
std::optional<Job> load_job_by_id(std::int64_t id);

// The job's chunks in order; only those numbered in chunk_nos (an int[]
// literal such as "{3,4}") when given.
std::vector<ChunkRow> load_chunks(std::int64_t job_id,
                                  std::optional<std::string> chunk_nos = std::nullopt);

// Gathers statistics on backfill.chunk (ANALYZE, as the extension owner)
// when they do not count this job's chunks yet: a fresh install, or a
// first job that autovacuum has not visited. Without them the planner
// finds a chunk by number by reading every chunk of the job, a cost that
// grows with the job. Once per run, in its own step.
void know_chunk_statistics(std::int64_t job_id);

// Every chunk's state, in chunk order: cheaper than load_chunks when the
// runner only decides what to do next.
std::vector<ChunkState> chunk_states(std::int64_t job_id);

// The job's built chunks in order: what a publisher reads first (the
// chunk_unfinished index finds them without reading the others).
std::vector<ChunkRow> load_built_chunks(std::int64_t job_id);

// {1,2,3}: an int[] literal.
std::string int_array(const std::vector<int>& values);

// {"a","b"}: a text[] (or name[]) literal, each element quoted.
std::string text_array(const std::vector<std::string>& values);

// Runs a statement on the control tables as the extension owner.
std::uint64_t control_execute(const std::string& sql, const std::vector<Value>& params);
std::vector<Row> control_query(const std::string& sql, const std::vector<Value>& params);
std::vector<Row> control_query_latest(const std::string& sql, const std::vector<Value>& params);

}  // namespace backfill::pg

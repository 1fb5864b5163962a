#include "pg/runner_common.hpp"

#include "core/attempts.hpp"
#include "pg/pg_error.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

std::string job_key(const Job& job) { return std::to_string(job.id); }

void run_all(const std::vector<std::string>& statements) {
    for (const auto& s : statements)
        execute_quietly(s);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string parent_name(const Job& job) {
    // from the catalog caches, always qualified: what regclass prints under
    // backfill's own search_path, without a statement
    const char* qualified_name = pg_guard([&]() -> const char* {
        char* name = get_rel_name(job.target);
        char* schema =
            name != nullptr ? get_namespace_name(get_rel_namespace(job.target)) : nullptr;
        return schema != nullptr ? quote_qualified_identifier(schema, name) : nullptr;
    });
    return qualified_name != nullptr ? std::string(qualified_name) : std::to_string(job.target);
}

std::string insert_columns(const Job& job) {
    return *scalar(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum)"
        " FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = ''",
        {std::to_string(job.target)});
}

void report_activity(const std::string& text) {
    pg_guard([&]() { pgstat_report_activity(STATE_RUNNING, text.c_str()); });
}

void notice(const std::string& text) {
    pg_guard([&]() { ereport(NOTICE, (errmsg("%s", text.c_str()))); });
}

std::string chunk_label(const ChunkRow& chunk) {
    std::string what = chunk.part_name.empty() ? chunk.lower_bound + " .. " + chunk.upper_bound
                                               : qualified(chunk.part_schema, chunk.part_name);
    return "chunk " + std::to_string(chunk.chunk_no) + " (" + what + ")";
}

void stop_job_if_asked(const Job& job, const ChunkRow& chunk, const std::string& message) {
    std::string error = chunk_label(chunk) + ": " + message;
    if (failure_stops_job(job.options.on_failure, lock_job_state(job)))
        change_job_state(job, JobState::Failed, EventNote{Event::JobFailed, error});
    control_execute("UPDATE backfill.job SET last_error = $2 WHERE id = $1::bigint",
                    {job_key(job), error});
}

// Records a failed attempt: back to pending while attempts remain, else
// failed (and the job failed too when on_failure is stop). Its own step.
Outcome record_failure(const Job& job, const ChunkRow& chunk, const std::string& message,
                       bool permanent) {
    bool final = record_failed_try(job, chunk.chunk_no, message, permanent) == ChunkState::Failed;
    pg_guard([&]() {
        ereport(WARNING, (errmsg("backfill job \"%s\": %s %s: %s", job.name.c_str(),
                                 chunk_label(chunk).c_str(), final ? "failed" : "will be retried",
                                 message.c_str())));
    });
    if (final)
        stop_job_if_asked(job, chunk, message);
    commit_step();
    return final ? Outcome::Failed : Outcome::Retried;
}

}  // namespace backfill::pg

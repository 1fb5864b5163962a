#include "pg/runner_common.hpp"

#include "core/attempts.hpp"
#include "pg/job_tables.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/swap_spec.hpp"
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
    return *scalar("SELECT $1::oid::regclass::text", {std::to_string(job.target)});
}

std::string insert_columns(const Job& job) {
    return *scalar(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum)"
        " FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = ''",
        {std::to_string(job.target)});
}

LiveChunk live_chunk(const Job& job, const ChunkRow& chunk) {
    auto live = live_partition(job.target, chunk.part_schema, chunk.part_name);
    std::string qname = qualified(chunk.part_schema, chunk.part_name);
    if (!live)
        throw PermanentFailure(ErrorKind::WrongState,
                               "partition " + qname + " is no longer a partition of the target",
                               "Create a new job for the table as it is now.");
    PartitionBounds b = bounds_from_node(live->bound_node, job.key_type);
    if (b.lower.sort_key != chunk.lower_key || b.upper.sort_key != chunk.upper_key)
        throw PermanentFailure(
            ErrorKind::WrongState,
            "the bounds of partition " + qname + " changed since the job was created",
            "Create a new job for the table as it is now.");
    return LiveChunk{*live, b.lower, b.upper};
}

ChunkPlan plan_chunk(const Job& job, const ChunkRow& chunk, const std::string& parent) {
    LiveChunk lc = live_chunk(job, chunk);
    SwapSpec spec = swap_spec(job, chunk, parent, typed_literal(lc.lower, job.key_type),
                              typed_literal(lc.upper, job.key_type), {});
    spec.columns = insert_columns(job);
    describe_live_partition(lc.live.oid, job, chunk, spec);
    return ChunkPlan{lc, spec};
}

void report_activity(const std::string& text) {
    pg_guard([&]() { pgstat_report_activity(STATE_RUNNING, text.c_str()); });
}

void notice(const std::string& text) {
    pg_guard([&]() { ereport(NOTICE, (errmsg("%s", text.c_str()))); });
}

std::string chunk_label(const ChunkRow& chunk) {
    return "chunk " + std::to_string(chunk.chunk_no) + " (" +
           qualified(chunk.part_schema, chunk.part_name) + ")";
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

// Drops the shadow the chunk built (by OID, as the job's owner) and puts
// the chunk back to pending (cancel, writes seen); a chunk published
// meanwhile keeps its tables.
void discard_shadow(const Job& job, const ChunkRow& chunk) {
    auto shadow = control_query(
        "SELECT shadow_oid FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
    if (!discard_chunk_build(job, chunk.chunk_no))
        return;
    if (!shadow.empty() && shadow[0][0]) {
        OwnerBox box(job.owner, kSafeSearchPath);
        drop_own_table(static_cast<Oid>(std::stoul(*shadow[0][0])));
    }
}

void install_guard(const SwapSpec& spec, const std::string& table, const std::string& phase) {
    AsExtensionOwner owner;
    run_all(drop_guard_statements(spec, table));
    run_all(guard_trigger_statements(spec, table, phase));
}

}  // namespace backfill::pg

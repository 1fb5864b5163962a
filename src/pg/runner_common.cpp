#include "pg/runner_common.hpp"

#include "pg/job_tables.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
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
    if (job.options.on_failure == OnFailure::Stop) {
        control_execute(
            "UPDATE backfill.job SET state = 'failed', finished_at = now(), last_error = $2"
            " WHERE id = $1::bigint",
            {job_key(job), chunk_label(chunk) + ": " + message});
        log_event(job, std::nullopt, "job_failed", chunk_label(chunk) + ": " + message);
    } else {
        control_execute("UPDATE backfill.job SET last_error = $2 WHERE id = $1::bigint",
                        {job_key(job), chunk_label(chunk) + ": " + message});
    }
}

// Records a failed attempt: back to pending while attempts remain, else
// failed (and the job failed too when on_failure is stop). Its own step.
Outcome record_failure(const Job& job, const ChunkRow& chunk, const std::string& message,
                       bool permanent) {
    auto rows = control_query(
        "SELECT attempts FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
    int attempts = std::stoi(*rows[0][0]);
    bool final = permanent || attempts >= job.options.max_attempts;
    control_execute(
        "UPDATE backfill.chunk SET state = $3, error = $4, shadow_exists = false,"
        " finished_at = CASE WHEN $3 = 'failed' THEN now() END"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no), final ? "failed" : "pending", message});
    log_event(job, chunk.chunk_no, final ? "chunk_failed" : "chunk_retry",
              message + " (attempt " + std::to_string(attempts) + " of " +
                  std::to_string(job.options.max_attempts) + ")");
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
// the chunk back to pending (cancel, writes seen).
void discard_shadow(const Job& job, const ChunkRow& chunk) {
    auto shadow = control_query(
        "SELECT shadow_oid FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
    if (!shadow.empty() && shadow[0][0]) {
        OwnerBox box(job.owner, kSafeSearchPath);
        drop_own_table(static_cast<Oid>(std::stoul(*shadow[0][0])));
    }
    control_execute(
        "UPDATE backfill.chunk SET state = 'pending', shadow_exists = false, shadow_oid = NULL"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
}

void install_guard(const SwapSpec& spec, const std::string& table, const std::string& phase) {
    AsExtensionOwner owner;
    run_all(drop_guard_statements(spec, table));
    run_all(guard_trigger_statements(spec, table, phase));
}

}  // namespace backfill::pg

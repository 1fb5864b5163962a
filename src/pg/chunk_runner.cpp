#include "pg/chunk_runner.hpp"

#include <chrono>

#include "core/names.hpp"
#include "core/swap_ddl.hpp"
#include "core/user_error.hpp"
#include "pg/catalog.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/job_store.hpp"
#include "pg/key_values.hpp"
#include "pg/session_context.hpp"
#include "pg/swap_spec.hpp"
#include "pg/throttle_probe.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

enum class Outcome { Published, Failed, Retried, Stopped };

// Thrown inside the publishing transaction when the guard saw a write to
// the live partition during the build: the swap must not happen.
struct WritesSeen {};

// A failure that no retry can fix (the partition went away, its bounds
// changed): the chunk fails at once.
struct PermanentFailure : UserError {
    using UserError::UserError;
};

std::string job_key(const Job& job) { return std::to_string(job.id); }

// Runs statements one by one.
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

// The target's insertable columns, quoted, in order.
std::string insert_columns(const Job& job) {
    return *scalar(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum)"
        " FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = ''",
        {std::to_string(job.target)});
}

// The live partition of a chunk and its bounds as they are now; refuses a
// partition that went away or changed bounds since the job was created.
struct LiveChunk {
    LivePartition live;
    Bound lower, upper;
};
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

// --- the build's own statement_timeout -------------------------------------

TimeoutId build_timeout_id = MAX_TIMEOUTS;
volatile sig_atomic_t build_timed_out = false;

// Timeout handler: cancel the running statement, and remember it was ours.
void on_build_timeout() {
    build_timed_out = true;
    QueryCancelPending = true;
    InterruptPending = true;
    SetLatch(MyLatch);
}

// statement_timeout does not reach statements run inside a procedure, so
// the build is timed with a timeout of its own.
class BuildTimer {
public:
    explicit BuildTimer(std::optional<std::int64_t> limit_us) : armed_(limit_us.has_value()) {
        if (!armed_)
            return;
        if (build_timeout_id == MAX_TIMEOUTS)
            build_timeout_id = RegisterTimeout(USER_TIMEOUT, on_build_timeout);
        build_timed_out = false;
        int ms = static_cast<int>(std::max<std::int64_t>(1, *limit_us / 1000));
        enable_timeout_after(build_timeout_id, ms);
    }
    ~BuildTimer() {
        if (armed_)
            disable_timeout(build_timeout_id, false);
    }
    BuildTimer(const BuildTimer&) = delete;
    BuildTimer& operator=(const BuildTimer&) = delete;

private:
    bool armed_;
};

// --- recording ---------------------------------------------------------------

// What pg_stat_activity shows for this session.
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
    if (final && job.options.on_failure == OnFailure::Stop) {
        control_execute(
            "UPDATE backfill.job SET state = 'failed', finished_at = now(), last_error = $2"
            " WHERE id = $1::bigint",
            {job_key(job), chunk_label(chunk) + ": " + message});
        log_event(job, std::nullopt, "job_failed", chunk_label(chunk) + ": " + message);
    } else if (final) {
        control_execute("UPDATE backfill.job SET last_error = $2 WHERE id = $1::bigint",
                        {job_key(job), chunk_label(chunk) + ": " + message});
    }
    commit_step();
    return final ? Outcome::Failed : Outcome::Retried;
}

// Rewords errors that have a known cause in backfill's own terms.
std::string describe_build_error(const PgError& e, const Job& job, const ChunkRow& chunk) {
    if (e.sqlerrcode == ERRCODE_CHECK_VIOLATION &&
        e.message.find(bound_check_name(job.id, chunk.chunk_no)) != std::string::npos)
        return "the source returned a row outside the chunk's bounds [" + chunk.lower_bound + ", " +
               chunk.upper_bound + "); filter it with " + job.key_column + " >= $1 AND " +
               job.key_column + " < $2";
    return e.message;
}

// --- the steps of a chunk ------------------------------------------------------

// Step 1: the guard trigger on the live partition, a clean slate for the
// shadow, and the attempt counted. Committed before the build starts, so
// every write the build's snapshot misses is recorded.
void prepare_build(const Job& job, const ChunkRow& chunk, const SwapSpec& spec) {
    std::string live = spec.schema + "." + spec.partition;
    bool locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
        run_all(drop_guard_statements(spec, live));
        run_all(guard_trigger_statements(spec, live, "build"));
    });
    if (!locked)
        throw UserError(ErrorKind::WrongState,
                        "could not lock partition " + live + " to install the write guard",
                        "Long transactions on the partition block it; retry later.");
    execute_quietly("DROP TABLE IF EXISTS " + spec.schema + "." + spec.shadow);
    control_execute(
        "DELETE FROM backfill.chunk_write WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
    control_execute(
        "UPDATE backfill.chunk SET state = 'running', attempts = attempts + 1, error = NULL,"
        " started_at = coalesce(started_at, now()), shadow_exists = false"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
    commit_step();
}

// Step 2: shadow created, loaded from the source, indexed, analyzed; the
// chunk becomes built in the same transaction.
void build_shadow(const Job& job, const ChunkRow& chunk, const LiveChunk& lc, SwapSpec& spec) {
    std::string shadow = spec.schema + "." + spec.shadow;
    auto t0 = std::chrono::steady_clock::now();
    in_subtransaction([&]() {
        std::string rows_before =
            *scalar("SELECT count(*) FROM " + spec.schema + "." + spec.partition);
        run_all(create_shadow_statements(spec));
        auto unvalidated = not_valid_checks(lc.live.oid);
        for (const auto& c : unvalidated)
            execute("ALTER TABLE " + shadow + " DROP CONSTRAINT " + c.name);
        std::uint64_t rows_after;
        {
            ScopedSearchPath path(job.search_path);
            BuildTimer timer(job.options.statement_timeout_us);
            rows_after = execute_with_bounds(load_shadow_statement(spec, job.source), job.key_type,
                                             lc.lower, lc.upper);
        }
        run_all(finish_shadow_statements(spec));
        for (const auto& c : unvalidated)
            execute("ALTER TABLE " + shadow + " ADD CONSTRAINT " + c.name + " " + c.definition);
        run_all(copy_ownership_statements(lc.live.oid, shadow));
        control_execute(
            "UPDATE backfill.chunk SET state = 'built', rows_before = $3::bigint,"
            " rows_after = $4::bigint, build_ms = $5::numeric, shadow_exists = true,"
            " index_names = $6::name[] WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {job_key(job), std::to_string(chunk.chunk_no), rows_before, std::to_string(rows_after),
             std::to_string(ms_since(t0)),
             scalar("SELECT pg_catalog.array_agg(i.relname ORDER BY i.relname)::text"
                    " FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i"
                    " ON i.oid = x.indexrelid WHERE x.indrelid = $1::oid",
                    {std::to_string(lc.live.oid)})
                 .value_or("{}")});
        log_event(job, chunk.chunk_no, "chunk_built",
                  std::to_string(rows_after) + " rows (was " + rows_before + ")");
    });
    commit_step();
}

// Drops a shadow and puts the chunk back to pending (cancel, writes seen).
void discard_shadow(const Job& job, const ChunkRow& chunk, const SwapSpec& spec) {
    execute_quietly("DROP TABLE IF EXISTS " + spec.schema + "." + spec.shadow);
    control_execute(
        "UPDATE backfill.chunk SET state = 'pending', shadow_exists = false"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no)});
}

// Step 3: the publishing transaction. Lock the parent, detach the live
// partition, refuse if the guard saw a write, swap names, attach the shadow.
Outcome publish(const Job& job, const ChunkRow& chunk, const SwapSpec& spec) {
    enum class Result { Published, Cancelled };
    Result result = Result::Published;
    std::chrono::steady_clock::time_point locked_at;
    bool locked;
    try {
        locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
            execute(lock_parent_statement(spec));
            locked_at = std::chrono::steady_clock::now();
            auto state = control_query("SELECT state FROM backfill.job WHERE id = $1::bigint",
                                       {job_key(job)});
            if (*state[0][0] == "cancelled") {
                result = Result::Cancelled;
                return;
            }
            auto live = live_partition(job.target, chunk.part_schema, chunk.part_name);
            if (!live)
                throw PermanentFailure(ErrorKind::WrongState, "partition disappeared", "");
            execute(detach_statement(spec));
            auto writes = control_query(
                "SELECT count(*) FROM backfill.chunk_write WHERE job_id = $1::bigint"
                " AND chunk_no = $2::int AND phase = 'build'",
                {job_key(job), std::to_string(chunk.chunk_no)});
            if (*writes[0][0] != "0")
                throw WritesSeen{};
            run_all(swap_in_statements(spec, live->bound_spec));
            if (!job.options.retain)
                execute("DROP TABLE " + spec.schema + "." + spec.retained);
            control_execute(
                "UPDATE backfill.chunk SET state = 'published', retained = $3::boolean,"
                " shadow_exists = false, finished_at = now(), error = NULL"
                " WHERE job_id = $1::bigint AND chunk_no = $2::int",
                {job_key(job), std::to_string(chunk.chunk_no), job.options.retain ? "t" : "f"});
        });
    } catch (const WritesSeen&) {
        discard_shadow(job, chunk, spec);
        commit_step();
        return record_failure(job, chunk,
                              "rows of partition " + qualified(chunk.part_schema, chunk.part_name) +
                                  " were written while its shadow was built; rebuilding",
                              false);
    }
    if (!locked)
        return record_failure(job, chunk,
                              "could not lock " + spec.parent + " within lock_timeout in " +
                                  std::to_string(job.options.swap_retries) + " tries",
                              false);
    if (result == Result::Cancelled) {
        discard_shadow(job, chunk, spec);
        commit_step();
        return Outcome::Stopped;
    }
    commit_step();
    double swap_ms = ms_since(locked_at);
    control_execute(
        "UPDATE backfill.chunk SET swap_ms = round($3::numeric, 3)"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {job_key(job), std::to_string(chunk.chunk_no), std::to_string(swap_ms)});
    log_event(job, chunk.chunk_no, "chunk_published",
              "swap held the parent's lock for " + std::to_string(swap_ms) + " ms");
    commit_step();
    return Outcome::Published;
}

// Builds (unless already built) and publishes one claimed chunk.
Outcome process_chunk(const Job& job, const ChunkRow& chunk, const std::string& parent) {
    SwapSpec spec;
    try {
        LiveChunk lc = live_chunk(job, chunk);
        spec = swap_spec(job, chunk, parent, typed_literal(lc.lower, job.key_type),
                         typed_literal(lc.upper, job.key_type), {});
        spec.columns = insert_columns(job);
        describe_live_partition(lc.live.oid, job, chunk, spec);
        if (chunk.state != ChunkState::Built) {
            prepare_build(job, chunk, spec);
            build_shadow(job, chunk, lc, spec);
        }
    } catch (const PermanentFailure& e) {
        return record_failure(job, chunk, e.what(), true);
    } catch (const UserError& e) {
        return record_failure(job, chunk, e.what(), false);
    } catch (const PgError& e) {
        if (is_user_cancel(e) && !build_timed_out)
            throw;
        std::string message = build_timed_out ? "building the chunk exceeded statement_timeout"
                                              : describe_build_error(e, job, chunk);
        build_timed_out = false;
        return record_failure(job, chunk, message, false);
    }
    return publish(job, chunk, spec);
}

// Takes the next chunk nobody works on: pending ones, and running or built
// ones whose session is gone (their chunk lock is free).
std::optional<ChunkRow> claim_next(const Job& job) {
    auto rows = control_query(
        "SELECT chunk_no FROM backfill.chunk WHERE job_id = $1::bigint"
        " AND state IN ('pending', 'running', 'built') ORDER BY chunk_no FOR UPDATE SKIP LOCKED",
        {job_key(job)});
    for (const auto& r : rows) {
        int chunk_no = std::stoi(*r[0]);
        if (!try_lock_chunk(job.id, chunk_no))
            continue;
        for (auto& c : load_chunks(job.id))
            if (c.chunk_no == chunk_no) {
                commit_step();
                return c;
            }
    }
    commit_step();
    return std::nullopt;
}

// Once no chunk is left to claim: completed or failed, if nobody else is
// still working on one.
void settle(const Job& job) {
    auto rows = control_query(
        "SELECT count(*), count(*) FILTER (WHERE state = 'published'),"
        " count(*) FILTER (WHERE state = 'failed'),"
        " count(*) FILTER (WHERE state IN ('pending', 'running', 'built'))"
        " FROM backfill.chunk WHERE job_id = $1::bigint",
        {job_key(job)});
    if (*rows[0][3] != "0")
        return;
    JobState next =
        settled_state(std::stoi(*rows[0][0]), std::stoi(*rows[0][1]), std::stoi(*rows[0][2]));
    auto current = control_query("SELECT state FROM backfill.job WHERE id = $1::bigint FOR UPDATE",
                                 {job_key(job)});
    if (*current[0][0] != "running")
        return;
    Job updated = job;
    set_job_state(updated, next);
    log_event(job, std::nullopt, next == JobState::Completed ? "job_completed" : "job_failed",
              *rows[0][1] + " of " + *rows[0][0] + " chunks published");
    notice("backfill job \"" + job.name + "\" " + to_string(next) + ": " + *rows[0][1] + " of " +
           *rows[0][0] + " chunks published");
}

// The loop every runner shares: claim a chunk, process it, until the job
// is no longer running, nothing is left to claim, or max_chunks is reached.
void work_job(const Job& initial, std::optional<int> max_chunks) {
    Job job = initial;
    std::string parent = parent_name(job);
    int processed = 0;
    for (;;) {
        if (max_chunks && processed >= *max_chunks)
            break;
        if (!wait_until_allowed(job)) {
            auto now = load_job_by_id(job.id);
            notice("backfill job \"" + job.name + "\" is " +
                   (now ? to_string(now->state) : std::string("gone")) + "; stopping");
            break;
        }
        auto chunk = claim_next(job);
        if (!chunk) {
            settle(job);
            commit_step();
            break;
        }
        report_activity("backfill job \"" + job.name + "\": " + chunk_label(*chunk));
        auto started = std::chrono::steady_clock::now();
        std::int64_t wal_before = wal_insert_position();
        Outcome outcome = process_chunk(job, *chunk, parent);
        unlock_chunk();
        add_job_wal(job, wal_insert_position() - wal_before);
        commit_step();
        if (outcome == Outcome::Published)
            notice("backfill job \"" + job.name + "\": " + chunk_label(*chunk) + " published");
        if (outcome == Outcome::Published || outcome == Outcome::Failed)
            processed++;
        if (outcome == Outcome::Stopped)
            break;
        report_activity("backfill job \"" + job.name + "\": pausing between chunks");
        auto chunk_us = static_cast<std::int64_t>(ms_since(started) * 1000);
        if (!pause_between_chunks(job, chunk_us))
            continue;
    }
}

// Holds the job's runner lock for the duration of work_job.
void work_job_locked(const Job& job, std::optional<int> max_chunks) {
    lock_job(job.id);
    try {
        work_job(job, max_chunks);
    } catch (...) {
        unlock_job();
        throw;
    }
    unlock_job();
}

}  // namespace

void release_claimed_chunk() { unlock_chunk(); }

void run_job(const std::string& name, std::optional<int> max_chunks) {
    set_local_search_path(kSafeSearchPath);
    Job job = load_job(name, true);
    if (job.owner != current_role())
        throw UserError(ErrorKind::WrongState,
                        "backfill job \"" + job.name + "\" belongs to role " + role_name(job.owner),
                        "A job runs with its owner's rights: SET ROLE " + role_name(job.owner) +
                            " first, or run it in the background as its owner with "
                            "backfill.resume(name).");
    Transition t = apply_command(job.state, JobCommand::Run, job.name);
    if (t.noop) {
        notice(t.notice);
        return;
    }
    set_job_state(job, JobState::Running);
    log_event(job, std::nullopt, "run", "foreground run in backend " + std::to_string(MyProcPid));
    commit_step();
    work_job_locked(job, max_chunks);
}

void run_job_in_worker(std::int64_t job_id) {
    set_local_search_path(kSafeSearchPath);
    auto job = load_job_by_id(job_id);
    if (!job || job->state != JobState::Running) {
        commit_step();
        return;
    }
    log_event(*job, std::nullopt, "worker_started", "backend " + std::to_string(MyProcPid));
    commit_step();
    work_job_locked(*job, std::nullopt);
}

}  // namespace backfill::pg

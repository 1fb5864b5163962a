#include "pg/throttle_probe.hpp"

#include <chrono>

#include "core/daily_budget.hpp"
#include "core/lock_space.hpp"
#include "core/throttle.hpp"
#include "core/worker_budget.hpp"
#include "pg/key_values.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"
#include "pg/worker_slots.hpp"

namespace backfill::pg {

namespace {

std::string key(const Job& job) { return std::to_string(job.id); }

std::optional<double> opt_double(const Value& v) {
    if (!v)
        return std::nullopt;
    return std::stod(*v);
}

std::optional<std::int64_t> opt_int(const Value& v) {
    if (!v)
        return std::nullopt;
    return std::stoll(*v);
}

// Runs the user's throttle_query as the job's owner with the job's
// search_path, in a subtransaction so that its failure holds the job
// instead of breaking the run.
void probe_throttle_query(const Job& job, ServerSignals& s) {
    try {
        in_subtransaction([&]() {
            OwnerBox box(job.owner, job.search_path);
            auto v = scalar("SELECT (" + *job.options.throttle_query + "\n)::boolean");
            s.throttle_query = v && *v == "t";
        });
    } catch (const PgError& e) {
        if (is_user_cancel(e))
            throw;
        s.throttle_query_error = e.message;
    }
}

// Other client sessions that are busy: running a statement or inside a
// transaction, leaving out those sitting in backfill.wait().
const std::string kBusyBackends =
    "SELECT count(*) FROM pg_catalog.pg_stat_activity a"
    " WHERE a.state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
    " AND a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks w WHERE w.pid = a.pid"
    "  AND w.locktype = 'advisory' AND w.objsubid = " +
    std::to_string(lock_space::kWaiter) + " AND w.granted)";

int count_busy_backends() {
    // pg_stat_activity is a snapshot per transaction: clear it to resample.
    pg_guard([]() { pgstat_clear_snapshot(); });
    return std::stoi(*control_query(kBusyBackends, {})[0][0]);
}

// The rows the job's chunks wrote (jobs.rows_written's measure) that were
// published at or after day_start, a wall-clock time of the server's time
// zone in seconds since 1970 (max_rows_per_day).
std::int64_t rows_written_since(const Job& job, std::int64_t day_start) {
    return std::stoll(*control_query(
        "SELECT coalesce(sum(coalesce(c.rows_inserted + c.rows_updated + c.rows_deleted,"
        "  c.rows_after)), 0)"
        " FROM backfill.chunk c, pg_catalog.pg_settings t"
        " WHERE t.name = 'TimeZone' AND c.job_id = $1::bigint AND c.state = 'published'"
        " AND extract(epoch FROM c.finished_at AT TIME ZONE t.reset_val) >= $2::bigint",
        {key(job), std::to_string(day_start)})[0][0]);
}

// The minute of the day, the busy sessions (counted only for a job that
// asks: reading pg_stat_activity and pg_locks is costly), the job's WAL
// rate and the rows written today, as the job's options ask.
void measure_clock_and_load(const Job& job, ServerSignals& s) {
    const JobOptions& o = job.options;
    auto base = control_query(
        "SELECT (extract(hour FROM now() AT TIME ZONE t.reset_val) * 60"
        "  + extract(minute FROM now() AT TIME ZONE t.reset_val))::int,"
        " (" +
            (o.max_active_backends ? kBusyBackends : std::string("SELECT 0")) +
            "),"
            " j.wal_bytes / nullif(extract(epoch FROM now() - j.started_at), 0),"
            " floor(extract(epoch FROM now() AT TIME ZONE t.reset_val))::bigint"
            " FROM pg_catalog.pg_settings t, backfill.job j"
            " WHERE t.name = 'TimeZone' AND j.id = $1::bigint",
        {key(job)});
    s.minute_of_day = std::stoi(*base[0][0]);
    s.active_backends = std::stoi(*base[0][1]);
    // Sessions flicker between busy and idle from one statement to the
    // next: take the busiest of a few samples over 200 ms.
    if (o.max_active_backends)
        for (int i = 0; i < 4; i++) {
            sleep_ms(50);
            s.active_backends = std::max(s.active_backends, count_busy_backends());
        }
    if (o.max_wal_rate)
        s.job_wal_rate = opt_double(base[0][2]);
    if (o.max_rows_per_day)
        s.rows_today = rows_written_since(job, day_began(std::stoll(*base[0][3])));
}

// How far the standbys and replication slots are behind, read as the
// extension owner.
void measure_replication_lag(ServerSignals& s) {
    auto lag = control_query(
        "SELECT (SELECT max(extract(epoch FROM r.replay_lag)) FROM "
        "pg_catalog.pg_stat_replication r),"
        " greatest("
        "  (SELECT max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
        "r.replay_lsn))"
        "   FROM pg_catalog.pg_stat_replication r),"
        "  (SELECT max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(),"
        "           coalesce(sl.confirmed_flush_lsn, sl.restart_lsn)))"
        "   FROM pg_catalog.pg_replication_slots sl WHERE sl.active OR sl.wal_status <> "
        "'lost'))"
        "::bigint",
        {});
    s.replication_lag_s = opt_double(lag[0][0]);
    s.replication_lag_bytes = opt_int(lag[0][1]);
}

// Measures only the signals the job's options ask for. Statistics views are
// read as the extension owner, so that a job owner without
// pg_read_all_stats does not see NULLs (which would never hold the job).
ServerSignals measure(const Job& job) {
    const JobOptions& o = job.options;
    ServerSignals s;
    // The clock, the busy sessions and the WAL rate are read only for a
    // job with a limit on them: for a small chunk, that read cost more
    // than its build.
    if (!o.windows.empty() || o.max_active_backends || o.max_wal_rate || o.max_rows_per_day)
        measure_clock_and_load(job, s);
    if (o.max_replication_lag_us || o.max_replication_lag_bytes)
        measure_replication_lag(s);
    if (o.throttle_query)
        probe_throttle_query(job, s);
    return s;
}

// What pg_stat_activity shows while the job is held.
void report_throttle(const Job& job, const std::string& reason) {
    std::string text = "backfill job \"" + job.name + "\": held by " + reason;
    pg_guard([&]() { pgstat_report_activity(STATE_RUNNING, text.c_str()); });
}

void set_throttled_by(const Job& job, const Value& reason) {
    control_execute("UPDATE backfill.job SET throttled_by = $2 WHERE id = $1::bigint",
                    {key(job), reason});
}

// The job this session already found not held; see clear_inherited_hold.
std::int64_t found_free_job = 0;

// A worker that gave its slot back leaves throttled_by set (the launcher
// reads it as "probe with one worker"); the first runner after it that
// finds the job free clears it, once.
void clear_inherited_hold(const Job& job) {
    if (found_free_job == job.id)
        return;
    control_execute(
        "UPDATE backfill.job SET throttled_by = NULL WHERE id = $1::bigint"
        " AND throttled_by IS NOT NULL",
        {key(job)});
    found_free_job = job.id;
}

// A held worker keeps a slot of backfill.max_workers that other jobs could
// use: past the hold limit it leaves, and the launcher relaunches the job
// (throttled_by stays set, which tells it to probe with one worker).
bool give_back_slot(const Job& job, const std::string& reason,
                    std::chrono::steady_clock::time_point held_since) {
    auto held_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - held_since)
                       .count();
    if (!should_give_back(held_ms, holds_worker_slot(), launcher_running()))
        return false;
    log_event(job, std::nullopt, Event::ThrottleYield,
              "held " + std::to_string(held_ms / 1000) + " s by " + reason +
                  "; the worker gives its slot back and the launcher relaunches the job");
    return true;
}

}  // namespace

Gate wait_until_allowed(Job& job) {
    bool holding = false;
    auto held_since = std::chrono::steady_clock::now();
    int clear_checks = 0;
    std::string last_reason;
    for (;;) {
        auto fresh = load_job_by_id(job.id);
        if (!fresh || fresh->state != JobState::Running) {
            if (holding)
                set_throttled_by(job, std::nullopt);
            commit_step();
            return Gate::Stopped;
        }
        job.options = fresh->options;
        ThrottleDecision d = decide(job.options, measure(job));
        if (!d.hold) {
            // A held job is released only once the signals stayed clear
            // for kReleaseAfterClearChecks checks in a row: a busy server
            // flickers between busy and idle from one sample to the next.
            if (holding && ++clear_checks < kReleaseAfterClearChecks) {
                commit_step();
                sleep_ms(250);
                continue;
            }
            if (holding) {
                set_throttled_by(job, std::nullopt);
                log_event(job, std::nullopt, Event::ThrottleRelease, "");
            } else {
                clear_inherited_hold(job);
            }
            commit_step();
            return Gate::Go;
        }
        clear_checks = 0;
        if (!holding) {
            log_event(job, std::nullopt, Event::ThrottleHold, d.reason);
            holding = true;
            held_since = std::chrono::steady_clock::now();
        }
        if (d.reason != last_reason) {
            set_throttled_by(job, d.reason);
            last_reason = d.reason;
            report_throttle(job, d.reason);
        }
        if (give_back_slot(job, d.reason, held_since)) {
            commit_step();
            return Gate::GaveBack;
        }
        commit_step();
        sleep_ms(250);
    }
}

bool pause_between_chunks(const Job& job, std::int64_t chunk_us) {
    std::int64_t left_ms = pause_after_chunk_us(job.options, chunk_us) / 1000;
    while (left_ms > 0) {
        std::int64_t slice = std::min<std::int64_t>(left_ms, 250);
        sleep_ms(slice);
        left_ms -= slice;
        auto fresh = load_job_by_id(job.id);
        if (!fresh || fresh->state != JobState::Running)
            return false;
    }
    return true;
}

void JobWalTally::write(const Job& job, bool now) {
    auto at = std::chrono::steady_clock::now();
    bool due = now || job.options.max_wal_rate || at - written_ >= std::chrono::seconds(1);
    if (!due || pending_ == 0)
        return;
    control_execute(
        "UPDATE backfill.job SET wal_bytes = wal_bytes + $2::bigint WHERE id = $1::bigint",
        {key(job), std::to_string(pending_)});
    pending_ = 0;
    written_ = at;
}

std::int64_t wal_insert_position() {
    return static_cast<std::int64_t>(pg_guard([]() { return GetXLogInsertRecPtr(); }));
}

}  // namespace backfill::pg

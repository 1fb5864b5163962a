#include "pg/rehearsal.hpp"

#include <chrono>

#include "core/user_error.hpp"
#include "pg/build_timer.hpp"
#include "pg/mode.hpp"
#include "pg/pg_error.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/time_dependence.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// The chunk to rehearse: chunk_no, or the first pending one. Refuses one
// out of range, and one whose build is running or done (its tables exist).
ChunkRow chunk_to_rehearse(const Job& job, std::optional<int> chunk_no) {
    std::vector<ChunkRow> chunks = load_chunks(job.id);
    const ChunkRow* chosen = nullptr;
    for (const auto& c : chunks)
        if (chunk_no ? c.chunk_no == *chunk_no : c.state == ChunkState::Pending) {
            chosen = &c;
            break;
        }
    if (!chosen && chunk_no)
        throw UserError(
            ErrorKind::InvalidParameter,
            "backfill job \"" + job.name + "\" has no chunk " + std::to_string(*chunk_no),
            "Its chunks are numbered 1 to " + std::to_string(chunks.size()) +
                "; see backfill.chunks.");
    if (!chosen)
        throw UserError(ErrorKind::WrongState,
                        "backfill job \"" + job.name + "\" has no pending chunk to rehearse",
                        "Name a chunk: SELECT * FROM backfill.rehearse('" + job.name + "', 1).");
    if (chosen->state == ChunkState::Running || chosen->state == ChunkState::Built)
        throw UserError(ErrorKind::WrongState,
                        chunk_label(*chosen) + " of backfill job \"" + job.name + "\" is " +
                            to_string(chosen->state) + "; a rehearsal builds a chunk afresh",
                        "Rehearse a chunk that is not being built or waiting to be published.");
    return *chosen;
}

// One build, rolled back: its figures, or the error it met.
RehearsalBuild build_once(const Job& job, const ChunkRow& chunk) {
    RehearsalBuild build;
    auto t0 = std::chrono::steady_clock::now();
    try {
        in_rolled_back_subtransaction([&]() { build = mode_of(job).rehearse_build(job, chunk); });
    } catch (const UserError& e) {
        build.error = e.what();
    } catch (const PgError& e) {
        bool timed_out = build_timed_out();
        if (is_user_cancel(e) && !timed_out)
            throw;
        build.error = timed_out ? "building the chunk exceeded statement_timeout" : e.message;
    }
    if (build.error)
        build.build_ms = ms_since(t0);
    return build;
}

// The estimated rows of the chunk and of the whole job.
JobEstimate estimate_of(const Job& job, int chunk_no) {
    Row r = control_query(
        "SELECT coalesce(sum(est_rows) FILTER (WHERE chunk_no = $2::int), 0),"
        " coalesce(sum(est_rows), 0), count(*) FROM backfill.chunk WHERE job_id = $1::bigint",
        {job_key(job), std::to_string(chunk_no)})[0];
    return JobEstimate{std::stoll(*r[0]), std::stoll(*r[1]), std::stoi(*r[2])};
}

// "(id, day)": the key as the checks name it.
std::string key_text(const std::vector<std::string>& key) {
    std::string out;
    for (const auto& k : key)
        out += (out.empty() ? "" : ", ") + k;
    return key.empty() ? "" : "(" + out + ")";
}

// Both builds, the checks over them, and the event rehearsed.
std::vector<RehearsalCheck> rehearse_chunk(const Job& job, const ChunkRow& chunk) {
    report_activity("backfill job \"" + job.name + "\": rehearsing " + chunk_label(chunk));
    RehearsalBuild first = build_once(job, chunk);
    RehearsalBuild second = build_once(job, chunk);
    auto checks = rehearsal_checks(first, second, transaction_time_calls(job),
                                   key_text(mode_of(job).row_key(job)), job.options.validate,
                                   estimate_of(job, chunk.chunk_no));
    auto failure = first_failure(checks);
    log_event(job, chunk.chunk_no, Event::Rehearsed,
              failure ? *failure
                      : "every check passed; " + checks.back().name + ": " + checks.back().detail);
    return checks;
}

}  // namespace

void measure_rows(const Job& job, RehearsalBuild& build, const std::string& from,
                  const std::vector<std::string>& key) {
    OwnerBox box(job.owner, kOurSql);
    Row r = query(
        "SELECT count(*), coalesce(sum(pg_catalog.hashtextextended(r::text, 0)::numeric), 0)"
        " FROM " +
        from + " AS r")[0];
    build.rows = std::stoll(*r[0]);
    build.checksum = *r[1];
    if (key.empty())
        return;
    std::string columns;
    for (const auto& k : key)
        columns += (columns.empty() ? "" : ", ") + k;
    build.duplicate_keys = std::stoll(*scalar("SELECT count(*) FROM (SELECT 1 FROM " + from +
                                              " GROUP BY " + columns + " HAVING count(*) > 1) d"));
}

std::vector<RehearsalCheck> rehearse_job(const std::string& name, std::optional<int> chunk_no) {
    Job job = load_job(name);
    ChunkRow chunk = chunk_to_rehearse(job, chunk_no);
    // a superuser rehearses as the owner, like the job's runners: the
    // temporary tables a merge build makes are then the owner's
    RoleSwitch as_owner(job.owner, SECURITY_LOCAL_USERID_CHANGE);
    return rehearse_chunk(job, chunk);
}

bool rehearsal_allows_run(const Job& job) {
    if (!job.options.rehearse)
        return true;
    bool tried = !control_query(
                      "SELECT 1 FROM backfill.chunk WHERE job_id = $1::bigint"
                      " AND (state <> 'pending' OR attempts > 0) LIMIT 1",
                      {job_key(job)})
                      .empty();
    if (tried)
        return true;
    std::vector<ChunkRow> chunks = load_chunks(job.id);
    if (chunks.empty())
        return true;
    auto failure = first_failure(rehearse_chunk(job, chunks.front()));
    if (!failure)
        return true;
    std::string error = chunk_label(chunks.front()) + ": " + *failure;
    if (lock_job_state(job) == JobState::Running)
        change_job_state(job, JobState::Failed, EventNote{Event::JobFailed, error});
    control_execute("UPDATE backfill.job SET last_error = $2 WHERE id = $1::bigint",
                    {job_key(job), error});
    pg_guard([&]() {
        ereport(WARNING, (errmsg("backfill job \"%s\" failed its rehearsal: %s", job.name.c_str(),
                                 error.c_str())));
    });
    return false;
}

}  // namespace backfill::pg

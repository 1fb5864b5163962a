#include "pg/job_control.hpp"

#include "core/partition_shapes.hpp"
#include "core/settlement.hpp"
#include "core/snapshot_view.hpp"
#include "core/user_error.hpp"
#include "pg/job_overlap.hpp"
#include "pg/job_planning.hpp"
#include "pg/job_store.hpp"
#include "pg/mode.hpp"
#include "pg/restored_jobs.hpp"
#include "pg/session_context.hpp"
#include "pg/snapshot_view.hpp"
#include "pg/source_eras.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"
#include "pg/workers.hpp"

namespace backfill::pg {

namespace {

std::string key(const Job& job) { return std::to_string(job.id); }

// Loads the job (locked) and checks that the command applies to its state.
// Returns nullopt (after a NOTICE) when there is nothing to do.
std::optional<std::pair<Job, Transition>> begin_command(const std::string& name,
                                                        JobCommand command) {
    Job job = load_job(name, true);
    Transition t = apply_command(job.state, command, job.name);
    if (t.noop) {
        notice(t.notice);
        return std::nullopt;
    }
    return std::make_pair(job, t);
}

}  // namespace

std::int64_t create_job(const std::string& name, const PlannedJob& plan,
                        const std::optional<std::string>& source, const std::string& search_path,
                        const std::optional<std::string>& spec) {
    if (name.empty())
        throw UserError(ErrorKind::InvalidParameter, "job name must not be empty",
                        "Name the job after what it fixes, e.g. 'revenue-tax-fix'.");
    adopt_restored_jobs();
    if (!control_query("SELECT 1 FROM backfill.job WHERE name = $1 AND owner = $2::oid"
                       " AND purged_at IS NULL",
                       {name, std::to_string(current_role())})
             .empty())
        throw UserError(ErrorKind::InvalidParameter, "backfill job \"" + name + "\" already exists",
                        "Choose another name, or look at the existing job in backfill.jobs.");
    refuse_overlapping_jobs(plan.target, plan.chunks);
    auto id_row = control_query(
        "INSERT INTO backfill.job (name, owner, target, key_column, key_type, source, search_path,"
        " range_from, range_to, options, mode, target_schema, target_name, owner_name, home)"
        " VALUES ($1, $2::oid, $3::oid, $4, $5::oid, $6, $7, $8, $9, $10::jsonb, $11, $12, $13,"
        " pg_catalog.pg_get_userbyid($2::oid), backfill.database_identity()) RETURNING id",
        {name, std::to_string(current_role()), std::to_string(plan.target.oid),
         plan.target.key_column, std::to_string(plan.target.key_type), source, search_path,
         plan.range_from ? Value(plan.range_from->text) : std::nullopt,
         plan.range_to ? Value(plan.range_to->text) : std::nullopt, options_to_json(plan.options),
         plan.options.mode, plan.target.schema, plan.target.name});
    std::int64_t id = std::stoll(*id_row[0][0]);
    if (spec)
        control_execute("UPDATE backfill.job SET spec = $2::jsonb WHERE id = $1::bigint",
                        {std::to_string(id), spec});
    Job job;
    job.id = id;
    job.name = name;
    job.mode = plan.options.mode;
    mode_of(job).record_chunks(id, plan);
    create_snapshot_view(id, plan);
    record_eras(id, plan);
    std::string range_note = plan.range_note.empty() ? "" : "; " + plan.range_note;
    log_event(
        job, std::nullopt, Event::Created,
        std::to_string(plan.chunks.size()) + " chunk(s) of " + plan.target.qualified + range_note);
    notice("backfill job \"" + name + "\" created: " + std::to_string(plan.chunks.size()) +
           " chunk(s) of " + plan.target.qualified + range_note);
    return id;
}

namespace {

// Launches the workers a running job lacks; refuses when none could start.
void launch_for(const Job& job, int wanted) {
    if (wanted <= 0)
        return;
    if (*control_query("SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE oid = $1::oid",
                       {std::to_string(job.owner)})[0][0] != "t")
        throw UserError(ErrorKind::InvalidParameter,
                        "role \"" + role_name(job.owner) +
                            "\" cannot log in, so no background "
                            "worker can run backfill job \"" +
                            job.name + "\" as it",
                        "Background workers connect as the job's owner. Grant it LOGIN, or run "
                        "the job in the foreground: SET ROLE to it, then CALL backfill.run(name).");
    int launched = launch_workers(job, wanted);
    if (launched == 0)
        throw UserError(
            ErrorKind::WrongState,
            "could not start a background worker for backfill job \"" + job.name + "\"",
            "All of max_worker_processes, backfill.max_workers or this role's share of them "
            "(backfill.max_workers_per_role) are in use. Wait for a job to end, ask for more, "
            "or run the job in the foreground with CALL backfill.run(name).");
    log_event(job, std::nullopt, Event::Launched, std::to_string(launched) + " worker(s)");
    if (launched < wanted)
        notice("backfill job \"" + job.name + "\": started " + std::to_string(launched) + " of " +
               std::to_string(wanted) + " workers (no more worker slots)");
}

// How many workers a job should get now: max_concurrency, no more than
// its open chunks, minus the sessions already working on it.
int workers_wanted(const Job& job) {
    int open =
        std::stoi(*control_query("SELECT count(*) FROM backfill.chunk WHERE job_id = $1::bigint"
                                 " AND state IN ('pending', 'running', 'built')",
                                 {key(job)})[0][0]);
    int alive = static_cast<int>(job_runner_pids(job).size());
    return std::min(job.options.max_concurrency, open) - alive;
}

}  // namespace

std::int64_t start_job(const std::string& name, const PlannedJob& plan,
                       const std::optional<std::string>& source, const std::string& search_path,
                       const std::optional<std::string>& spec) {
    std::int64_t id = create_job(name, plan, source, search_path, spec);
    Job job = load_job(name, true);
    // No event of its own: create logged the job, the launch its workers.
    change_job_state(job, JobState::Running, std::nullopt);
    launch_for(job, workers_wanted(job));
    return id;
}

void resume_job(const std::string& name) {
    auto begun = begin_command(name, JobCommand::Resume);
    if (!begun)
        return;
    const Job& job = begun->first;
    change_job_state(job, JobState::Running, EventNote{Event::Resumed, ""});
    int wanted = workers_wanted(job);
    if (wanted <= 0) {
        notice("backfill job \"" + job.name + "\" already has its workers");
        return;
    }
    launch_for(job, wanted);
}

int retry_job(const std::string& name) {
    auto begun = begin_command(name, JobCommand::Retry);
    if (!begun)
        return 0;
    const Job& job = begun->first;
    int n = reset_failed_chunks(job);
    control_execute("UPDATE backfill.job SET last_error = NULL WHERE id = $1::bigint", {key(job)});
    change_job_state(
        job, JobState::Running,
        EventNote{Event::Retry, std::to_string(n) + " failed chunk(s) back to pending"});
    launch_for(job, workers_wanted(job));
    return n;
}

std::string wait_job(const std::string& name, std::int64_t timeout_ms) {
    Job job = load_job(name);
    TimestampTz deadline = GetCurrentTimestamp() + timeout_ms * 1000;
    for (;;) {
        // A fresh snapshot each time: in a REPEATABLE READ transaction the
        // transaction's own would show the state as of its start for ever.
        std::string state = *control_query_latest(
            "SELECT state FROM backfill.job WHERE id = $1::bigint", {key(job)})[0][0];
        if (is_terminal(parse_job_state(state)))
            return state;
        std::int64_t left = (deadline - GetCurrentTimestamp()) / 1000;
        if (left <= 0)
            return state;
        sleep_ms(std::min<std::int64_t>(left, 100));
    }
}

void set_job_options(const std::string& name, const std::string& options_json) {
    Job job = load_job(name, true);
    if (is_terminal(job.state))
        throw UserError(ErrorKind::WrongState,
                        "backfill job \"" + job.name + "\" is " + to_string(job.state),
                        "Options can only be changed before the job ends.");
    if (*control_query("SELECT $1::jsonb OPERATOR(pg_catalog.?) 'sources'", {options_json})[0][0] ==
        "t")
        throw UserError(ErrorKind::InvalidParameter,
                        "option \"sources\" cannot be changed once the job is created",
                        "Its chunks were checked against the eras at create: create a new job for "
                        "other eras.");
    std::string merged = *control_query(
        "SELECT (options || $2::jsonb)::text FROM backfill.job WHERE id = $1::bigint",
        {key(job), options_json})[0][0];
    JobOptions options = options_from_json(merged);
    if (auto refusal = shape_option_change_refusal(job.options, options))
        throw *refusal;
    if (auto refusal = snapshot_view_change_refusal(job.options, options))
        throw *refusal;
    {
        // The same checks as create(), as the job's owner.
        OwnerBox box(job.owner, kOurSql);
        check_option_queries(options, parent_name(job), job.search_path);
    }
    if (options.max_concurrency != job.options.max_concurrency && job.state == JobState::Running)
        notice("max_concurrency applies to workers started from now on (resume, retry)");
    control_execute("UPDATE backfill.job SET options = $2::jsonb WHERE id = $1::bigint",
                    {key(job), options_to_json(options)});
    log_event(job, std::nullopt, Event::OptionsChanged, options_json);
}

int publish_job(const std::string& name) {
    Job job = load_job(name, true);
    OwnerBox box(job.owner, kOurSql);
    if (is_terminal(job.state))
        throw UserError(ErrorKind::WrongState,
                        "backfill job \"" + job.name + "\" is " + to_string(job.state),
                        "Only a job that has not ended has chunks to publish.");
    int n = mode_of(job).publish_all_built(job);
    mode_of(job).adopt_new_chunks(job);
    // The runners' settle decision; publish() acts on it only when it
    // completes the job (a failure or a pause is the runners' to settle).
    ChunkTally tally = tally_of(chunk_states(job.id));
    if (settle_job(tally, job.options.publish) == Settlement::Completed) {
        change_job_state(
            job, JobState::Completed,
            EventNote{Event::JobCompleted, std::to_string(tally.published) + " chunks published"});
        mode_of(job).announce_uncovered(job);
    }
    notice("backfill job \"" + job.name + "\": " + std::to_string(n) +
           " chunk(s) published in one transaction");
    return n;
}

void pause_job(const std::string& name) {
    auto begun = begin_command(name, JobCommand::Pause);
    if (!begun)
        return;
    const Job& job = begun->first;
    // A worker only building a chunk stops at once (its transaction rolls
    // back cleanly); one publishing finishes that short step first.
    std::vector<int> building = building_worker_pids(job);
    cancel_sessions_on_commit(building);
    change_job_state(
        job, JobState::Paused,
        EventNote{Event::Paused, building.empty() ? ""
                                                  : std::to_string(building.size()) +
                                                        " build(s) in flight aborted"});
}

void cancel_job(const std::string& name) {
    auto begun = begin_command(name, JobCommand::Cancel);
    if (!begun)
        return;
    const Job& job = begun->first;
    OwnerBox box(job.owner, kOurSql);
    control_execute("UPDATE backfill.job SET throttled_by = NULL WHERE id = $1::bigint",
                    {key(job)});
    cancel_sessions_on_commit(job_runner_pids(job));
    int dropped = mode_of(job).discard_unpublished(job);
    // The state with its event, once the shadows are counted (all in this
    // one transaction, its row locked from the start).
    change_job_state(
        job, JobState::Cancelled,
        EventNote{Event::Cancelled, std::to_string(dropped) + " unpublished shadows dropped"});
    notice("backfill job \"" + job.name + "\" cancelled; " + std::to_string(dropped) +
           " unpublished shadow(s) dropped, published chunks stay published");
}

int rollback_job(const std::string& name, bool force) {
    auto begun = begin_command(name, JobCommand::Rollback);
    if (!begun)
        return 0;
    const Job& job = begun->first;
    OwnerBox box(job.owner, kOurSql);
    int restored = mode_of(job).rollback(job, force);
    change_job_state(job, JobState::RolledBack,
                     EventNote{Event::RolledBack, std::to_string(restored) + " chunks restored"});
    notice("backfill job \"" + job.name + "\" rolled back: " + std::to_string(restored) +
           " chunk(s) restored");
    return restored;
}

int purge_job(const std::string& name) {
    Job job = load_job(name, true);
    apply_command(job.state, JobCommand::Purge, job.name);
    OwnerBox box(job.owner, kOurSql);
    // first: the view depends on the retained originals purge drops
    drop_snapshot_view(job);
    int dropped = mode_of(job).purge(job);
    log_event(job, std::nullopt, Event::Purged, std::to_string(dropped) + " tables dropped");
    // the name is free again; the job stays readable by id
    control_execute(
        "UPDATE backfill.job SET purged_at = coalesce(purged_at, now()) WHERE id = $1::bigint",
        {key(job)});
    notice("backfill job \"" + job.name + "\" purged: " + std::to_string(dropped) +
           " table(s) dropped");
    return dropped;
}

// The approval is recorded once, before or after the canary is published;
// a paused job goes on at once, like resume.
void approve_job(const std::string& name) {
    Job job = load_job(name, true);
    if (!job.options.canary_chunks)
        throw UserError(ErrorKind::WrongState, "backfill job \"" + job.name + "\" has no canary",
                        "Only a job created with the option canary_chunks waits for approval.");
    if (is_terminal(job.state))
        throw UserError(ErrorKind::WrongState,
                        "backfill job \"" + job.name + "\" is " + to_string(job.state),
                        "Only a job that has not ended can be approved.");
    std::string by = role_name(current_role());
    if (control_execute("UPDATE backfill.job SET approved_at = now(), approved_by = $2"
                        " WHERE id = $1::bigint AND approved_at IS NULL",
                        {key(job), by}) == 0) {
        notice("backfill job \"" + job.name + "\" is already approved");
        return;
    }
    log_event(job, std::nullopt, Event::Approved, "by " + by);
    if (job.state != JobState::Paused)
        return;
    // A job run in the foreground (pg_cron) may have no worker to go on
    // with: it is running again, and the next CALL backfill.run goes on.
    try {
        resume_job(name);
    } catch (const UserError& e) {
        notice(std::string(e.what()) + "; CALL backfill.run(name) goes on with it");
    }
}

}  // namespace backfill::pg

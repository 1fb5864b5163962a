#include "pg/job_control.hpp"

#include "core/names.hpp"
#include "core/settlement.hpp"
#include "core/swap_ddl.hpp"
#include "core/user_error.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/job_overlap.hpp"
#include "pg/job_planning.hpp"
#include "pg/job_store.hpp"
#include "pg/job_tables.hpp"
#include "pg/key_values.hpp"
#include "pg/partition_watch.hpp"
#include "pg/publisher.hpp"
#include "pg/releases.hpp"
#include "pg/session_context.hpp"
#include "pg/shadow_constraints.hpp"
#include "pg/shadow_indexes.hpp"
#include "pg/state_store.hpp"
#include "pg/swap_spec.hpp"
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

// The names recorded for a chunk's indexes (column "index_names") or
// extended statistics ("statistics_names"), in recorded order.
std::vector<std::string> names_of(const Job& job, int chunk_no, const std::string& column) {
    auto rows =
        control_query("SELECT pg_catalog.unnest(" + column +
                          ") FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
                      {key(job), std::to_string(chunk_no)});
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back(*r[0]);
    return out;
}

// A swap spec for a chunk whose partition is live now, with the names
// recorded at build time.
SwapSpec spec_for(const Job& job, const ChunkRow& chunk) {
    std::string parent = *scalar("SELECT $1::oid::regclass::text", {std::to_string(job.target)});
    return swap_spec(job, chunk, parent, "", "", names_of(job, chunk.chunk_no, "index_names"),
                     names_of(job, chunk.chunk_no, "statistics_names"));
}

// Drops the guard triggers a job left on a live partition (waiting for the
// lock politely); false when the lock could not be had.
bool drop_guard(const Job& job, const ChunkRow& chunk, const SwapSpec& spec) {
    std::string live = spec.schema + "." + spec.partition;
    if (!relation_named(chunk.part_schema, chunk.part_name).has_value())
        return true;
    return with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
        for (const auto& s : drop_guard_statements(spec, live))
            execute_quietly(s);
    });
}

// Rollback puts back only what this job itself published: the live
// partition must still be the table the chunk swapped in, and the retained
// original the one it took out; otherwise it refuses, saying what changed.
void require_own_published(const Job& job, const ChunkRow& c, Oid live_oid) {
    std::string qname = qualified(c.part_schema, c.part_name);
    if (live_oid != c.live_oid) {
        // The job that took this job's table out; another role's job is
        // named by its owner only (job names are private per owner).
        auto newer = control_query(
            "SELECT CASE WHEN j.owner = $2::oid THEN 'backfill job \"' || j.name || '\"'"
            " ELSE 'a backfill job of role ' || pg_catalog.pg_get_userbyid(j.owner) END"
            " FROM backfill.chunk ch JOIN backfill.job j ON j.id = ch.job_id"
            " WHERE ch.retained_oid = $1::oid ORDER BY j.id DESC LIMIT 1",
            {std::to_string(c.live_oid), std::to_string(job.owner)});
        throw UserError(
            ErrorKind::WrongState,
            "partition " + qname + " was replaced after backfill job \"" + job.name +
                "\" published it" +
                (newer.empty() ? std::string(" (by DDL)") : " (by " + *newer[0][0] + ")"),
            "Rolling back would discard the newer table and the rows written to it. "
            "Roll back the newer job first, or leave this job as it is.");
    }
    auto retained = relation_named(c.part_schema, c.retained_name);
    if (!retained || retained->oid != c.retained_oid || retained->is_partition)
        throw UserError(
            ErrorKind::WrongState,
            "the retained original of " + qname + " (" + qualified(c.part_schema, c.retained_name) +
                ") is missing or is not the table backfill job \"" + job.name + "\" took out",
            "It was dropped, renamed or replaced; this chunk cannot be rolled back.");
    require_name_free(c.part_schema, c.shadow_name, InvalidOid,
                      "the rolled-back table of chunk " + std::to_string(c.chunk_no));
}

// Rollback would lose rows written to a published chunk since: refused
// (unless forced). Checked under the parent's lock with a fresh snapshot,
// so a write committed just before is seen whatever the caller's isolation.
void refuse_if_written_since_publication(const Job& job) {
    auto written = control_query_latest(
        "SELECT pg_catalog.string_agg(DISTINCT chunk_no::text, ', ') FROM backfill.chunk_write"
        " WHERE job_id = $1::bigint AND phase = 'live'",
        {key(job)});
    if (written[0][0])
        throw UserError(ErrorKind::WrongState,
                        "rows were written to published chunk(s) " + *written[0][0] +
                            " of backfill job \"" + job.name + "\" after they were published",
                        "Rolling back would lose those writes. Copy them out first, then call "
                        "backfill.rollback(name, force => true).");
}

// Purge drops a table a chunk set aside (its retained original, or the
// table a rollback took out) only while nobody wrote to it since: the guard
// left on it records such writes (phase 'retained'). The table is locked
// before the check, made with a fresh snapshot, so no write can commit
// between the check and the drop. Refuses, naming the table.
void refuse_if_written_since_set_aside(const Job& job, const ChunkRow& c, Oid table) {
    auto name = query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, r.relname) FROM pg_catalog.pg_class r"
        " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
        " WHERE r.oid = $1::oid AND r.relkind = 'r' AND NOT r.relispartition",
        {std::to_string(table)});
    if (name.empty())
        return;
    execute_quietly("LOCK TABLE " + *name[0][0] + " IN ACCESS EXCLUSIVE MODE");
    if (control_query_latest("SELECT 1 FROM backfill.chunk_write WHERE job_id = $1::bigint"
                             " AND chunk_no = $2::int AND phase = 'retained' LIMIT 1",
                             {key(job), std::to_string(c.chunk_no)})
            .empty())
        return;
    throw UserError(ErrorKind::WrongState,
                    "rows were written to " + *name[0][0] + " after backfill job \"" + job.name +
                        "\" set it aside (" + chunk_label(c) + ")",
                    "Purging would lose them, so nothing was dropped. Copy what you need out of "
                    "it, drop it yourself, then purge again.");
}

// The spec seen from the retained original, the table a rollback brings
// back: the shadow-side names name it.
SwapSpec retained_view(const SwapSpec& spec) {
    SwapSpec view = spec;
    view.shadow = spec.retained;
    return view;
}

// Under the parent's lock: the retained original's indexes paired with the
// live partition's. An index created on the parent after the indexes were
// completed would be built under the lock: the rollback stops instead.
void pair_indexes_for_restore(const Job& job, const ChunkRow& c, SwapSpec& spec, Oid live) {
    try {
        pair_for_restore(job, c, spec, live, c.retained_oid);
    } catch (const ShadowBehind&) {
        throw UserError(ErrorKind::WrongState,
                        "an index was created on the target while backfill job \"" + job.name +
                            "\" was being rolled back",
                        "Nothing was rolled back. Call backfill.rollback again.");
    }
}

}  // namespace

std::int64_t create_job(const std::string& name, const PlannedJob& plan, const std::string& source,
                        const std::string& search_path, const std::optional<std::string>& spec) {
    if (name.empty())
        throw UserError(ErrorKind::InvalidParameter, "job name must not be empty",
                        "Name the job after what it fixes, e.g. 'revenue-tax-fix'.");
    if (!control_query("SELECT 1 FROM backfill.job WHERE name = $1 AND owner = $2::oid",
                       {name, std::to_string(current_role())})
             .empty())
        throw UserError(ErrorKind::InvalidParameter, "backfill job \"" + name + "\" already exists",
                        "Choose another name, or look at the existing job in backfill.jobs.");
    refuse_overlapping_jobs(plan.target, plan.chunks);
    auto id_row = control_query(
        "INSERT INTO backfill.job (name, owner, target, key_column, key_type, source, search_path,"
        " range_from, range_to, options) VALUES ($1, $2::oid, $3::oid, $4, $5::oid, $6, $7, $8, $9,"
        " $10::jsonb) RETURNING id",
        {name, std::to_string(current_role()), std::to_string(plan.target.oid),
         plan.target.key_column, std::to_string(plan.target.key_type), source, search_path,
         plan.range_from ? Value(plan.range_from->text) : std::nullopt,
         plan.range_to ? Value(plan.range_to->text) : std::nullopt, options_to_json(plan.options)});
    std::int64_t id = std::stoll(*id_row[0][0]);
    if (spec)
        control_execute("UPDATE backfill.job SET spec = $2::jsonb WHERE id = $1::bigint",
                        {std::to_string(id), spec});
    for (const auto& c : plan.chunks)
        insert_chunk(id, c.chunk_no, plan.target.refs[c.partition_index],
                     plan.target.partitions[c.partition_index]);
    Job job;
    job.id = id;
    job.name = name;
    log_event(job, std::nullopt, Event::Created,
              std::to_string(plan.chunks.size()) + " chunk(s) of " + plan.target.qualified);
    notice("backfill job \"" + name + "\" created: " + std::to_string(plan.chunks.size()) +
           " chunk(s) of " + plan.target.qualified);
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

std::int64_t start_job(const std::string& name, const PlannedJob& plan, const std::string& source,
                       const std::string& search_path, const std::optional<std::string>& spec) {
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
    std::string merged = *control_query(
        "SELECT (options || $2::jsonb)::text FROM backfill.job WHERE id = $1::bigint",
        {key(job), options_json})[0][0];
    JobOptions options = options_from_json(merged);
    {
        // The same checks as create(), as the job's owner.
        OwnerBox box(job.owner, kSafeSearchPath);
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
    OwnerBox box(job.owner, kSafeSearchPath);
    if (is_terminal(job.state))
        throw UserError(ErrorKind::WrongState,
                        "backfill job \"" + job.name + "\" is " + to_string(job.state),
                        "Only a job that has not ended has chunks to publish.");
    int n = publish_all_built(job);
    adopt_new_partitions(job);
    // The runners' settle decision; publish() acts on it only when it
    // completes the job (a failure or a pause is the runners' to settle).
    ChunkTally tally = tally_of(chunk_states(job.id));
    if (settle_job(tally, job.options.publish) == Settlement::Completed) {
        change_job_state(
            job, JobState::Completed,
            EventNote{Event::JobCompleted, std::to_string(tally.published) + " chunks published"});
        announce_skipped_partitions(job);
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
    OwnerBox box(job.owner, kSafeSearchPath);
    control_execute("UPDATE backfill.job SET throttled_by = NULL WHERE id = $1::bigint",
                    {key(job)});
    cancel_sessions_on_commit(job_runner_pids(job));
    int dropped = 0;
    for (const auto& chunk : load_chunks(job.id)) {
        if (!build_discardable(chunk.state))
            continue;
        ChunkLock lock;
        if (!lock.try_take(job.id, chunk.chunk_no))
            continue;  // its runner cleans up
        SwapSpec spec = spec_for(job, chunk);
        if (drop_own_table(chunk.shadow_oid))
            dropped++;
        drop_guard(job, chunk, spec);
        if (chunk.state != ChunkState::Failed)
            discard_chunk_build(job, chunk.chunk_no);
    }
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
    OwnerBox box(job.owner, kSafeSearchPath);
    std::vector<ChunkRow> published;
    for (const auto& c : load_chunks(job.id))
        if (c.state == ChunkState::Published)
            published.push_back(c);
    for (const auto& c : published)
        if (!c.retained)
            throw UserError(
                ErrorKind::WrongState,
                "chunk " + std::to_string(c.chunk_no) + " of backfill job \"" + job.name +
                    "\" has no retained original",
                "The job ran with retain = false or was purged; it cannot be rolled back.");
    std::vector<SwapSpec> specs;
    for (const auto& c : published) {
        auto live = live_partition(job.target, c.part_schema, c.part_name);
        if (!live)
            throw UserError(
                ErrorKind::WrongState,
                "partition " + qualified(c.part_schema, c.part_name) + " is no longer attached",
                "Reattach it, then roll back.");
        require_own_published(job, c, live->oid);
        PartitionBounds b = bounds_from_node(live->bound_node, job.key_type);
        SwapSpec spec = spec_for(job, c);
        spec.lower_literal = typed_literal(b.lower, job.key_type);
        spec.upper_literal = typed_literal(b.upper, job.key_type);
        for (const auto& s : prepare_restore_statements(spec))
            execute_quietly(s);
        complete_retained_indexes(job, c, spec, live->oid, c.retained_oid);
        complete_shadow_constraints(job, retained_view(spec), live->oid, c.retained_oid);
        specs.push_back(spec);
    }
    bool locked = with_lock_retries(job.options.lock_timeout_us, job.options.swap_retries, [&]() {
        if (specs.empty())
            return;
        execute(lock_parent_statement(specs.front()));
        if (!force)
            refuse_if_written_since_publication(job);
        for (std::size_t i = 0; i < specs.size(); i++) {
            auto live =
                live_partition(job.target, published[i].part_schema, published[i].part_name);
            if (!live)
                throw UserError(ErrorKind::WrongState,
                                "partition " +
                                    qualified(published[i].part_schema, published[i].part_name) +
                                    " was detached while the rollback waited for its lock",
                                "Reattach it, then roll back.");
            require_own_published(job, published[i], live->oid);
            pair_indexes_for_restore(job, published[i], specs[i], live->oid);
            std::string behind = shadow_constraints_behind(published[i], retained_view(specs[i]),
                                                           live->oid, published[i].retained_oid);
            if (!behind.empty())
                throw UserError(ErrorKind::WrongState,
                                "a constraint changed on the target while backfill job \"" +
                                    job.name + "\" was being rolled back (" + behind + ")",
                                "Nothing was rolled back. Call backfill.rollback again.");
            for (const auto& s : restore_statements(specs[i], live->bound_spec))
                execute_quietly(s);
        }
    });
    if (!locked)
        throw UserError(
            ErrorKind::WrongState,
            "could not lock the target within lock_timeout to roll back backfill job \"" +
                job.name + "\"",
            "Long transactions hold the table; retry, or raise lock_timeout in the job's options.");
    std::vector<int> numbers;
    for (const auto& c : published)
        numbers.push_back(c.chunk_no);
    if (!numbers.empty())
        record_release(job, "rollback", numbers);
    record_chunks_rolled_back(job);
    // Writes to the retained originals are live again, nothing to keep.
    control_execute(
        "DELETE FROM backfill.chunk_write WHERE job_id = $1::bigint AND phase = 'retained'",
        {key(job)});
    change_job_state(
        job, JobState::RolledBack,
        EventNote{Event::RolledBack, std::to_string(published.size()) + " chunks restored"});
    notice("backfill job \"" + job.name + "\" rolled back: " + std::to_string(published.size()) +
           " partition(s) restored");
    return static_cast<int>(published.size());
}

int purge_job(const std::string& name) {
    Job job = load_job(name, true);
    apply_command(job.state, JobCommand::Purge, job.name);
    OwnerBox box(job.owner, kSafeSearchPath);
    int dropped = 0;
    std::vector<ChunkRow> chunks = load_chunks(job.id);
    for (const auto& chunk : chunks)
        refuse_if_written_since_set_aside(job, chunk,
                                          chunk.retained ? chunk.retained_oid : chunk.shadow_oid);
    for (const auto& chunk : chunks) {
        ChunkLock lock;
        if (!lock.try_take(job.id, chunk.chunk_no))
            continue;
        SwapSpec spec = spec_for(job, chunk);
        // Only what this job made and nothing attached: drop_own_table
        // goes by OID and leaves partitions alone.
        if (chunk.retained && drop_own_table(chunk.retained_oid))
            dropped++;
        if (drop_own_table(chunk.shadow_oid))
            dropped++;
        drop_guard(job, chunk, spec);
        control_execute(
            "UPDATE backfill.chunk SET retained = false, shadow_exists = false,"
            " retained_oid = NULL, shadow_oid = NULL"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {key(job), std::to_string(chunk.chunk_no)});
    }
    control_execute("DELETE FROM backfill.chunk_write WHERE job_id = $1::bigint", {key(job)});
    log_event(job, std::nullopt, Event::Purged, std::to_string(dropped) + " tables dropped");
    notice("backfill job \"" + job.name + "\" purged: " + std::to_string(dropped) +
           " table(s) dropped");
    return dropped;
}

}  // namespace backfill::pg

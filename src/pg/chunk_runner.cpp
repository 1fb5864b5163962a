#include "pg/chunk_runner.hpp"

#include "core/claim_miss.hpp"
#include "core/lock_space.hpp"
#include "core/settlement.hpp"
#include "core/snapshot_wait.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/mode.hpp"
#include "pg/rehearsal.hpp"
#include "pg/runner_memory.hpp"
#include "pg/scratch_memory.hpp"
#include "pg/session_context.hpp"
#include "pg/state_store.hpp"
#include "pg/throttle_probe.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// The chunks of job $1 nobody works on: pending, or running with their
// chunk lock ($3: the lock space, $2: this database) free, which is the
// case when the session that ran them is gone (see chunk_lock.cpp).
constexpr const char* kFreeChunks =
    " FROM backfill.chunk WHERE job_id = $1::bigint"
    " AND state IN ('pending', 'running')"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory'"
    "  AND l.objsubid = $3::int AND l.granted AND l.classid = job_id::oid"
    "  AND l.objid = chunk_no::oid AND l.database = $2::oid)";

// The parameters of kFreeChunks.
std::vector<Value> free_chunk_params(const Job& job) {
    return {job_key(job), std::to_string(MyDatabaseId), std::to_string(lock_space::kChunk)};
}

// How many chunks a claim tries first without asking pg_locks which ones
// others hold: reading pg_locks copies the server's whole lock table (0.3
// ms per chunk with max_locks_per_transaction = 1024), and the chunk lock
// decides anyway. Only when that many are all held does the claim ask.
constexpr int kClaimCandidates = 16;

// Tries the chunks of rows in order: the first whose chunk lock this
// runner gets and that is still pending or running once the lock is held
// (read again: a runner releases the lock only after committing its
// chunk's new state). The chunk's lock is left in claimed.
std::optional<ChunkRow> take_first(const Job& job, const std::vector<Row>& rows,
                                   ChunkLock& claimed) {
    for (const auto& r : rows) {
        int chunk_no = std::stoi(*r[0]);
        if (!claimed.try_take(job.id, chunk_no))
            continue;
        auto chunk = load_chunks(job.id, int_array({chunk_no}));
        if (chunk.empty() || (chunk.front().state != ChunkState::Pending &&
                              chunk.front().state != ChunkState::Running)) {
            claimed.release();
            continue;
        }
        return chunk.front();
    }
    return std::nullopt;
}

// Takes the next chunk to build that nobody works on, by chunk_no (see
// take_first). No row is locked, so the claim writes nothing and its
// commit costs no WAL flush. Built chunks are not claimed: publishing
// takes them, unit by unit.
std::optional<ChunkRow> claim_next(const Job& job, ChunkLock& claimed) {
    auto rows = control_query(
        "SELECT chunk_no FROM backfill.chunk WHERE job_id = $1::bigint"
        " AND state IN ('pending', 'running') ORDER BY chunk_no LIMIT $2::int",
        {job_key(job), std::to_string(kClaimCandidates)});
    auto chunk = take_first(job, rows, claimed);
    if (!chunk && rows.size() == static_cast<std::size_t>(kClaimCandidates))
        chunk = take_first(job,
                           control_query(std::string("SELECT chunk_no") + kFreeChunks +
                                             " ORDER BY chunk_no LIMIT 16",
                                         free_chunk_params(job)),
                           claimed);
    commit_step();
    return chunk;
}

// After a claim that took nothing: whether chunks are free all the same
// (another runner took the ones this claim read, at that instant), so
// that the runner claims again instead of leaving the job (after_claim_miss).
ClaimRetry retry_after_miss(const Job& job, int misses) {
    auto rows = control_query(std::string("SELECT count(*)") + kFreeChunks, free_chunk_params(job));
    commit_step();
    return after_claim_miss(std::stoi(*rows[0][0]), misses);
}

// Once nothing is left to build: chunks the target gained since create
// are adopted (the mode's adopt_new_chunks; returns true when that gave the
// job new chunks); otherwise the job settles as the core decides (settle_job): completed, failed,
// or paused awaiting backfill.publish() in manual mode; nothing while another runner still builds
// or publishes.
bool settle(const Job& job) {
    ChunkTally tally = tally_of(chunk_states(job.id));
    if (tally.unfinished > 0)
        return false;
    if (lock_job_state(job) != JobState::Running)
        return false;
    if (mode_of(job).adopt_new_chunks(job) > 0)
        return true;
    Settlement settlement = settle_job(tally, job.options.publish);
    if (settlement == Settlement::NotYet)
        return false;
    JobState next = settled_job_state(settlement);
    if (settlement == Settlement::AwaitPublish) {
        change_job_state(
            job, next,
            EventNote{Event::AwaitingPublish,
                      std::to_string(tally.built) + " built chunk(s) wait for backfill.publish()"});
        notice("backfill job \"" + job.name + "\": " + std::to_string(tally.built) +
               " chunk(s) built and validated; publish them with SELECT backfill.publish(name)");
        return false;
    }
    std::string published = std::to_string(tally.published) + " of " + std::to_string(tally.total) +
                            " chunks published";
    change_job_state(
        job, next,
        EventNote{next == JobState::Completed ? Event::JobCompleted : Event::JobFailed, published});
    notice("backfill job \"" + job.name + "\" " + to_string(next) + ": " + published);
    if (next == JobState::Completed)
        mode_of(job).announce_uncovered(job);
    return false;
}

// Publishes what is ready while holding the job's publisher lock, so that
// no two runners plan and publish one unit at once. Without wait, nothing
// happens while another runner publishes (that one publishes what is
// built). With wait, the runner is about to leave: it first ends its
// transaction, so that it holds no lock the publisher may wait for, then
// waits its turn and publishes what the others left.
PublishResult publish_in_turn(const Job& job, const Mode& mode, std::int64_t budget_us, bool wait) {
    if (wait) {
        commit_step();
        flush_deferred_commits();  // the turn may be another runner's for a while
    }
    PublisherLock turn(job.id, wait);
    if (!turn.held())
        return {};
    return mode.publish_ready(job, budget_us);
}

// The loop every runner shares: publish what is ready, claim a chunk,
// build it, until the job is no longer running, nothing is left to claim
// (a claim that lost its chunks to another runner's tries again: retry_after_miss),
// or max_chunks chunks were built. One runner publishes at a time
// (publish_in_turn); one that leaves publishes what is left first. Once older snapshots outlived
// snapshot_wait, publishing only looks while chunks are left to build, and
// waits the whole bound again when none is: a running job never loses its
// runner to a reader that stays idle. The chunk being built is held in
// claimed, which an error leaves held for the caller's cleanup.
void work_job(const Job& initial, std::optional<int> max_chunks, ChunkLock& claimed) {
    Job job = initial;
    const Mode& mode = mode_of(job);
    int processed = 0;
    int misses = 0;
    bool snapshots_ran_out = false;
    JobWalTally wal;
    for (;;) {
        // what one turn allocates in PostgreSQL's memory goes with it
        ScratchMemory turn_memory("backfill runner turn", ScratchMemory::Use::Current);
        if (max_chunks && processed >= *max_chunks) {
            // The last chunks may have been the job's last: finish it now
            // rather than at the next scheduled run.
            publish_in_turn(job, mode, snapshot_wait_budget_us(job.options, snapshots_ran_out),
                            true);
            settle(job);
            commit_step();
            break;
        }
        Gate gate = wait_until_allowed(job);
        if (gate == Gate::GaveBack)
            break;
        if (gate == Gate::Stopped) {
            auto now = load_job_by_id(job.id);
            notice("backfill job \"" + job.name + "\" is " +
                   (now ? to_string(now->state) : std::string("gone")) + "; stopping");
            break;
        }
        PublishResult ready = publish_in_turn(
            job, mode, snapshot_wait_budget_us(job.options, snapshots_ran_out), false);
        if (ready.stopped)
            break;
        snapshots_ran_out = ready.deferred;
        auto chunk = claim_next(job, claimed);
        if (!chunk && snapshots_ran_out) {
            snapshots_ran_out = false;
            continue;
        }
        if (!chunk) {
            ClaimRetry retry = retry_after_miss(job, ++misses);
            if (retry.again) {
                sleep_ms(retry.pause_ms);
                continue;
            }
            PublishResult last =
                publish_in_turn(job, mode, snapshot_wait_budget_us(job.options, false), true);
            if (last.stopped)
                break;
            if (last.deferred)
                continue;
            bool adopted = settle(job);
            commit_step();
            if (adopted)
                continue;
            break;
        }
        misses = 0;
        report_activity("backfill job \"" + job.name + "\": building " + chunk_label(*chunk));
        auto started = std::chrono::steady_clock::now();
        std::int64_t wal_before = wal_insert_position();
        Outcome outcome = mode.build(job, *chunk);
        claimed.release();
        if (outcome == Outcome::Built) {
            report_activity("backfill job \"" + job.name + "\": publishing");
            PublishResult built = publish_in_turn(
                job, mode, snapshot_wait_budget_us(job.options, snapshots_ran_out), false);
            if (built.stopped)
                break;
            snapshots_ran_out = built.deferred;
        }
        wal.add(wal_insert_position() - wal_before);
        // a tally: a crash may lose its unwritten share
        wal.write(job, false);
        commit_step(CommitFlush::Deferred);
        if (outcome == Outcome::Built || outcome == Outcome::Published ||
            outcome == Outcome::Failed)
            processed++;
        report_activity("backfill job \"" + job.name + "\": pausing between chunks");
        auto chunk_us = static_cast<std::int64_t>(ms_since(started) * 1000);
        pause_between_chunks(job, chunk_us);
    }
    wal.write(job, true);
    commit_step(CommitFlush::Deferred);
}

// Holds the job's runner lock for the duration of work_job, which starts
// once the rehearsal the job asked for (option rehearse) passed.
void work_job_locked(const Job& job, std::optional<int> max_chunks, ChunkLock& claimed) {
    JobLock runner(job.id);
    keep_freed_memory();
    bool allowed = rehearsal_allows_run(job);
    commit_step();
    know_chunk_statistics(job.id);
    commit_step();
    if (allowed)
        work_job(job, max_chunks, claimed);
}

}  // namespace

void run_job(const std::string& name, std::optional<int> max_chunks, ChunkLock& claimed) {
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
    change_job_state(
        job, JobState::Running,
        EventNote{Event::Run, "foreground run in backend " + std::to_string(MyProcPid)});
    commit_step();
    work_job_locked(job, max_chunks, claimed);
}

void run_job_in_worker(std::int64_t job_id, ChunkLock& claimed) {
    auto job = load_job_by_id(job_id);
    if (!job || job->state != JobState::Running) {
        commit_step();
        return;
    }
    log_event(*job, std::nullopt, Event::WorkerStarted, "backend " + std::to_string(MyProcPid));
    commit_step();
    work_job_locked(*job, std::nullopt, claimed);
}

}  // namespace backfill::pg

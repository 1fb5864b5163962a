#include "pg/workers.hpp"

#include <csignal>
#include <cstring>

#include "core/attempts.hpp"
#include "core/lock_space.hpp"
#include "core/worker_budget.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/chunk_runner.hpp"
#include "pg/mode.hpp"
#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"
#include "pg/worker_slots.hpp"

namespace backfill::pg {

namespace {

// What a job worker is told in bgw_extra.
struct WorkerArgs {
    Oid database;
    Oid owner;
    std::int64_t job_id;
    TransactionId launched_by;  // wait for this transaction before starting
    SlotClaim slot;             // the worker slot reserved for it
};
static_assert(sizeof(WorkerArgs) <= BGW_EXTRALEN, "worker arguments fit in bgw_extra");

std::vector<int> pending_cancels;
bool callback_registered = false;

// Sends the cancels queued by cancel_sessions_on_commit once the state
// change they announce is visible to the sessions that get them.
void on_transaction_end(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT)
        for (int pid : pending_cancels)
            kill(pid, SIGINT);
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT)
        pending_cancels.clear();
}

// Chunks of the job that still need a runner.
int open_chunks(const Job& job) {
    return std::stoi(
        *control_query("SELECT count(*) FROM backfill.chunk WHERE job_id = $1::bigint"
                       " AND state IN ('pending', 'running', 'built')",
                       {std::to_string(job.id)})[0][0]);
}

// Registers the workers for the reserved slots; a slot whose worker cannot
// be registered (max_worker_processes is full) is given back at once.
int register_workers(const Job& job, const std::vector<SlotClaim>& claims) {
    WorkerArgs args{MyDatabaseId, job.owner, job.id,
                    pg_guard([]() { return GetTopTransactionId(); }), SlotClaim{}};
    std::size_t registered = 0;
    try {
        for (; registered < claims.size(); registered++) {
            BackgroundWorker w = worker_template("backfill_worker_main", "backfill worker");
            std::snprintf(w.bgw_name, BGW_MAXLEN, "backfill worker for job %lld",
                          static_cast<long long>(job.id));
            args.slot = claims[registered];
            std::memcpy(w.bgw_extra, &args, sizeof(args));
            if (!pg_guard([&]() { return RegisterDynamicBackgroundWorker(&w, nullptr); }))
                break;
        }
    } catch (...) {
        for (std::size_t i = registered; i < claims.size(); i++)
            release_worker_slot(claims[i]);
        throw;
    }
    for (std::size_t i = registered; i < claims.size(); i++)
        release_worker_slot(claims[i]);
    return static_cast<int>(registered);
}

}  // namespace

BackgroundWorker worker_template(const char* function, const char* type) {
    BackgroundWorker w;
    std::memset(&w, 0, sizeof(w));
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    w.bgw_start_time = BgWorkerStart_RecoveryFinished;
    w.bgw_restart_time = BGW_NEVER_RESTART;
    std::snprintf(w.bgw_library_name, BGW_MAXLEN, "backfill");
    std::snprintf(w.bgw_function_name, BGW_MAXLEN, "%s", function);
    std::snprintf(w.bgw_type, BGW_MAXLEN, "%s", type);
    return w;
}

int launch_workers(const Job& job, int count, bool probe_only) {
    SlotRequest request;
    request.role = job.owner;
    request.job_id = job.id;
    request.budget.max_workers = max_workers;
    request.budget.max_per_role = per_role_limit(max_workers, max_workers_per_role);
    request.budget.max_concurrency = job.options.max_concurrency;
    request.budget.open_chunks = open_chunks(job);
    request.budget.probe_only = probe_only;
    request.runner_pids = job_runner_pids(job);
    SlotGrant grant = reserve_worker_slots(request);
    // count only caps what the job may have (the caller's view of it).
    while (static_cast<int>(grant.claims.size()) > std::max(0, count)) {
        release_worker_slot(grant.claims.back());
        grant.claims.pop_back();
    }
    int launched = register_workers(job, grant.claims);
    note_database(MyDatabaseId, true);
    if (launched > 0)
        control_execute("UPDATE backfill.job SET launched_at = now() WHERE id = $1::bigint",
                        {std::to_string(job.id)});
    return launched;
}

std::vector<int> job_runner_pids(const Job& job) {
    std::vector<int> pids;
    for (const auto& r : query("SELECT DISTINCT l.pid FROM pg_catalog.pg_locks l"
                               " WHERE l.locktype = 'advisory' AND l.objsubid = $3::int"
                               " AND l.granted AND l.classid = $1::bigint::oid AND l.objid = 0"
                               " AND l.database = $2::oid AND l.pid <> pg_catalog.pg_backend_pid()",
                               {std::to_string(job.id), std::to_string(MyDatabaseId),
                                std::to_string(lock_space::kJob)}))
        pids.push_back(std::stoi(*r[0]));
    return pids;
}

std::vector<int> building_worker_pids(const Job& job) {
    std::vector<int> pids;
    std::string prefix = "backfill job \"" + job.name + "\": building ";
    for (int pid : job_runner_pids(job))
        if (scalar("SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1::int"
                   " AND backend_type = 'backfill worker' AND pg_catalog.starts_with(query, $2)",
                   {std::to_string(pid), prefix}))
            pids.push_back(pid);
    return pids;
}

void cancel_sessions_on_commit(const std::vector<int>& pids) {
    if (!callback_registered) {
        RegisterXactCallback(on_transaction_end, nullptr);
        callback_registered = true;
    }
    pending_cancels.insert(pending_cancels.end(), pids.begin(), pids.end());
}

}  // namespace backfill::pg

using namespace backfill::pg;

namespace {

// After a failed run: roll back, then do with the chunk this worker still
// holds (chunk, 0 for none; the caller hands it back after this) what the
// job's state asks (core after_worker_error): a cancelled job's shadow
// dropped, a paused job's attempt given back, otherwise the error logged.
void clean_up_after_error(std::int64_t job_id, const std::string& message, int chunk) {
    end_worker_transaction(false);
    try {
        begin_worker_transaction();
        spi_connect();
        auto job = load_job_by_id(job_id);
        if (job) {
            switch (backfill::after_worker_error(job->state, chunk > 0)) {
                case backfill::AfterWorkerError::DiscardBuild: {
                    backfill::pg::ChunkRow row;
                    row.chunk_no = chunk;
                    mode_of(*job).discard_build(*job, row);
                    break;
                }
                case backfill::AfterWorkerError::GiveBackAttempt:
                    give_back_attempt(*job, chunk, "the job was paused while this chunk was built");
                    break;
                case backfill::AfterWorkerError::LogError:
                    log_event(*job, chunk > 0 ? std::optional<int>(chunk) : std::nullopt,
                              backfill::Event::WorkerError, message);
                    break;
            }
        }
        spi_finish();
        end_worker_transaction(true);
    } catch (const std::exception& e) {
        elog(LOG, "backfill worker could not clean up after an error: %s", e.what());
    }
}

// Works the job, committing as it goes; after an error, cleans up while
// still holding the chunk it was working on, and gives the chunk back last.
void work_as_worker(std::int64_t job_id) {
    ChunkLock claimed;
    std::string failure;
    try {
        begin_worker_transaction();
        spi_connect(true);
        run_job_in_worker(job_id, claimed);
        spi_finish();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    if (failure.empty()) {
        end_worker_transaction(true);
    } else {
        elog(LOG, "backfill worker for job %lld stopped: %s", static_cast<long long>(job_id),
             failure.c_str());
        clean_up_after_error(job_id, failure, claimed.chunk_no());
    }
}

}  // namespace

extern "C" {

PGDLLEXPORT void backfill_worker_main(Datum main_arg);

// A job worker: connects as the job's owner, waits for the transaction
// that launched it, then works the job until nothing is left to claim.
void backfill_worker_main(Datum) {
    WorkerArgs args;
    std::memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    // First of all: take over the reserved slot, so that it is given back
    // whatever happens next. A reservation that expired is not ours.
    bool attached = false;
    try {
        attached = attach_worker_slot(args.slot);
    } catch (const std::exception& e) {
        elog(LOG, "backfill worker could not take its worker slot: %s", e.what());
    }
    if (!attached)
        proc_exit(0);
    BackgroundWorkerInitializeConnectionByOid(args.database, args.owner, 0);
    if (TransactionIdIsValid(args.launched_by)) {
        StartTransactionCommand();
        XactLockTableWait(args.launched_by, nullptr, nullptr, XLTW_None);
        CommitTransactionCommand();
    }
    work_as_worker(args.job_id);
    proc_exit(0);
}

}  // extern "C"

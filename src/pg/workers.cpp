#include "pg/workers.hpp"

#include <csignal>
#include <cstring>

#include "pg/chunk_lock.hpp"
#include "pg/chunk_runner.hpp"
#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/transactions.hpp"

namespace backfill::pg {

namespace {

// What a job worker is told in bgw_extra.
struct WorkerArgs {
    Oid database;
    Oid owner;
    std::int64_t job_id;
    TransactionId launched_by;  // wait for this transaction before starting
};
static_assert(sizeof(WorkerArgs) <= BGW_EXTRALEN, "worker arguments fit in bgw_extra");

// Fills the parts common to every worker of ours.
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

// Backfill workers alive in the whole cluster.
int live_workers() {
    return std::stoi(*scalar(
        "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'backfill worker'"));
}

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

}  // namespace

int launch_workers(const Job& job, int count) {
    int room = std::max(0, max_workers - live_workers());
    count = std::min(count, room);
    WorkerArgs args{MyDatabaseId, job.owner, job.id,
                    pg_guard([]() { return GetTopTransactionId(); })};
    int launched = 0;
    for (int i = 0; i < count; i++) {
        BackgroundWorker w = worker_template("backfill_worker_main", "backfill worker");
        std::snprintf(w.bgw_name, BGW_MAXLEN, "backfill worker for job %lld",
                      static_cast<long long>(job.id));
        std::memcpy(w.bgw_extra, &args, sizeof(args));
        bool ok = pg_guard([&]() { return RegisterDynamicBackgroundWorker(&w, nullptr); });
        if (!ok)
            break;
        launched++;
    }
    if (launched > 0)
        control_execute("UPDATE backfill.job SET launched_at = now() WHERE id = $1::bigint",
                        {std::to_string(job.id)});
    return launched;
}

std::vector<int> job_runner_pids(const Job& job) {
    std::vector<int> pids;
    for (const auto& r : query("SELECT DISTINCT l.pid FROM pg_catalog.pg_locks l"
                               " WHERE l.locktype = 'advisory' AND l.objsubid = 16967"
                               " AND l.granted AND l.classid = $1::bigint::oid AND l.objid = 0"
                               " AND l.database = $2::oid AND l.pid <> pg_catalog.pg_backend_pid()",
                               {std::to_string(job.id), std::to_string(MyDatabaseId)}))
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

void register_launcher() {
    BackgroundWorker w = worker_template("backfill_launcher_main", "backfill launcher");
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    w.bgw_restart_time = 5;
    std::snprintf(w.bgw_name, BGW_MAXLEN, "backfill launcher");
    RegisterBackgroundWorker(&w);
}

}  // namespace backfill::pg

using namespace backfill::pg;

namespace {

// After a failed run: roll back, and if the job was cancelled, drop the
// shadow of the chunk this worker held and hand the chunk back.
void clean_up_after_error(std::int64_t job_id, const std::string& message) {
    int chunk = locked_chunk();
    end_worker_transaction(false);
    try {
        begin_worker_transaction();
        spi_connect();
        auto job = load_job_by_id(job_id);
        if (job && job->state == backfill::JobState::Cancelled && chunk > 0) {
            auto rows = control_query(
                "SELECT state FROM backfill.chunk WHERE job_id = $1::bigint AND chunk_no = $2::int",
                {std::to_string(job_id), std::to_string(chunk)});
            if (!rows.empty() && *rows[0][0] != "published") {
                backfill::pg::ChunkRow row;
                row.chunk_no = chunk;
                discard_shadow(*job, row);
            }
        } else if (job && job->state == backfill::JobState::Paused && chunk > 0) {
            // pause() cancelled this worker's build: it does not count as an
            // attempt, and the chunk waits for resume.
            control_execute(
                "UPDATE backfill.chunk SET state = 'pending', attempts = greatest(attempts - 1, 0)"
                " WHERE job_id = $1::bigint AND chunk_no = $2::int AND state = 'running'",
                {std::to_string(job_id), std::to_string(chunk)});
            log_event(*job, chunk, "build_aborted",
                      "the job was paused while this chunk was built");
        } else if (job) {
            log_event(*job, chunk > 0 ? std::optional<int>(chunk) : std::nullopt, "worker_error",
                      message);
        }
        spi_finish();
        end_worker_transaction(true);
    } catch (const std::exception& e) {
        elog(LOG, "backfill worker could not clean up after an error: %s", e.what());
    }
    unlock_chunk();
    unlock_job();
}

}  // namespace

extern "C" {

PGDLLEXPORT void backfill_worker_main(Datum main_arg);
PGDLLEXPORT void backfill_launcher_main(Datum main_arg);
PGDLLEXPORT void backfill_scanner_main(Datum main_arg);

// A job worker: connects as the job's owner, waits for the transaction
// that launched it, then works the job until nothing is left to claim.
void backfill_worker_main(Datum) {
    WorkerArgs args;
    std::memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(args.database, args.owner, 0);
    if (TransactionIdIsValid(args.launched_by)) {
        StartTransactionCommand();
        XactLockTableWait(args.launched_by, nullptr, nullptr, XLTW_None);
        CommitTransactionCommand();
    }
    std::string failure;
    try {
        begin_worker_transaction();
        spi_connect(true);
        run_job_in_worker(args.job_id);
        spi_finish();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    if (failure.empty()) {
        end_worker_transaction(true);
    } else {
        elog(LOG, "backfill worker for job %lld stopped: %s", static_cast<long long>(args.job_id),
             failure.c_str());
        clean_up_after_error(args.job_id, failure);
    }
    proc_exit(0);
}

// The launcher: at start and every backfill.launcher_naptime, starts one
// scanner per database that accepts connections.
void backfill_launcher_main(Datum) {
    pqsignal(SIGTERM, die);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        StartTransactionCommand();
        Relation rel = table_open(DatabaseRelationId, AccessShareLock);
        TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
        HeapTuple tup;
        List* databases = NIL;
        while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
            Form_pg_database db = (Form_pg_database)GETSTRUCT(tup);
            if (db->datallowconn && !db->datistemplate)
                databases = lappend_oid(databases, db->oid);
        }
        table_endscan(scan);
        table_close(rel, AccessShareLock);
        CommitTransactionCommand();
        ListCell* lc;
        foreach (lc, databases) {
            BackgroundWorker w = worker_template("backfill_scanner_main", "backfill scanner");
            std::snprintf(w.bgw_name, BGW_MAXLEN, "backfill scanner for database %u",
                          lfirst_oid(lc));
            w.bgw_main_arg = ObjectIdGetDatum(lfirst_oid(lc));
            RegisterDynamicBackgroundWorker(&w, nullptr);
        }
        list_free(databases);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                        launcher_naptime_s * 1000L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

// A scanner: in one database, relaunches workers for every running job
// that has none (after a restart, a crash or a killed worker).
void backfill_scanner_main(Datum main_arg) {
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), InvalidOid, 0);
    try {
        begin_worker_transaction();
        spi_connect();
        if (scalar("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'backfill'")) {
            auto orphans = query(
                "SELECT j.id, (j.options ->> 'max_concurrency')::int FROM backfill.job j"
                " WHERE j.state = 'running' AND (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r "
                "WHERE r.oid = j.owner)"
                " AND coalesce(j.launched_at < now() - interval '15 seconds', true)"
                " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l"
                "  WHERE l.locktype = 'advisory' AND l.objsubid = 16967 AND l.granted"
                "  AND l.classid = j.id::oid AND l.objid = 0 AND l.database = $1::oid)",
                {std::to_string(MyDatabaseId)});
            for (const auto& r : orphans) {
                auto job = load_job_by_id(std::stoll(*r[0]));
                if (!job)
                    continue;
                int launched = launch_workers(*job, std::stoi(*r[1]));
                if (launched > 0)
                    log_event(*job, std::nullopt, "relaunched",
                              std::to_string(launched) + " worker(s) started by the launcher");
            }
        }
        spi_finish();
    } catch (const std::exception& e) {
        elog(LOG, "backfill scanner: %s", e.what());
        end_worker_transaction(false);
        proc_exit(0);
    }
    end_worker_transaction(true);
    proc_exit(0);
}

}  // extern "C"

#include "pg/launcher.hpp"

#include "core/lock_space.hpp"
#include "core/worker_budget.hpp"
#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"
#include "pg/worker_slots.hpp"
#include "pg/workers.hpp"

namespace backfill::pg {

namespace {

// Running jobs of this database the launcher may give workers: the owner
// can log in, no foreground run (CALL backfill.run) keeps the
// job to itself, and the job is at home here (one restored from a dump
// waits until a command adopts it: src/pg/restored_jobs.hpp). orphan: nobody works on it; held: its
// throttle held it when its last worker left (or still holds the workers it has); relaunches:
// relaunches since its last sign of progress.
constexpr const char* kCandidates =
    "SELECT j.id, (j.options ->> 'max_concurrency')::int,"
    " NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory'"
    "  AND l.objsubid = $2::int AND l.granted AND l.classid = j.id::oid AND l.objid = 0"
    "  AND l.database = $1::oid),"
    " j.throttled_by IS NOT NULL,"
    " (SELECT count(*) FROM backfill.event e WHERE e.job_id = j.id AND e.event = 'relaunched'"
    "  AND e.id > coalesce((SELECT max(p.id) FROM backfill.event p WHERE p.job_id = j.id"
    "   AND p.event IN ('chunk_built', 'chunk_published', 'chunk_failed', 'chunk_retry',"
    "    'throttle_hold', 'throttle_yield', 'resumed', 'run', 'launched', 'retry')), 0))"
    " FROM backfill.job j WHERE j.state = 'running' AND j.home = backfill.database_identity()"
    " AND (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.oid = j.owner)"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l"
    "  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
    "  AND l.objsubid = $2::int AND l.granted AND l.classid = j.id::oid AND l.objid = 0"
    "  AND l.database = $1::oid AND a.backend_type <> 'backfill worker')"
    " ORDER BY j.id";

// Gives one candidate job the workers it lacks: all of them to an
// orphaned job, one probe to a job whose workers left it to its throttle,
// more to a job that runs with fewer than max_concurrency (after a probe
// found it may work again, or when slots were short at its start). A job
// whose workers keep dying without any progress (each crash of a worker
// restarts the whole server) is paused instead of relaunched forever.
// Workers launched a moment ago that do not hold the job yet still hold
// their reserved slots, which the budget counts: they are never doubled.
void give_workers(std::int64_t job_id, int max_concurrency, bool orphan, bool held,
                  int relaunches) {
    if (held && !orphan)
        return;
    auto job = load_job_by_id(job_id);
    if (!job)
        return;
    if (orphan && !may_relaunch(relaunches)) {
        // Re-read under the row's lock: a command may have ended the job
        // since the candidates were read.
        if (lock_job_state(*job) != JobState::Running)
            return;
        change_job_state(
            *job, JobState::Paused,
            EventNote{Event::RelaunchStopped,
                      std::to_string(relaunches) +
                          " relaunches in a row made no progress; the job is paused: find out "
                          "why its workers stop (server log), then resume it"});
        return;
    }
    int launched = launch_workers(*job, max_concurrency, orphan && held);
    if (launched > 0)
        log_event(*job, std::nullopt, Event::Relaunched,
                  std::to_string(launched) + " worker(s) started by the launcher");
}

// The scanner's work in its database, in one transaction.
void scan_database() {
    bool installed =
        scalar("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'backfill'").has_value();
    note_database(MyDatabaseId, installed);
    if (!installed)
        return;
    for (const auto& r :
         query(kCandidates, {std::to_string(MyDatabaseId), std::to_string(lock_space::kJob)}))
        give_workers(std::stoll(*r[0]), std::stoi(*r[1]), *r[2] == "t", *r[3] == "t",
                     std::stoi(*r[4]));
}

// The databases a scanner should visit now: those that accept connections,
// are valid, and are not known to lack the extension. The list lives in
// ctx, which outlasts the transaction that reads pg_database.
List* databases_to_scan(MemoryContext ctx) {
    List* databases = NIL;
    StartTransactionCommand();
    Relation rel = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
    HeapTuple tup;
    while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
        Form_pg_database db = (Form_pg_database)GETSTRUCT(tup);
        if (!db->datallowconn || db->datistemplate || database_is_invalid_form(db))
            continue;
        MemoryContext old = MemoryContextSwitchTo(ctx);
        databases = lappend_oid(databases, db->oid);
        MemoryContextSwitchTo(old);
    }
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    CommitTransactionCommand();
    return databases;
}

// Runs one scanner and waits for it to end: scanners run one at a time, so
// that any number of databases never takes more than one worker process
// from max_worker_processes. False when no worker process was free.
bool run_scanner(Oid database) {
    BackgroundWorker w = worker_template("backfill_scanner_main", "backfill scanner");
    std::snprintf(w.bgw_name, BGW_MAXLEN, "backfill scanner for database %u", database);
    w.bgw_main_arg = ObjectIdGetDatum(database);
    w.bgw_notify_pid = MyProcPid;
    BackgroundWorkerHandle* handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&w, &handle))
        return false;
    if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
        proc_exit(1);
    pfree(handle);
    return true;
}

}  // namespace

void register_launcher() {
    BackgroundWorker w = worker_template("backfill_launcher_main", "backfill launcher");
    w.bgw_restart_time = 5;
    std::snprintf(w.bgw_name, BGW_MAXLEN, "backfill launcher");
    RegisterBackgroundWorker(&w);
}

}  // namespace backfill::pg

using namespace backfill::pg;

extern "C" {

PGDLLEXPORT void backfill_launcher_main(Datum main_arg);
PGDLLEXPORT void backfill_scanner_main(Datum main_arg);

// The launcher: at start and every backfill.launcher_naptime, runs a
// scanner in each database that may hold backfill jobs.
void backfill_launcher_main(Datum) {
    pqsignal(SIGTERM, die);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    try {
        register_launcher_pid();
    } catch (const std::exception& e) {
        elog(FATAL, "backfill launcher could not announce itself: %s", e.what());
    }
    MemoryContext pass =
        AllocSetContextCreate(TopMemoryContext, "backfill launcher pass", ALLOCSET_DEFAULT_SIZES);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        MemoryContextReset(pass);
        List* databases = databases_to_scan(pass);
        MemoryContext old = MemoryContextSwitchTo(pass);
        ListCell* lc;
        foreach (lc, databases) {
            bool skip = false;
            try {
                skip = database_known_without_extension(lfirst_oid(lc));
            } catch (const std::exception& e) {
                elog(LOG, "backfill launcher: %s", e.what());
            }
            if (!skip && !run_scanner(lfirst_oid(lc)))
                break;
        }
        MemoryContextSwitchTo(old);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                        launcher_naptime_s * 1000L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

// A scanner: in one database, gives workers to the running jobs that lack
// them. Exits at once where the extension is not installed. Its statements
// are bounded, so that the launcher, which waits for it, never hangs.
void backfill_scanner_main(Datum main_arg) {
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), InvalidOid, 0);
    SetConfigOption("statement_timeout", "30s", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("lock_timeout", "5s", PGC_SUSET, PGC_S_OVERRIDE);
    try {
        begin_worker_transaction();
        spi_connect();
        scan_database();
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

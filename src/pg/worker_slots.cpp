#include "pg/worker_slots.hpp"

#include <algorithm>
#include <cstring>

#include "pg/pg_error.hpp"

namespace backfill::pg {

namespace {

enum SlotState : int { kFree = 0, kReserved = 1, kRunning = 2 };

struct Slot {
    int state;
    int pid;  // 0 until the worker took the slot over
    Oid role;
    Oid database;
    std::int64_t job_id;
    std::uint64_t generation;
    TimestampTz reserved_at;
};

struct DatabaseMark {
    Oid database;
    bool has_extension;
    TimestampTz checked_at;
};

constexpr int kDatabaseMarks = 64;
// A reservation whose worker never took it over (the postmaster could not
// fork it) is reclaimed after this long; a worker takes its slot over as
// the very first thing it does.
constexpr std::int64_t kReservationTtlMs = 60 * 1000;
// A database found without the extension is looked at again after this.
constexpr std::int64_t kRecheckDatabaseMs = 5 * 60 * 1000;

struct SlotTable {
    LWLock* lock;
    LWLock own_lock;  // the lock when the library was not preloaded
    int launcher_pid;
    int nslots;
    DatabaseMark databases[kDatabaseMarks];
};

constexpr const char* kShmemName = "backfill worker slots";
constexpr const char* kTrancheName = "backfill";

SlotTable* table = nullptr;
int my_slot = -1;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;

// No backfill worker can exist without a max_worker_processes slot, so that
// many entries always suffice, whatever backfill.max_workers says.
Size table_size() {
    return add_size(MAXALIGN(sizeof(SlotTable)), mul_size(max_worker_processes, sizeof(Slot)));
}

Slot* slots() {
    return reinterpret_cast<Slot*>(reinterpret_cast<char*>(table) + MAXALIGN(sizeof(SlotTable)));
}

// Creates or finds the table; the caller holds AddinShmemInitLock.
void attach_table(bool preloaded) {
    bool found = false;
    table = static_cast<SlotTable*>(ShmemInitStruct(kShmemName, table_size(), &found));
    if (found)
        return;
    std::memset(static_cast<void*>(table), 0, table_size());
    table->nslots = max_worker_processes;
    if (preloaded) {
        table->lock = &(GetNamedLWLockTranche(kTrancheName))->lock;
    } else {
        LWLockInitialize(&table->own_lock, LWLockNewTrancheId());
        table->lock = &table->own_lock;
    }
}

void request_hook() {
    if (prev_request_hook)
        prev_request_hook();
    RequestAddinShmemSpace(table_size());
    RequestNamedLWLockTranche(kTrancheName, 1);
}

void startup_hook() {
    if (prev_startup_hook)
        prev_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    attach_table(true);
    LWLockRelease(AddinShmemInitLock);
}

// The table, created on first use when the library was not preloaded.
//
// Why not count pg_stat_activity under a lock instead: a worker that is
// registered but not yet started shows up nowhere, so two launches a few
// milliseconds apart would both see room for it; and a role without
// pg_read_all_stats does not see other roles' backend types. DSM needs a
// place to publish its handle (GetNamedDSMSegment is PostgreSQL 17). So
// the table is carved, the first time a backend needs it, from the spare
// space every main shared memory segment keeps for late allocations,
// under AddinShmemInitLock, with an LWLock of a tranche allocated at that
// moment: every backend maps that segment, the limits hold exactly as when
// preloaded, and the two kilobytes or so fit easily (if they did not, the
// launch fails with "out of shared memory" rather than exceed a limit).
SlotTable* slot_table() {
    if (table == nullptr) {
        pg_guard([]() {
            LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
            attach_table(false);
            LWLockRelease(AddinShmemInitLock);
        });
        if (table->lock == &table->own_lock)
            LWLockRegisterTranche(table->own_lock.tranche, kTrancheName);
    }
    return table;
}

// Frees reservations whose worker never came; the caller holds the lock.
void reclaim_stale(TimestampTz now) {
    for (int i = 0; i < table->nslots; i++) {
        Slot& s = slots()[i];
        if (s.state == kReserved &&
            TimestampDifferenceExceeds(s.reserved_at, now, static_cast<int>(kReservationTtlMs)))
            s.state = kFree;
    }
}

// Gives this worker's slot back when its process exits, however it exits
// (a kill -9 makes the postmaster reinitialize shared memory instead).
void release_on_exit(int, Datum) {
    if (my_slot < 0 || table == nullptr)
        return;
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    Slot& s = slots()[my_slot];
    if (s.state == kRunning && s.pid == MyProcPid)
        s.state = kFree;
    LWLockRelease(table->lock);
    my_slot = -1;
}

// Forgets the launcher when it exits.
void forget_launcher(int, Datum) {
    if (table == nullptr)
        return;
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    if (table->launcher_pid == MyProcPid)
        table->launcher_pid = 0;
    LWLockRelease(table->lock);
}

}  // namespace

void request_worker_slots() {
    prev_request_hook = shmem_request_hook;
    shmem_request_hook = request_hook;
    prev_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_hook;
}

SlotGrant reserve_worker_slots(const SlotRequest& request) {
    SlotTable* t = slot_table();
    SlotGrant grant;
    grant.claims.reserve(static_cast<std::size_t>(std::max(0, request.budget.max_concurrency)));
    std::vector<int> job_pids;
    job_pids.reserve(static_cast<std::size_t>(t->nslots));
    TimestampTz now = GetCurrentTimestamp();
    WorkerBudgetInput in = request.budget;
    LWLockAcquire(t->lock, LW_EXCLUSIVE);
    reclaim_stale(now);
    int job_slots = 0;
    for (int i = 0; i < t->nslots; i++) {
        const Slot& s = slots()[i];
        if (s.state == kFree)
            continue;
        in.used++;
        if (s.role == request.role)
            in.role_used++;
        if (s.database == MyDatabaseId && s.job_id == request.job_id) {
            job_slots++;
            job_pids.push_back(s.pid);
        }
    }
    // Runners are the job's workers (started or not) plus the sessions
    // holding its runner lock that are not among them (foreground runs).
    in.runners_alive = job_slots;
    for (int pid : request.runner_pids)
        if (std::find(job_pids.begin(), job_pids.end(), pid) == job_pids.end())
            in.runners_alive++;
    grant.budget = worker_budget(in);
    for (int i = 0; i < t->nslots && static_cast<int>(grant.claims.size()) < grant.budget.count;
         i++) {
        Slot& s = slots()[i];
        if (s.state != kFree)
            continue;
        s.state = kReserved;
        s.pid = 0;
        s.role = request.role;
        s.database = MyDatabaseId;
        s.job_id = request.job_id;
        s.generation++;
        s.reserved_at = now;
        grant.claims.push_back(SlotClaim{i, s.generation});
    }
    LWLockRelease(t->lock);
    return grant;
}

void release_worker_slot(const SlotClaim& claim) {
    SlotTable* t = slot_table();
    LWLockAcquire(t->lock, LW_EXCLUSIVE);
    Slot& s = slots()[claim.index];
    if (s.state == kReserved && s.generation == claim.generation)
        s.state = kFree;
    LWLockRelease(t->lock);
}

bool attach_worker_slot(const SlotClaim& claim) {
    SlotTable* t = slot_table();
    if (claim.index < 0 || claim.index >= t->nslots)
        return false;
    LWLockAcquire(t->lock, LW_EXCLUSIVE);
    Slot& s = slots()[claim.index];
    bool ours = s.state == kReserved && s.generation == claim.generation;
    if (ours) {
        s.state = kRunning;
        s.pid = MyProcPid;
        my_slot = claim.index;
    }
    LWLockRelease(t->lock);
    if (ours)
        before_shmem_exit(release_on_exit, 0);
    return ours;
}

bool holds_worker_slot() { return my_slot >= 0; }

void register_launcher_pid() {
    SlotTable* t = slot_table();
    LWLockAcquire(t->lock, LW_EXCLUSIVE);
    t->launcher_pid = MyProcPid;
    LWLockRelease(t->lock);
    before_shmem_exit(forget_launcher, 0);
}

bool launcher_running() {
    SlotTable* t = slot_table();
    LWLockAcquire(t->lock, LW_SHARED);
    bool running = t->launcher_pid != 0;
    LWLockRelease(t->lock);
    return running;
}

void note_database(Oid database, bool has_extension) {
    SlotTable* t = slot_table();
    TimestampTz now = GetCurrentTimestamp();
    LWLockAcquire(t->lock, LW_EXCLUSIVE);
    // Its own entry, else a free one, else the one looked at longest ago.
    DatabaseMark* mark = &t->databases[0];
    for (DatabaseMark& m : t->databases) {
        if (m.database == database) {
            mark = &m;
            break;
        }
        if (mark->database != InvalidOid &&
            (m.database == InvalidOid || m.checked_at < mark->checked_at))
            mark = &m;
    }
    *mark = DatabaseMark{database, has_extension, now};
    LWLockRelease(t->lock);
}

bool database_known_without_extension(Oid database) {
    SlotTable* t = slot_table();
    TimestampTz now = GetCurrentTimestamp();
    bool skip = false;
    LWLockAcquire(t->lock, LW_SHARED);
    for (const DatabaseMark& m : t->databases)
        if (m.database == database)
            skip = !m.has_extension && !TimestampDifferenceExceeds(
                                           m.checked_at, now, static_cast<int>(kRecheckDatabaseMs));
    LWLockRelease(t->lock);
    return skip;
}

}  // namespace backfill::pg

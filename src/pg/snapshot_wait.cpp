#include "pg/snapshot_wait.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "core/snapshot_wait.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/runner_common.hpp"
#include "pg/state_store.hpp"
#include "pg/transactions.hpp"
#include "replication/walsender.h"
#include "replication/walsender_private.h"

namespace backfill::pg {

namespace {

// Polls start at kFirstPollMs (a reader's statement often ends at once)
// and slow down to kPollMs.
constexpr std::int64_t kFirstPollMs = 10;
constexpr std::int64_t kPollMs = 100;

// One transaction older than the build, and the backend running it.
struct OlderXact {
    VirtualTransactionId vxid;
    int pid;
};

// The backend people are told about: the one whose transaction began first.
struct Blocker {
    int pid = 0;
    std::optional<std::string> since;
};

// Snapshots taken before a chunk was built do not see its rows; once it
// is published, a REPEATABLE READ or SERIALIZABLE transaction holding such
// a snapshot would find the partition empty. The newest build of the unit
// says which snapshots are too old; invalid when none is recorded.
TransactionId newest_build_xid(const std::vector<ChunkRow>& unit) {
    TransactionId newest = InvalidTransactionId;
    for (const auto& c : unit) {
        if (!TransactionIdIsValid(c.build_xid))
            continue;
        if (!TransactionIdIsValid(newest) || TransactionIdFollows(c.build_xid, newest))
            newest = c.build_xid;
    }
    return newest;
}

// The transactions of this database whose snapshot is older than xid.
std::vector<OlderXact> older_transactions(TransactionId xid) {
    int n = 0;
    VirtualTransactionId* found = pg_guard([&]() {
        return GetCurrentVirtualXIDs(xid, true, false,
                                     PROC_IS_AUTOVACUUM | PROC_IN_VACUUM | PROC_IN_SAFE_IC, &n);
    });
    std::vector<OlderXact> older;
    for (int i = 0; i < n; i++)
        if (PGPROC* proc = BackendIdGetProc(found[i].backendId))
            older.push_back(OlderXact{found[i], proc->pid});
    return older;
}

// Leaves out the sessions that only run single statements under fresh
// snapshots: backfill runners (their job lock) and backfill.wait() callers
// (their waiter lock); otherwise wait() would hold up the very job it waits
// for. Looked at on every poll: a wait() caller takes its lock only after
// its statement's snapshot, so it may have been found before it had it.
void drop_exempt(std::vector<OlderXact>& older) {
    if (older.empty())
        return;
    std::vector<int> exempt = exempt_session_pids();
    older.erase(std::remove_if(older.begin(), older.end(),
                               [&](const OlderXact& o) {
                                   return std::find(exempt.begin(), exempt.end(), o.pid) !=
                                          exempt.end();
                               }),
                older.end());
}

// Leaves out the transactions that ended since the last look (a lock test
// that does not wait).
void drop_ended(std::vector<OlderXact>& older) {
    std::vector<OlderXact> left;
    for (const auto& o : older) {
        VirtualTransactionId vxid = o.vxid;
        if (!pg_guard([&]() { return VirtualXactLock(vxid, false); }))
            left.push_back(o);
    }
    older = std::move(left);
}

// Whether a walsender runs: without one, no standby reports a snapshot (a
// slot's xmin is only looked at while a walsender uses it), and the
// statistics views need not be read. Each pid is read under its slot's
// spinlock, as walsender_private.h asks.
bool any_walsender() {
    for (int i = 0; i < max_wal_senders; i++) {
        WalSnd* sender = &WalSndCtl->walsnds[i];
        SpinLockAcquire(&sender->mutex);
        pid_t pid = sender->pid;
        SpinLockRelease(&sender->mutex);
        if (pid != 0)
            return true;
    }
    return false;
}

// Standbys with hot_standby_feedback report the oldest xmin of their
// snapshots to their walsender (pg_stat_replication.backend_xmin) or, with
// a physical slot, to the slot: the walsenders whose standby may still
// hold a snapshot in which build xid is running. Logical walsenders (with
// a database) are left out. Read as the extension owner.
std::vector<int> lagging_standbys(TransactionId xid) {
    if (!any_walsender())
        return {};
    pg_guard([]() { pgstat_clear_snapshot(); });
    auto rows = control_query(
        "SELECT r.pid, r.backend_xmin::text FROM pg_catalog.pg_stat_replication r"
        " JOIN pg_catalog.pg_stat_activity a USING (pid)"
        " WHERE r.backend_xmin IS NOT NULL AND a.datid IS NULL"
        " UNION ALL SELECT s.active_pid, s.xmin::text FROM pg_catalog.pg_replication_slots s"
        " WHERE s.active AND s.slot_type OPERATOR(pg_catalog.=) 'physical' AND s.xmin IS NOT NULL",
        {});
    std::vector<int> pids;
    for (const auto& r : rows)
        if (standby_xmin_holds_build(static_cast<std::uint32_t>(std::stoul(*r[1])), xid))
            pids.push_back(std::stoi(*r[0]));
    return pids;
}

// The oldest of the backends by xact_start, read from pg_stat_activity as
// the extension owner (the job's owner may not see other roles' rows); a
// walsender has no transaction, so local readers are named first.
Blocker oldest_of(const std::vector<int>& pids) {
    pg_guard([]() { pgstat_clear_snapshot(); });
    auto rows = control_query(
        "SELECT pid, pg_catalog.date_trunc('second', xact_start)::text"
        " FROM pg_catalog.pg_stat_activity WHERE pid OPERATOR(pg_catalog.=) ANY ($1::int[])"
        " ORDER BY xact_start NULLS LAST, pid LIMIT 1",
        {int_array(pids)});
    if (rows.empty())
        return Blocker{pids.front(), std::nullopt};
    return Blocker{std::stoi(*rows[0][0]), rows[0][1]};
}

// Every backend the publication waits for: local transactions first.
std::vector<int> blocking_pids(const std::vector<OlderXact>& older,
                               const std::vector<int>& standbys) {
    std::vector<int> pids;
    for (const auto& o : older)
        pids.push_back(o.pid);
    pids.insert(pids.end(), standbys.begin(), standbys.end());
    return pids;
}

// Pause (for a runner), cancel and rollback end the wait: the job may no
// longer publish.
bool may_publish(const Job& job, bool manual) {
    auto now = load_job_by_id(job.id);
    return now && may_publish_after_wait(now->state, manual);
}

// Writes throttled_by only when it says something else: another runner of
// the job that ends its own wait clears it, and this one puts it back.
void show_reason(const Job& job, const std::string& reason) {
    control_execute(
        "UPDATE backfill.job SET throttled_by = $2 WHERE id = $1::bigint"
        " AND (throttled_by IS NULL OR throttled_by OPERATOR(pg_catalog.<>) $2::text)",
        {job_key(job), reason});
}

// The wait is over: the view stops naming the backend.
void clear_reason(const Job& job) {
    control_execute("UPDATE backfill.job SET throttled_by = NULL WHERE id = $1::bigint",
                    {job_key(job)});
}

// What the publisher does once the wait has ended at step.
SnapshotWait outcome_of(SnapshotWaitStep step) {
    switch (step) {
        case SnapshotWaitStep::Publish:
            return SnapshotWait::Clear;
        case SnapshotWaitStep::Stop:
            return SnapshotWait::Stopped;
        case SnapshotWaitStep::TimedOut:
        case SnapshotWaitStep::Busy:
        case SnapshotWaitStep::Wait:
            break;
    }
    return SnapshotWait::Deferred;
}

// backfill.publish() gave up: the caller learns why and whom to ask.
void warn_nothing_published(const std::string& text) {
    pg_guard([&]() {
        ereport(WARNING, (errmsg("%s", text.c_str()),
                          errhint("Once that transaction ends (or with a longer snapshot_wait), "
                                  "SELECT backfill.publish(name) again.")));
    });
}

}  // namespace

// A reader that never ends must not stall the job: the wait polls instead
// of sleeping on the other transaction's lock, so that it can end at the
// bound or when the job is paused or cancelled. backfill.publish() runs in
// its caller's transaction: it waits without committing.
SnapshotWait wait_for_older_snapshots(const Job& job, const std::vector<ChunkRow>& unit,
                                      std::int64_t budget_us, bool manual) {
    TransactionId newest = newest_build_xid(unit);
    if (!TransactionIdIsValid(newest))
        return SnapshotWait::Clear;
    std::vector<OlderXact> older = older_transactions(newest);
    auto started = std::chrono::steady_clock::now();
    std::optional<Blocker> shown;  // the backend throttled_by names
    std::size_t described = 0;     // how many were left when it was chosen
    std::int64_t poll_ms = kFirstPollMs;
    auto step_done = [&]() {
        if (!manual)
            commit_step();
    };
    for (;;) {
        drop_ended(older);
        drop_exempt(older);
        std::vector<int> pids = blocking_pids(older, lagging_standbys(newest));
        auto waited_us = static_cast<std::int64_t>(ms_since(started) * 1000);
        SnapshotWaitStep step =
            next_snapshot_wait_step(static_cast<int>(pids.size()),
                                    pids.empty() || may_publish(job, manual), waited_us, budget_us);
        if (step == SnapshotWaitStep::Wait) {
            if (!shown || pids.size() != described) {
                Blocker b = oldest_of(pids);
                if (!shown || shown->pid != b.pid)
                    report_activity("backfill job \"" + job.name +
                                    "\": waiting for transactions older than the build to end "
                                    "(pid " +
                                    std::to_string(b.pid) + ")");
                shown = b;
                described = pids.size();
            }
            // An update of the job row in the caller's transaction would
            // hold up pause and cancel for as long as publish() waits.
            if (!manual)
                show_reason(job, snapshot_wait_reason(shown->pid, shown->since));
            step_done();
            sleep_ms(poll_ms);
            poll_ms = std::min(poll_ms * 2, kPollMs);
            continue;
        }
        if (shown && !manual)
            clear_reason(job);
        if (step == SnapshotWaitStep::TimedOut || (manual && step == SnapshotWaitStep::Busy)) {
            Blocker b = oldest_of(pids);
            std::string detail =
                manual ? manual_snapshot_wait_warning(job.name, b.pid, b.since, budget_us)
                       : snapshot_wait_timeout_detail(b.pid, b.since, budget_us);
            log_event(job, unit.front().chunk_no, Event::SnapshotWaitTimeout, detail);
            if (manual)
                warn_nothing_published(detail);
        }
        if (shown || step == SnapshotWaitStep::TimedOut)
            step_done();
        return outcome_of(step);
    }
}

}  // namespace backfill::pg

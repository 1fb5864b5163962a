#include "pg/transactions.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "pg/formats.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

namespace {

// Runs f in an internal subtransaction, which ends released (keep, and f
// returned) or rolled back.
void run_subtransaction(const std::function<void()>& f, bool keep) {
    MemoryContext old_context = CurrentMemoryContext;
    ResourceOwner old_owner = CurrentResourceOwner;
    pg_guard([]() { BeginInternalSubTransaction(nullptr); });
    MemoryContextSwitchTo(old_context);
    try {
        f();
    } catch (...) {
        MemoryContextSwitchTo(old_context);
        pg_guard([]() { RollbackAndReleaseCurrentSubTransaction(); });
        MemoryContextSwitchTo(old_context);
        CurrentResourceOwner = old_owner;
        throw;
    }
    if (keep)
        pg_guard([]() { ReleaseCurrentSubTransaction(); });
    else
        pg_guard([]() { RollbackAndReleaseCurrentSubTransaction(); });
    MemoryContextSwitchTo(old_context);
    CurrentResourceOwner = old_owner;
}

}  // namespace

void in_subtransaction(const std::function<void()>& f) { run_subtransaction(f, true); }

void in_rolled_back_subtransaction(const std::function<void()>& f) { run_subtransaction(f, false); }

namespace {
bool own_snapshot = false;

// The end of the last commit made with CommitFlush::Deferred, until a wait
// flushes it (flush_deferred_commits).
XLogRecPtr deferred_upto = InvalidXLogRecPtr;

// Every runner transaction after the first is READ COMMITTED, whatever
// default_transaction_isolation says: each statement then sees what was
// committed before it, so the publishing transaction's check for writes
// made during the build runs with a snapshot taken after the parent is
// locked. Must run before the transaction takes its first snapshot.
void read_committed() {
    pg_guard([]() {
        set_config_option("transaction_isolation", "read committed", PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_LOCAL, true, 0, false);
    });
}
}  // namespace

void commit_step(CommitFlush flush) {
    // A commit ends every GUC nest level: one still open here would be
    // closed twice, and a box's settings would outlive it.
    if (open_guc_scopes() != 0)
        throw std::logic_error("backfill: commit inside a GUC scope");
    pg_guard([&]() {
        // a transaction-local setting: the commit itself ends it
        if (flush == CommitFlush::Deferred)
            set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
                              GUC_ACTION_LOCAL, true, 0, false);
        if (own_snapshot)
            PopActiveSnapshot();
        SPI_commit();
        if (flush == CommitFlush::Deferred)
            deferred_upto = XactLastCommitEnd;
    });
    read_committed();
    use_canonical_formats_until_commit();
    if (own_snapshot)
        pg_guard([]() { PushActiveSnapshot(GetTransactionSnapshot()); });
}

void flush_deferred_commits() {
    if (XLogRecPtrIsInvalid(deferred_upto))
        return;
    pg_guard([]() { XLogFlush(deferred_upto); });
    deferred_upto = InvalidXLogRecPtr;
}

void flush_unless_lock_free(Oid relid, LOCKMODE mode) {
    if (!pg_guard([&]() { return ConditionalLockRelationOid(relid, mode); }))
        flush_deferred_commits();
}

void hand_back_transaction() {
    if (!transaction_has_canonical_formats())
        return;
    if (open_guc_scopes() != 0)
        throw std::logic_error("backfill: commit inside a GUC scope");
    pg_guard([]() { SPI_commit(); });
}

void begin_worker_transaction() {
    pg_guard([]() { StartTransactionCommand(); });
    read_committed();
    use_canonical_formats_until_commit();
    pg_guard([]() { PushActiveSnapshot(GetTransactionSnapshot()); });
    own_snapshot = true;
}

void end_worker_transaction(bool commit) {
    own_snapshot = false;
    if (commit) {
        pg_guard([]() {
            PopActiveSnapshot();
            CommitTransactionCommand();
        });
    } else {
        AbortCurrentTransaction();
    }
}

void sleep_ms(std::int64_t ms) {
    if (ms <= 0)
        return;
    flush_deferred_commits();
    pg_guard([&]() {
        TimestampTz end = GetCurrentTimestamp() + ms * 1000;
        for (;;) {
            CHECK_FOR_INTERRUPTS();
            long left = (long)((end - GetCurrentTimestamp()) / 1000);
            if (left <= 0)
                break;
            int rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left,
                               PG_WAIT_EXTENSION);
            if (rc & WL_LATCH_SET)
                ResetLatch(MyLatch);
        }
    });
}

bool is_lock_timeout(const PgError& e) { return e.sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE; }

bool with_lock_retries(std::int64_t lock_timeout_us, int tries, const std::function<void()>& f) {
    static std::mt19937 rng{std::random_device{}()};
    long timeout_ms = std::max<long>(1, static_cast<long>(lock_timeout_us / 1000));
    for (int attempt = 1; attempt <= tries; attempt++) {
        try {
            in_subtransaction([&]() {
                set_local_lock_timeout_ms(timeout_ms);
                f();
            });
            return true;
        } catch (const PgError& e) {
            if (!is_lock_timeout(e))
                throw;
        }
        // Backoff grows with the tries (capped at 2 s) and is jittered so
        // that two waiters do not collide again in step.
        std::int64_t cap = std::min<std::int64_t>(2000, 10LL << std::min(attempt, 8));
        std::uniform_int_distribution<std::int64_t> jitter(cap / 2, cap);
        sleep_ms(jitter(rng));
    }
    return false;
}

}  // namespace backfill::pg

// Transaction steps of a job: subtransactions that catch PostgreSQL errors,
// commits between steps, retries on lock timeouts, latch sleeps.
#pragma once

#include <cstdint>
#include <functional>

#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

// Runs f in an internal subtransaction: released if f returns, rolled back
// (and the exception rethrown) if f throws.
void in_subtransaction(const std::function<void()>& f);

// Runs f in an internal subtransaction that is always rolled back: what f
// wrote, created and locked is gone when it returns (a rehearsal).
void in_rolled_back_subtransaction(const std::function<void()>& f);

// How a step's commit reaches the disk. Wait: the commit returns once its
// WAL is flushed (and replicated, as synchronous_commit says). Deferred: the
// commit does not wait for the flush (synchronous_commit = off for that
// commit alone). A server crash may then lose the step, which the job
// redoes on resume; the step is visible to other sessions at once, and any
// later commit that waits flushes it too, since WAL is flushed in order, and
// so does any wait of the runner's (flush_deferred_commits). For a runner's
// intermediate steps only, which the next step's commit flushes: never for
// one whose effect a user or a listener is told about (publishing, a job's
// state).
enum class CommitFlush { Wait, Deferred };

// Commits the current transaction and starts the next one (SPI_commit).
// Refused inside a GucScope, whose nest level the commit would end.
void commit_step(CommitFlush flush = CommitFlush::Wait);

// Makes the deferred commits durable. Called before the runner waits (a
// sleep, a lock another session holds): a crash during a wait, however
// long, then loses no step, only one in the instants between a deferred
// commit and the next flush.
void flush_deferred_commits();

// Takes relid's lock in mode if it is free now; otherwise flushes the
// deferred commits, since the caller is about to wait for it. A lock taken
// here is held as one the caller then takes again would be (to the end of
// the (sub)transaction).
void flush_unless_lock_free(Oid relid, LOCKMODE mode);

// The end of a CALL that committed steps: the last step is committed
// too, so the caller goes on in a transaction of its own settings
// (default isolation, DateStyle, TimeZone...) rather than in one of the
// runner's (read committed, canonical formats). Nothing where no step was
// committed: the transaction is still the caller's.
void hand_back_transaction();

// Background workers have no portal to hold a snapshot for SPI: they keep
// one of their own on the stack while a transaction is open. These start
// and end such a transaction; commit_step then swaps the snapshot too.
void begin_worker_transaction();
void end_worker_transaction(bool commit);

// Sleeps on the latch for ms milliseconds, answering interrupts at once.
void sleep_ms(std::int64_t ms);

// Runs f in a subtransaction with lock_timeout set, up to tries times; a
// lock timeout rolls the try back and waits a jittered, growing backoff
// before the next. Returns false when every try timed out. Other errors
// propagate.
bool with_lock_retries(std::int64_t lock_timeout_us, int tries, const std::function<void()>& f);

bool is_lock_timeout(const PgError& e);

}  // namespace backfill::pg

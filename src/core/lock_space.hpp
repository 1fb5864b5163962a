// backfill's own advisory lock spaces: the fourth field of an advisory lock
// tag (pg_locks.objsubid). pg_advisory_lock() and its kin use 1 and 2, so
// these never collide with the users' advisory locks. This header is their
// one definition: the PostgreSQL layer takes its locks with these numbers
// and passes them to its queries of pg_locks, and the Makefile writes them
// into the install scripts (sql/*.sql.in: @lock_space::kJob@ becomes the
// number of kJob), whose views read pg_locks too. The Makefile reads the
// lines below as they are: one "inline constexpr std::uint16_t kName =
// decimal;" each.
#pragma once

#include <cstdint>

namespace backfill::lock_space {

// (job id, chunk no), exclusive: the chunk a runner works on.
inline constexpr std::uint16_t kChunk = 16966;
// (job id, 0), shared: the sessions that run a job.
inline constexpr std::uint16_t kJob = 16967;
// (0, backend pid), shared: a session waiting in backfill.wait().
inline constexpr std::uint16_t kWaiter = 16968;
// (target oid, 0), exclusive until the transaction ends: create's check
// for overlapping jobs on a target.
inline constexpr std::uint16_t kTarget = 16969;
// (job id, 0), exclusive: the one runner of a job that publishes now.
inline constexpr std::uint16_t kPublisher = 16970;

}  // namespace backfill::lock_space

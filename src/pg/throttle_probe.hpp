// Measuring the server for the throttle policy, and waiting while the
// policy holds the job.
#pragma once

#include <chrono>
#include <cstdint>

#include "pg/job_store.hpp"

namespace backfill::pg {

// What wait_until_allowed found.
enum class Gate {
    Go,        // the throttle lets the job work
    Stopped,   // the job is no longer running (paused, cancelled)
    GaveBack,  // held too long: this worker gives its slot back and stops
};

// Before a chunk: re-reads the job's options (backfill.set may have changed
// them), and while the throttle holds, records why in throttled_by and the
// log, and waits on the latch, checking again at least every 250 ms. A
// background worker held for kGiveBackAfterMs gives its worker slot back
// (GaveBack) when a launcher runs to relaunch the job; without one (the
// library not preloaded) nobody would, so it keeps waiting. job.options is
// refreshed.
Gate wait_until_allowed(Job& job);

// The pause between two chunks (sleep, nice_ratio), in slices of at most
// 250 ms so that pause and cancel act at once. False when the job stopped
// being running meanwhile.
bool pause_between_chunks(const Job& job, std::int64_t chunk_us);

// The WAL a runner's chunks wrote, added to the job's wal_bytes (what
// max_wal_rate averages): after every chunk when the job throttles on it,
// otherwise at most once a second and when the runner leaves (write with
// now), which saves a statement per chunk. A crash, or an error that ends
// the runner, loses what was not written yet, a second's share at most.
// Does not commit.
class JobWalTally {
public:
    void add(std::int64_t bytes) { pending_ += bytes; }
    void write(const Job& job, bool now);

private:
    std::int64_t pending_ = 0;
    std::chrono::steady_clock::time_point written_ = std::chrono::steady_clock::now();
};

// The server's WAL insert position, in bytes.
std::int64_t wal_insert_position();

}  // namespace backfill::pg

// Attempts and retries: what a failed try does to its chunk and job, and
// what a build that was stopped from outside does.
#pragma once

#include "core/events.hpp"
#include "core/options.hpp"
#include "core/states.hpp"

namespace backfill {

// A failed try: the chunk waits again (pending) while attempts remain and
// the failure is not permanent, otherwise it has failed for good.
ChunkState state_after_failure(int attempts, int max_attempts, bool permanent);

// The event that records a failed try: chunk_retry or chunk_failed.
Event failure_event(ChunkState after);

// A chunk failed for good: its job fails too under on_failure = stop,
// unless a command ended the job meanwhile (a cancelled or rolled-back
// job stays so).
bool failure_stops_job(OnFailure on_failure, JobState job_now);

// A paused build is not an attempt: pause() cancelled it, so the chunk
// gets its attempt back (never below zero) and waits for resume.
int attempts_after_pause(int attempts);

// What a worker whose run ended in an error does with the chunk it held:
// the job was cancelled: throw the chunk's build away; the job was
// paused: hand the attempt back; otherwise: log the error (worker_error).
enum class AfterWorkerError { DiscardBuild, GiveBackAttempt, LogError };
AfterWorkerError after_worker_error(JobState job_now, bool held_chunk);

}  // namespace backfill

// Job and chunk states, and which commands each job state accepts.
#pragma once

#include <string>

namespace backfill {

enum class JobState { Pending, Running, Paused, Completed, Failed, Cancelled, RolledBack };
// Skipped: a merge chunk wholly at or above the watermark (never written).
enum class ChunkState { Pending, Running, Built, Published, Failed, RolledBack, Skipped };
enum class JobCommand { Run, Pause, Resume, Cancel, Retry, Rollback, Purge };

// The contract's state words ("rolled_back", ...); parse throws UserError
// (Internal) on an unknown word.
std::string to_string(JobState state);
std::string to_string(ChunkState state);
JobState parse_job_state(const std::string& word);
ChunkState parse_chunk_state(const std::string& word);

bool is_terminal(JobState state);  // completed, failed, cancelled, rolled_back

// What a command does to a job in a given state.
struct Transition {
    JobState next;
    bool noop = false;  // nothing to do; notice says why
    std::string notice;
};

// Throws UserError (WrongState) with a message naming the job and its state
// and a hint saying what to do, when the command is not allowed:
//   run:      pending/paused/running -> running; completed -> noop;
//             failed -> error (hint: retry); cancelled/rolled_back -> error
//   pause:    pending/running -> paused; paused -> noop; terminal -> error
//   resume:   pending/paused/running -> running; failed -> error (retry);
//             other terminal -> error
//   cancel:   pending/running/paused/failed -> cancelled; cancelled -> noop;
//             completed/rolled_back -> error (hint: rollback)
//   retry:    failed/paused/running/pending -> running; others -> error
//   rollback: any but running/rolled_back -> rolled_back; running -> error
//             (hint: pause or cancel first); rolled_back -> error
//   purge:    terminal -> same state; others -> error (hint: cancel first)
Transition apply_command(JobState state, JobCommand command, const std::string& job_name);

// Whether a job may move from one state to another (the commands above,
// and what the runners decide):
//   pending->running|paused|completed|cancelled|rolled_back
//   running->running|paused|completed|failed|cancelled
//   paused->running|paused|completed|failed|cancelled|rolled_back
//   completed->rolled_back, failed->running|failed|cancelled|rolled_back,
//   cancelled->rolled_back, rolled_back->(none).
// running->running is a run or resume of a running job, paused->paused a
// manual publication that found a chunk to build again, failed->failed
// another chunk failing for good under on_failure = stop.
bool job_transition_allowed(JobState from, JobState to);

// Whether a chunk may move from one state to another:
// pending->pending|running|failed, running->pending|running|built|failed|
// published, built->pending|running|published|failed,
// published->rolled_back, failed->pending, rolled_back->(none),
// running|built->skipped (the watermark: a merge chunk staged for a unit
// meets it when the unit is applied), skipped->(none).
// pending->pending is a failed try recorded before its build began (or a
// cancelled job's chunk cleaned), pending->failed such a try that was the
// last, running->running an orphaned build taken over.
bool chunk_transition_allowed(ChunkState from, ChunkState to);

// The states a chunk may move to `to` from (chunk_transition_allowed), as
// the words of a text[] literal ("{pending,running}"): the state store's
// one-statement moves keep to rows in these states.
std::string chunk_sources_literal(ChunkState to);

// Whether a chunk has a build to throw away (cancel, a write seen during
// the build): not once it is published or rolled back.
bool build_discardable(ChunkState state);

// The state a job ends in once no chunk is left to claim: completed when
// every chunk is published, failed when any failed, else running.
JobState settled_state(int chunks_total, int chunks_published, int chunks_failed);

}  // namespace backfill

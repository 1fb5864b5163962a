#include "states.hpp"

#include <string>

#include "user_error.hpp"

namespace backfill {

namespace {

// The words of the contract, indexed by the enums' values.
const char* const kJobWords[] = {"pending", "running",   "paused",     "completed",
                                 "failed",  "cancelled", "rolled_back"};
const char* const kChunkWords[] = {"pending", "running",     "built",  "published",
                                   "failed",  "rolled_back", "skipped"};

// `job "nightly" is completed`: the state is what the user needs to see.
std::string job_is(const std::string& job_name, JobState state) {
    return "backfill job \"" + job_name + "\" is " + to_string(state);
}

// Refuses a command in the job's current state, with what to do instead.
[[noreturn]] void refuse(const std::string& job_name, JobState state, const std::string& hint) {
    throw UserError(ErrorKind::WrongState, job_is(job_name, state), hint);
}

// A command that does its work and leaves the job in `next`.
Transition moves_to(JobState next) { return Transition{next, false, ""}; }

// A command that finds its work already done; tail may say more.
Transition noop(const std::string& job_name, JobState state, const std::string& tail = "") {
    return Transition{state, true,
                      "backfill job \"" + job_name + "\" is already " + to_string(state) + tail};
}

// The hints shared by several commands.
const char* const kRetryHint = "Use backfill.retry() to run its failed chunks again.";
const char* const kFinishedHint =
    "A job that was cancelled or rolled back does not run again; create a new job under another "
    "name.";

}  // namespace

// The state column holds these words; the views and users read them.
std::string to_string(JobState state) { return kJobWords[static_cast<int>(state)]; }

// The chunks' state column holds these words.
std::string to_string(ChunkState state) { return kChunkWords[static_cast<int>(state)]; }

// Reads a job's state back from its row.
JobState parse_job_state(const std::string& word) {
    for (int i = 0; i < static_cast<int>(sizeof kJobWords / sizeof kJobWords[0]); ++i) {
        if (word == kJobWords[i]) {
            return static_cast<JobState>(i);
        }
    }
    throw UserError(ErrorKind::Internal, "unknown job state \"" + word + "\"");
}

// Reads a chunk's state back from its row.
ChunkState parse_chunk_state(const std::string& word) {
    for (int i = 0; i < static_cast<int>(sizeof kChunkWords / sizeof kChunkWords[0]); ++i) {
        if (word == kChunkWords[i]) {
            return static_cast<ChunkState>(i);
        }
    }
    throw UserError(ErrorKind::Internal, "unknown chunk state \"" + word + "\"");
}

// backfill.wait returns at these states, and purge accepts only them.
bool is_terminal(JobState state) {
    return state == JobState::Completed || state == JobState::Failed ||
           state == JobState::Cancelled || state == JobState::RolledBack;
}

// The one table of what each command may do in each state, so that the SQL
// functions and the workers agree on it.
Transition apply_command(JobState state, JobCommand command, const std::string& job_name) {
    switch (command) {
        case JobCommand::Run:
        case JobCommand::Resume:
            switch (state) {
                case JobState::Pending:
                case JobState::Paused:
                case JobState::Running:
                    return moves_to(JobState::Running);
                case JobState::Completed:
                    if (command == JobCommand::Run) {
                        return noop(job_name, state, "; there is nothing left to run");
                    }
                    refuse(job_name, state,
                           "Every chunk is published; there is nothing to resume.");
                case JobState::Failed:
                    refuse(job_name, state, kRetryHint);
                case JobState::Cancelled:
                case JobState::RolledBack:
                    refuse(job_name, state, kFinishedHint);
            }
            break;
        case JobCommand::Pause:
            switch (state) {
                case JobState::Pending:
                case JobState::Running:
                    return moves_to(JobState::Paused);
                case JobState::Paused:
                    return noop(job_name, state);
                case JobState::Completed:
                case JobState::Failed:
                case JobState::Cancelled:
                case JobState::RolledBack:
                    refuse(job_name, state, "Only a pending or running job can be paused.");
            }
            break;
        case JobCommand::Cancel:
            switch (state) {
                case JobState::Pending:
                case JobState::Running:
                case JobState::Paused:
                case JobState::Failed:
                    return moves_to(JobState::Cancelled);
                case JobState::Cancelled:
                    return noop(job_name, state);
                case JobState::Completed:
                    refuse(job_name, state,
                           "Use backfill.rollback() to put the original partitions back.");
                case JobState::RolledBack:
                    refuse(job_name, state,
                           "It is already rolled back; use backfill.purge() to drop the tables it "
                           "kept.");
            }
            break;
        case JobCommand::Retry:
            switch (state) {
                case JobState::Pending:
                case JobState::Running:
                case JobState::Paused:
                case JobState::Failed:
                    return moves_to(JobState::Running);
                case JobState::Completed:
                    refuse(job_name, state, "Every chunk is published; there is nothing to retry.");
                case JobState::Cancelled:
                case JobState::RolledBack:
                    refuse(job_name, state, kFinishedHint);
            }
            break;
        case JobCommand::Rollback:
            switch (state) {
                case JobState::Pending:
                case JobState::Paused:
                case JobState::Completed:
                case JobState::Failed:
                case JobState::Cancelled:
                    return moves_to(JobState::RolledBack);
                case JobState::Running:
                    refuse(job_name, state,
                           "Pause or cancel the job first (backfill.pause() or backfill.cancel()), "
                           "then roll it back.");
                case JobState::RolledBack:
                    refuse(job_name, state, "There is nothing left to roll back.");
            }
            break;
        case JobCommand::Purge:
            if (is_terminal(state)) {
                return moves_to(state);
            }
            refuse(job_name, state,
                   "Only a finished job can be purged; cancel it first with backfill.cancel().");
    }
    throw UserError(ErrorKind::Internal, "unknown job command or state");
}

// Guards every job state change the state store makes, so a bug (or a
// race with a command) cannot move a job somewhere no command expects.
bool job_transition_allowed(JobState from, JobState to) {
    switch (from) {
        case JobState::Pending:
            return to == JobState::Running || to == JobState::Paused || to == JobState::Completed ||
                   to == JobState::Cancelled || to == JobState::RolledBack;
        case JobState::Running:
            return to == JobState::Running || to == JobState::Paused || to == JobState::Completed ||
                   to == JobState::Failed || to == JobState::Cancelled;
        case JobState::Paused:
            return to != JobState::Pending;
        case JobState::Completed:
        case JobState::Cancelled:
            return to == JobState::RolledBack;
        case JobState::Failed:
            return to == JobState::Running || to == JobState::Failed || to == JobState::Cancelled ||
                   to == JobState::RolledBack;
        case JobState::RolledBack:
            return false;
    }
    return false;
}

// Guards every chunk state change the workers make, so a bug cannot move a
// chunk somewhere the recovery logic does not expect.
bool chunk_transition_allowed(ChunkState from, ChunkState to) {
    switch (from) {
        case ChunkState::Pending:
            return to == ChunkState::Pending || to == ChunkState::Running ||
                   to == ChunkState::Failed;
        case ChunkState::Running:
            return to == ChunkState::Pending || to == ChunkState::Running ||
                   to == ChunkState::Built || to == ChunkState::Failed ||
                   to == ChunkState::Published || to == ChunkState::Skipped;
        case ChunkState::Built:
            return to == ChunkState::Pending || to == ChunkState::Running ||
                   to == ChunkState::Published || to == ChunkState::Failed ||
                   to == ChunkState::Skipped;
        case ChunkState::Published:
            return to == ChunkState::RolledBack;
        case ChunkState::Failed:
            return to == ChunkState::Pending;
        case ChunkState::RolledBack:
        case ChunkState::Skipped:
            return false;
    }
    return false;
}

std::string chunk_sources_literal(ChunkState to) {
    std::string out;
    for (int i = 0; i < static_cast<int>(sizeof kChunkWords / sizeof kChunkWords[0]); ++i) {
        if (chunk_transition_allowed(static_cast<ChunkState>(i), to))
            out += (out.empty() ? "" : ",") + std::string(kChunkWords[i]);
    }
    return "{" + out + "}";
}

// A published chunk's shadow is the live partition, and a rolled-back
// chunk's is the table it took out: neither is a build to discard; a
// skipped chunk built nothing.
bool build_discardable(ChunkState state) {
    return state != ChunkState::Published && state != ChunkState::RolledBack &&
           state != ChunkState::Skipped;
}

// Decides how a job ends once its last chunk is settled.
JobState settled_state(int chunks_total, int chunks_published, int chunks_failed) {
    if (chunks_published >= chunks_total) {
        return JobState::Completed;
    }
    if (chunks_failed > 0) {
        return JobState::Failed;
    }
    return JobState::Running;
}

}  // namespace backfill

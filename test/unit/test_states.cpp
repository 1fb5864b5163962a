#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/states.hpp"
#include "expect_error.hpp"

namespace backfill {
namespace {

const JobState kAllJobStates[] = {JobState::Pending,   JobState::Running, JobState::Paused,
                                  JobState::Completed, JobState::Failed,  JobState::Cancelled,
                                  JobState::RolledBack};
const ChunkState kAllChunkStates[] = {
    ChunkState::Pending, ChunkState::Running,    ChunkState::Built,  ChunkState::Published,
    ChunkState::Failed,  ChunkState::RolledBack, ChunkState::Skipped};

const char* const kRetryHint = "Use backfill.retry() to run its failed chunks again.";
const char* const kFinishedHint =
    "A job that was cancelled or rolled back does not run again; create a new job under another "
    "name.";

// The contract's words, both ways.
TEST(States, Words) {
    const char* job_words[] = {"pending", "running",   "paused",     "completed",
                               "failed",  "cancelled", "rolled_back"};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(to_string(kAllJobStates[i]), job_words[i]);
        EXPECT_EQ(parse_job_state(job_words[i]), kAllJobStates[i]);
    }
    const char* chunk_words[] = {"pending", "running",     "built",  "published",
                                 "failed",  "rolled_back", "skipped"};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(to_string(kAllChunkStates[i]), chunk_words[i]);
        EXPECT_EQ(parse_chunk_state(chunk_words[i]), kAllChunkStates[i]);
    }
}

// An unknown word in a state column is a bug, reported as internal.
TEST(States, UnknownWords) {
    UserError job = expect_user_error([] { parse_job_state("done"); });
    EXPECT_EQ(job.kind(), ErrorKind::Internal);
    EXPECT_STREQ(job.what(), "unknown job state \"done\"");
    UserError chunk = expect_user_error([] { parse_chunk_state("Pending"); });
    EXPECT_EQ(chunk.kind(), ErrorKind::Internal);
    EXPECT_STREQ(chunk.what(), "unknown chunk state \"Pending\"");
    EXPECT_EQ(expect_user_error([] { parse_chunk_state("paused"); }).kind(), ErrorKind::Internal);
}

// The four states wait() returns at.
TEST(States, Terminal) {
    const bool expected[] = {false, false, false, true, true, true, true};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(is_terminal(kAllJobStates[i]), expected[i]) << to_string(kAllJobStates[i]);
    }
}

// One cell of the command table: a transition, a no-op, or a refusal.
struct Expected {
    JobState state;
    JobCommand command;
    bool allowed;
    JobState next;     // when allowed
    bool noop;         // when allowed
    std::string text;  // notice when allowed, hint when refused
};

// Every command in every state, as the header documents it.
std::vector<Expected> command_table() {
    using S = JobState;
    using C = JobCommand;
    const std::string rollback_hint =
        "Pause or cancel the job first (backfill.pause() or backfill.cancel()), then roll it back.";
    const std::string purge_hint =
        "Only a finished job can be purged; cancel it first with backfill.cancel().";
    const std::string pause_hint = "Only a pending or running job can be paused.";
    return {
        {S::Pending, C::Run, true, S::Running, false, ""},
        {S::Running, C::Run, true, S::Running, false, ""},
        {S::Paused, C::Run, true, S::Running, false, ""},
        {S::Completed, C::Run, true, S::Completed, true,
         "backfill job \"nightly\" is already completed; there is nothing left to run"},
        {S::Failed, C::Run, false, S::Failed, false, kRetryHint},
        {S::Cancelled, C::Run, false, S::Cancelled, false, kFinishedHint},
        {S::RolledBack, C::Run, false, S::RolledBack, false, kFinishedHint},

        {S::Pending, C::Pause, true, S::Paused, false, ""},
        {S::Running, C::Pause, true, S::Paused, false, ""},
        {S::Paused, C::Pause, true, S::Paused, true, "backfill job \"nightly\" is already paused"},
        {S::Completed, C::Pause, false, S::Completed, false, pause_hint},
        {S::Failed, C::Pause, false, S::Failed, false, pause_hint},
        {S::Cancelled, C::Pause, false, S::Cancelled, false, pause_hint},
        {S::RolledBack, C::Pause, false, S::RolledBack, false, pause_hint},

        {S::Pending, C::Resume, true, S::Running, false, ""},
        {S::Running, C::Resume, true, S::Running, false, ""},
        {S::Paused, C::Resume, true, S::Running, false, ""},
        {S::Completed, C::Resume, false, S::Completed, false,
         "Every chunk is published; there is nothing to resume."},
        {S::Failed, C::Resume, false, S::Failed, false, kRetryHint},
        {S::Cancelled, C::Resume, false, S::Cancelled, false, kFinishedHint},
        {S::RolledBack, C::Resume, false, S::RolledBack, false, kFinishedHint},

        {S::Pending, C::Cancel, true, S::Cancelled, false, ""},
        {S::Running, C::Cancel, true, S::Cancelled, false, ""},
        {S::Paused, C::Cancel, true, S::Cancelled, false, ""},
        {S::Failed, C::Cancel, true, S::Cancelled, false, ""},
        {S::Cancelled, C::Cancel, true, S::Cancelled, true,
         "backfill job \"nightly\" is already cancelled"},
        {S::Completed, C::Cancel, false, S::Completed, false,
         "Use backfill.rollback() to put the original partitions back."},
        {S::RolledBack, C::Cancel, false, S::RolledBack, false,
         "It is already rolled back; use backfill.purge() to drop the tables it kept."},

        {S::Pending, C::Retry, true, S::Running, false, ""},
        {S::Running, C::Retry, true, S::Running, false, ""},
        {S::Paused, C::Retry, true, S::Running, false, ""},
        {S::Failed, C::Retry, true, S::Running, false, ""},
        {S::Completed, C::Retry, false, S::Completed, false,
         "Every chunk is published; there is nothing to retry."},
        {S::Cancelled, C::Retry, false, S::Cancelled, false, kFinishedHint},
        {S::RolledBack, C::Retry, false, S::RolledBack, false, kFinishedHint},

        {S::Pending, C::Rollback, true, S::RolledBack, false, ""},
        {S::Paused, C::Rollback, true, S::RolledBack, false, ""},
        {S::Completed, C::Rollback, true, S::RolledBack, false, ""},
        {S::Failed, C::Rollback, true, S::RolledBack, false, ""},
        {S::Cancelled, C::Rollback, true, S::RolledBack, false, ""},
        {S::Running, C::Rollback, false, S::Running, false, rollback_hint},
        {S::RolledBack, C::Rollback, false, S::RolledBack, false,
         "There is nothing left to roll back."},

        {S::Completed, C::Purge, true, S::Completed, false, ""},
        {S::Failed, C::Purge, true, S::Failed, false, ""},
        {S::Cancelled, C::Purge, true, S::Cancelled, false, ""},
        {S::RolledBack, C::Purge, true, S::RolledBack, false, ""},
        {S::Pending, C::Purge, false, S::Pending, false, purge_hint},
        {S::Running, C::Purge, false, S::Running, false, purge_hint},
        {S::Paused, C::Purge, false, S::Paused, false, purge_hint},
    };
}

// Every (command, state) pair behaves as documented, with exact messages.
TEST(ApplyCommand, EveryCommandInEveryState) {
    const std::vector<Expected> table = command_table();
    ASSERT_EQ(table.size(), 7u * 7u);
    for (const Expected& x : table) {
        SCOPED_TRACE(to_string(x.state) + " / command " +
                     std::to_string(static_cast<int>(x.command)));
        if (x.allowed) {
            const Transition t = apply_command(x.state, x.command, "nightly");
            EXPECT_EQ(t.next, x.next);
            EXPECT_EQ(t.noop, x.noop);
            EXPECT_EQ(t.notice, x.text);
        } else {
            const UserError e =
                expect_user_error([&] { apply_command(x.state, x.command, "nightly"); });
            EXPECT_EQ(e.kind(), ErrorKind::WrongState);
            EXPECT_EQ(std::string(e.what()), "backfill job \"nightly\" is " + to_string(x.state));
            EXPECT_EQ(e.hint(), x.text);
        }
    }
}

// A job name with quotes and spaces appears as it is.
TEST(ApplyCommand, NameWithQuotesAndSpaces) {
    const UserError e = expect_user_error(
        [] { apply_command(JobState::Completed, JobCommand::Cancel, "my \"big\" job"); });
    EXPECT_STREQ(e.what(), "backfill job \"my \"big\" job\" is completed");
    EXPECT_EQ(apply_command(JobState::Paused, JobCommand::Pause, "a b").notice,
              "backfill job \"a b\" is already paused");
}

// Checks a transition graph on every pair of states against the pairs it
// must allow; returns how many it allows.
template <typename State, std::size_t N>
int expect_graph(const State (&states)[N], const std::vector<std::pair<State, State>>& allowed,
                 bool (*graph)(State, State)) {
    int count = 0;
    for (State from : states) {
        for (State to : states) {
            bool expected = false;
            for (const auto& pair : allowed) {
                expected = expected || (pair.first == from && pair.second == to);
            }
            EXPECT_EQ(graph(from, to), expected) << to_string(from) << " -> " << to_string(to);
            count += graph(from, to) ? 1 : 0;
        }
    }
    return count;
}

// The chunk state graph, every pair.
TEST(ChunkTransitions, EveryPair) {
    using C = ChunkState;
    const std::vector<std::pair<C, C>> allowed = {
        {C::Pending, C::Running},
        {C::Running, C::Pending},
        {C::Running, C::Built},
        {C::Running, C::Failed},
        {C::Running, C::Published},
        {C::Built, C::Pending},
        {C::Built, C::Running},
        {C::Built, C::Published},
        {C::Built, C::Failed},
        {C::Published, C::RolledBack},
        {C::Failed, C::Pending},
        // the watermark (mode merge): when the chunk runs, or when its unit
        // is applied
        {C::Running, C::Skipped},
        {C::Built, C::Skipped},
        // what the workers did before the state store checked them
        {C::Pending, C::Pending},
        {C::Pending, C::Failed},
        {C::Running, C::Running}};
    EXPECT_EQ(expect_graph(kAllChunkStates, allowed, chunk_transition_allowed), 16);
}

// The sources of each move are the table's, as a text[] literal.
TEST(ChunkTransitions, SourcesOfAMove) {
    EXPECT_EQ(chunk_sources_literal(ChunkState::Running), "{pending,running,built}");
    EXPECT_EQ(chunk_sources_literal(ChunkState::Built), "{running}");
    EXPECT_EQ(chunk_sources_literal(ChunkState::Published), "{running,built}");
    EXPECT_EQ(chunk_sources_literal(ChunkState::Pending), "{pending,running,built,failed}");
    EXPECT_EQ(chunk_sources_literal(ChunkState::RolledBack), "{published}");
}

// The job state graph, every pair.
TEST(JobTransitions, EveryPair) {
    using S = JobState;
    const std::vector<std::pair<S, S>> allowed = {
        {S::Pending, S::Running},     {S::Pending, S::Paused},       {S::Pending, S::Completed},
        {S::Pending, S::Cancelled},   {S::Pending, S::RolledBack},   {S::Running, S::Running},
        {S::Running, S::Paused},      {S::Running, S::Completed},    {S::Running, S::Failed},
        {S::Running, S::Cancelled},   {S::Paused, S::Running},       {S::Paused, S::Paused},
        {S::Paused, S::Completed},    {S::Paused, S::Failed},        {S::Paused, S::Cancelled},
        {S::Paused, S::RolledBack},   {S::Completed, S::RolledBack}, {S::Failed, S::Running},
        {S::Failed, S::Failed},       {S::Failed, S::Cancelled},     {S::Failed, S::RolledBack},
        {S::Cancelled, S::RolledBack}};
    EXPECT_EQ(expect_graph(kAllJobStates, allowed, job_transition_allowed), 22);
}

// Every move a command makes is one the state store lets through.
TEST(JobTransitions, CommandsStayInTheTable) {
    const JobCommand commands[] = {JobCommand::Run,    JobCommand::Pause, JobCommand::Resume,
                                   JobCommand::Cancel, JobCommand::Retry, JobCommand::Rollback};
    for (JobState state : kAllJobStates) {
        for (JobCommand command : commands) {
            try {
                Transition t = apply_command(state, command, "nightly");
                if (!t.noop) {
                    EXPECT_TRUE(job_transition_allowed(state, t.next))
                        << to_string(state) << " -> " << to_string(t.next);
                }
            } catch (const UserError&) {
                // refused: nothing is written
            }
        }
    }
}

// A published, rolled-back or skipped chunk has no build left to throw away.
TEST(ChunkTransitions, BuildDiscardable) {
    const bool expected[] = {true, true, true, false, true, false, false};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(build_discardable(kAllChunkStates[i]), expected[i])
            << to_string(kAllChunkStates[i]);
    }
}

// How a job ends once no chunk is left to claim.
TEST(SettledState, FromCounts) {
    EXPECT_EQ(settled_state(5, 5, 0), JobState::Completed);
    EXPECT_EQ(settled_state(1, 1, 0), JobState::Completed);
    EXPECT_EQ(settled_state(5, 4, 1), JobState::Failed);
    EXPECT_EQ(settled_state(5, 0, 5), JobState::Failed);
    EXPECT_EQ(settled_state(5, 3, 0), JobState::Running);
    EXPECT_EQ(settled_state(5, 0, 0), JobState::Running);
}

}  // namespace
}  // namespace backfill

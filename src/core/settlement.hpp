// When a job settles: what it becomes once no chunk is left to claim. The
// runners and backfill.publish() take this one decision.
#pragma once

#include <vector>

#include "core/options.hpp"
#include "core/states.hpp"

namespace backfill {

// How many of a job's chunks are in each state that matters to settling.
struct ChunkTally {
    int total = 0;
    int published = 0;
    int failed = 0;
    int unfinished = 0;  // pending or running: someone still builds them
    int built = 0;
    int skipped = 0;  // at or above the watermark: done without being written
};

ChunkTally tally_of(const std::vector<ChunkState>& states);

enum class Settlement {
    NotYet,        // chunks are still built, or published by another runner
    AwaitPublish,  // manual mode: paused until backfill.publish()
    Completed,     // every chunk is published
    Failed,        // nothing left to do but chunks failed
};

// What a running job becomes once nothing is left to claim:
//   chunks pending or running: not yet (another runner builds them);
//   every chunk published: completed;
//   built chunks and no failure: awaiting publication in manual mode,
//     otherwise not yet (a runner is publishing them and settles after);
//   otherwise (a chunk failed): failed.
// backfill.publish() completes a job on the same decision; it never pauses
// or fails one.
Settlement settle_job(const ChunkTally& tally, PublishMode publish);

// The job state a settlement moves the job to (NotYet: none, a bug).
JobState settled_job_state(Settlement settlement);

}  // namespace backfill

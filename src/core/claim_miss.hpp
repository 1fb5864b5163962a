// What a runner does when its claim took no chunk. A claim reads the free
// chunks, then takes the chunk lock of one; a runner claiming at the same
// instant can find that every chunk it read was taken meanwhile and come
// back empty-handed. It must then try again rather than leave the job:
// nothing restarts a worker that left. Chunks another runner is building
// (their chunk lock held) are not free: a runner leaves when only those
// remain, and the one building the last chunk settles the job.
#pragma once

#include <cstdint>

namespace backfill {

struct ClaimRetry {
    bool again = false;         // free chunks remain: claim again
    std::int64_t pause_ms = 0;  // after this pause (again only)
};

// free_chunks: the job's pending or running chunks whose chunk lock nobody
// holds, counted after the miss; misses: the claims in a row that took
// nothing, this one included (1 or more). The pause is short, as a race
// between two claims lasts about a millisecond, and doubles with each
// further miss up to a quarter of a second, so that a chunk that stays
// unclaimable is not polled hard.
ClaimRetry after_claim_miss(int free_chunks, int misses);

}  // namespace backfill

// Which other job stands in the way of a new one: two jobs that rebuild the
// same partition at the same time would publish over each other, so a job
// is refused while another unfinished job on the target covers one of its
// partitions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/states.hpp"
#include "core/user_error.hpp"

namespace backfill {

// One partition a job covers: [lower_key, upper_key) as the planner's sort
// keys (decimal text), and its name for messages.
struct KeySpan {
    std::string partition;
    std::string lower_key, upper_key;
};

// A chunk of another job on the same target.
struct OtherJobChunk {
    std::string job_name;
    std::string owner;  // role name
    bool same_owner;    // the caller owns it: its name may be shown
    JobState state;
    bool purged;  // its retained originals and shadows were dropped
    KeySpan span;
};

// Whether a job still holds its partitions: in any state but completed,
// cancelled and rolled_back (a failed job can be retried), unless purged.
bool holds_partitions(JobState state, bool purged);

// The first chunk of a job holding its partitions that intersects one of
// mine, or nullopt.
std::optional<OtherJobChunk> find_overlap(const std::vector<KeySpan>& mine,
                                          const std::vector<OtherJobChunk>& others);

// The refusal for an overlap: names the other job, or only its owner when
// another role owns it (job names are private per owner), and says what to
// do.
UserError overlap_refusal(const OtherJobChunk& other, const std::string& target);

}  // namespace backfill

#include "core/overlap.hpp"

#include "core/planner.hpp"
#include "core/user_error.hpp"

namespace backfill {

bool holds_partitions(JobState state, bool purged) {
    return !purged && state != JobState::Completed && state != JobState::Cancelled &&
           state != JobState::RolledBack;
}

// Half-open key ranges intersect when each starts before the other ends.
std::optional<OtherJobChunk> find_overlap(const std::vector<KeySpan>& mine,
                                          const std::vector<OtherJobChunk>& others) {
    for (const OtherJobChunk& other : others) {
        if (!holds_partitions(other.state, other.purged)) {
            continue;
        }
        for (const KeySpan& span : mine) {
            if (compare_decimal(span.lower_key, other.span.upper_key) < 0 &&
                compare_decimal(other.span.lower_key, span.upper_key) < 0) {
                return other;
            }
        }
    }
    return std::nullopt;
}

// Another role's job is named by its owner only: no role learns the names
// of another role's jobs.
UserError overlap_refusal(const OtherJobChunk& other, const std::string& target) {
    const std::string who = other.same_owner ? "backfill job \"" + other.job_name + "\""
                                             : "a backfill job of role " + other.owner;
    const std::string what_to_do =
        other.same_owner ? "Wait until that job completes, or cancel or roll back it first"
                         : "Ask role " + other.owner +
                               " to let its job complete, or to cancel or roll back it first";
    return UserError(ErrorKind::WrongState,
                     "partition " + other.span.partition + " of " + target + " is covered by " +
                         who + " (state " + to_string(other.state) + ")",
                     "Two jobs rebuilding the same partition would publish over each other. " +
                         what_to_do + "; or choose a range that leaves the partition out.");
}

}  // namespace backfill

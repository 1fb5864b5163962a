#include "core/partition_shapes.hpp"

#include <algorithm>
#include <set>

namespace backfill {

namespace {

// Whether option partitions (empty: everything) names the leaf or a
// partition above it.
bool named(const LeafInfo& leaf, const std::set<std::string>& names) {
    if (names.empty() || names.count(leaf.qualified) > 0)
        return true;
    return std::any_of(leaf.above.begin(), leaf.above.end(),
                       [&](const std::string& a) { return names.count(a) > 0; });
}

// Refuses a name of option partitions that is neither a leaf nor a
// partitioned partition of the target.
void refuse_unknown_names(const std::vector<LeafInfo>& leaves, const ShapeChoice& choice,
                          const std::string& target) {
    std::set<std::string> known;
    for (const LeafInfo& leaf : leaves) {
        known.insert(leaf.qualified);
        known.insert(leaf.above.begin(), leaf.above.end());
    }
    for (const std::string& name : choice.partitions)
        if (known.count(name) == 0)
            throw UserError(
                ErrorKind::InvalidParameter,
                "option \"partitions\": " + name + " is not a partition of table " + target,
                "Name leaf partitions, or partitioned partitions meaning all their "
                "leaves, qualified with their schema.");
}

// Refuses a default partition named on its own without include_default.
void refuse_named_default(const LeafInfo& leaf, const ShapeChoice& choice) {
    if (!choice.include_default && leaf.is_default &&
        std::find(choice.partitions.begin(), choice.partitions.end(), leaf.qualified) !=
            choice.partitions.end())
        throw UserError(
            ErrorKind::InvalidParameter,
            "option \"partitions\" names " + leaf.qualified + ", which is a default partition",
            "Set option include_default to true to rebuild default partitions.");
}

// Refuses a chosen leaf the swap cannot rebuild.
void refuse_leaf(const LeafInfo& leaf, const ShapeChoice& choice) {
    if (leaf.is_foreign)
        throw UserError(ErrorKind::FeatureNotSupported,
                        "partition " + leaf.qualified + " is a foreign table",
                        "Its rows live on another server, where backfill cannot build a shadow. "
                        "Leave it out with option partitions.");
    if (choice.range_keyed && leaf.under_top_default)
        throw UserError(ErrorKind::FeatureNotSupported,
                        "partition " + leaf.qualified +
                            " lies in the default partition of the top level, which has no "
                            "bounds to give $1 and $2",
                        "Leave include_default false, or give range_from/range_to or option "
                        "partitions that leave it out.");
}

// Whether a leaf passes the default rule: a default partition (at any
// level) only with include_default; under the top level's default of a
// range-keyed target only when no range was given (a range cannot hold it).
bool default_allowed(const LeafInfo& leaf, const ShapeChoice& choice) {
    if (leaf.is_default && !choice.include_default)
        return false;
    return !(choice.range_keyed && leaf.under_top_default &&
             (choice.from.given || choice.to.given));
}

// Orders chunks of one top-level partition (or of a target without
// bounds) by name, for a stable plan.
void sort_by_name(std::vector<std::size_t>& indexes, const std::vector<LeafInfo>& leaves) {
    std::stable_sort(indexes.begin(), indexes.end(), [&](std::size_t a, std::size_t b) {
        return leaves[a].qualified < leaves[b].qualified;
    });
}

// The chunk of one leaf, with the given bounds, numbered in order.
PlannedChunk leaf_chunk(const std::vector<LeafInfo>& leaves, std::size_t index, const Bound& lower,
                        const Bound& upper, std::size_t done) {
    const LeafInfo& leaf = leaves[index];
    return PlannedChunk{static_cast<int>(done) + 1,
                        index,
                        leaf.qualified,
                        lower,
                        upper,
                        leaf.est_rows,
                        leaf.est_bytes};
}

}  // namespace

// A job rebuilds leaves; the top level's range (when it has one) picks whole
// top-level partitions, the options pick among their leaves.
std::vector<PlannedChunk> plan_leaf_chunks(const std::vector<PartitionInfo>& top_level,
                                           const std::vector<LeafInfo>& leaves,
                                           const ShapeChoice& choice, const std::string& target) {
    if (!choice.range_keyed)
        if (auto refusal =
                range_without_bounds_refusal(choice.from.given || choice.to.given, target))
            throw *refusal;
    refuse_unknown_names(leaves, choice, target);
    const std::set<std::string> names(choice.partitions.begin(), choice.partitions.end());
    std::vector<std::size_t> chosen;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        if (!named(leaves[i], names))
            continue;
        refuse_named_default(leaves[i], choice);
        if (!default_allowed(leaves[i], choice))
            continue;
        refuse_leaf(leaves[i], choice);
        chosen.push_back(i);
    }
    const Bound none_low{BoundKind::MinValue, "", ""};
    const Bound none_high{BoundKind::MaxValue, "", ""};
    std::vector<PlannedChunk> chunks;
    if (!choice.range_keyed) {
        sort_by_name(chosen, leaves);
        for (std::size_t i : chosen)
            chunks.push_back(leaf_chunk(leaves, i, none_low, none_high, chunks.size()));
    } else {
        // only the top-level partitions holding a chosen leaf are planned,
        // so a range is judged against what the job would rebuild
        std::vector<PartitionInfo> holding;
        std::vector<std::size_t> holding_index;
        for (std::size_t t = 0; t < top_level.size(); ++t)
            if (std::any_of(chosen.begin(), chosen.end(), [&](std::size_t i) {
                    return !leaves[i].under_top_default && leaves[i].top_partition == t;
                })) {
                holding.push_back(top_level[t]);
                holding_index.push_back(t);
            }
        std::vector<PlannedChunk> in_range;
        // (with nothing to plan, plan_chunks says why, unless the options
        // chose leaves elsewhere)
        if (!holding.empty() || choice.partitions.empty() || choice.from.given || choice.to.given)
            in_range = plan_chunks(holding, choice.from, choice.to, target);
        for (const PlannedChunk& top : in_range) {
            std::vector<std::size_t> below;
            for (std::size_t i : chosen)
                if (!leaves[i].under_top_default &&
                    leaves[i].top_partition == holding_index[top.partition_index])
                    below.push_back(i);
            sort_by_name(below, leaves);
            for (std::size_t i : below)
                chunks.push_back(leaf_chunk(leaves, i, top.lower, top.upper, chunks.size()));
        }
    }
    if (chunks.empty())
        throw UserError(ErrorKind::InvalidParameter,
                        "no partition of table " + target + " is chosen",
                        "Default partitions are chunks only with include_default; check option "
                        "partitions, range_from and range_to.");
    return chunks;
}

std::optional<UserError> range_without_bounds_refusal(bool range_given, const std::string& target) {
    if (!range_given)
        return std::nullopt;
    return UserError(ErrorKind::InvalidParameter,
                     "range_from and range_to must be NULL for table " + target,
                     "Its top level is not partitioned by RANGE on one column; choose partitions "
                     "with option partitions.");
}

std::string stored_sort_key(const Bound& bound) {
    if (bound.kind == BoundKind::Finite)
        return bound.sort_key;
    const std::string nines(200, '9');
    return bound.kind == BoundKind::MinValue ? "-" + nines : nines;
}

std::optional<UserError> shape_option_change_refusal(const JobOptions& before,
                                                     const JobOptions& after) {
    if (before.partitions == after.partitions && before.include_default == after.include_default)
        return std::nullopt;
    return UserError(ErrorKind::InvalidParameter,
                     "options partitions and include_default cannot be changed after create",
                     "They chose the job's chunks; create a new job for other partitions.");
}

}  // namespace backfill

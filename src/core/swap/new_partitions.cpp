#include "core/swap/new_partitions.hpp"

#include <algorithm>

namespace backfill {

namespace {

// Whether a partition has the bounds of one the job already knows.
bool is_known(const PartitionInfo& p, const std::vector<std::pair<Bound, Bound>>& known) {
    for (const auto& [lower, upper] : known) {
        if (compare_bounds(lower, p.lower) == 0 && compare_bounds(upper, p.upper) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

// Compares what the target has now with what the job knows, so that a
// partition created mid-job is found, whatever its name.
std::vector<NewPartition> find_new_partitions(const std::vector<PartitionInfo>& partitions,
                                              const RangeLimit& from, const RangeLimit& to,
                                              const std::vector<std::pair<Bound, Bound>>& known) {
    const Bound low = from.given ? from.value : Bound{BoundKind::MinValue, "", ""};
    const Bound high = to.given ? to.value : Bound{BoundKind::MaxValue, "", ""};
    std::vector<NewPartition> out;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
        const PartitionInfo& p = partitions[i];
        if (p.is_default || compare_bounds(p.upper, low) <= 0 ||
            compare_bounds(p.lower, high) >= 0 || is_known(p, known)) {
            continue;
        }
        const bool inside = compare_bounds(p.lower, low) >= 0 && compare_bounds(p.upper, high) <= 0;
        const bool finite = p.lower.kind == BoundKind::Finite && p.upper.kind == BoundKind::Finite;
        out.push_back(NewPartition{i, inside && finite && !p.is_partitioned});
    }
    std::stable_sort(out.begin(), out.end(), [&](const NewPartition& a, const NewPartition& b) {
        return compare_bounds(partitions[a.partition_index].lower,
                              partitions[b.partition_index].lower) < 0;
    });
    return out;
}

}  // namespace backfill

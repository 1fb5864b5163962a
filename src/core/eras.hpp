// A source per era of the key (option sources): when the schema drifted
// across history, each range of the key is read by the query written for
// it. Which era a chunk belongs to, and whether the eras tile the job's
// range, is decided here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/planner.hpp"

namespace backfill {

// One entry of the option sources, as given: the era's bounds as literals
// of the key's type (from included, to excluded) and its source.
struct SourceEra {
    std::string from, to, source;
};

// An era's bounds read in the key's type.
struct EraSpan {
    Bound from, to;
};

// Refuses eras (in the order of the option) that do not tile the job's
// range: each must end above where it starts, start where the one before
// ends (a gap or an overlap is named with both eras), the first start at
// range_from and the last end at range_to when those are given; and every
// chunk must lie inside one era (a chunk spanning two, or outside them all,
// is named). Returns the era of each chunk, in the order of chunks.
// Throws UserError.
std::vector<std::size_t> assign_eras(const std::vector<EraSpan>& eras,
                                     const std::vector<PlannedChunk>& chunks,
                                     const std::optional<Bound>& range_from,
                                     const std::optional<Bound>& range_to);

// The era that holds [lower, upper), or nullopt when none does.
std::optional<std::size_t> era_holding(const std::vector<EraSpan>& eras, const Bound& lower,
                                       const Bound& upper);

}  // namespace backfill

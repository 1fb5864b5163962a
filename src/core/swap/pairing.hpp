// Pairs the indexes (or extended statistics) of a live partition with
// those of its shadow by identity (what the object is, see
// index_identity), never by name or position.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace backfill {

struct Pairing {
    // (live position, shadow position), in live order.
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    std::vector<std::size_t> live_only;    // the shadow lacks these
    std::vector<std::size_t> shadow_only;  // the live partition no longer has these
};

// Each live identity takes the first unpaired shadow entry with the same
// identity; duplicates pair one to one, in order.
Pairing pair_by_identity(const std::vector<std::string>& live,
                         const std::vector<std::string>& shadow);

// The same for objects that carry their identity in a member `identity`
// (indexes, constraints, statistics objects as the catalog describes them).
template <typename Described>
Pairing pair_by_identity(const std::vector<Described>& live, const std::vector<Described>& shadow) {
    const auto identities = [](const std::vector<Described>& objects) {
        std::vector<std::string> out;
        for (const auto& o : objects)
            out.push_back(o.identity);
        return out;
    };
    return pair_by_identity(identities(live), identities(shadow));
}

}  // namespace backfill

#include "core/swap/pairing.hpp"

namespace backfill {

// Two lists of identities, matched one to one: what is left on either side
// is what the shadow must gain or lose before it can take the live names.
Pairing pair_by_identity(const std::vector<std::string>& live,
                         const std::vector<std::string>& shadow) {
    Pairing out;
    std::vector<bool> taken(shadow.size(), false);
    for (std::size_t i = 0; i < live.size(); i++) {
        bool found = false;
        for (std::size_t j = 0; j < shadow.size() && !found; j++) {
            if (!taken[j] && shadow[j] == live[i]) {
                taken[j] = true;
                found = true;
                out.pairs.emplace_back(i, j);
            }
        }
        if (!found) {
            out.live_only.push_back(i);
        }
    }
    for (std::size_t j = 0; j < shadow.size(); j++) {
        if (!taken[j]) {
            out.shadow_only.push_back(j);
        }
    }
    return out;
}

}  // namespace backfill

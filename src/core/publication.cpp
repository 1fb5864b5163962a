#include "core/publication.hpp"

namespace backfill {

namespace {

// The built chunks of [first, last) as 1-based numbers, or nothing when one
// of them is not built or published yet.
std::vector<int> complete_group(const std::vector<ChunkState>& states, std::size_t first,
                                std::size_t last) {
    std::vector<int> unit;
    for (std::size_t i = first; i < last; i++) {
        if (states[i] == ChunkState::Built)
            unit.push_back(static_cast<int>(i + 1));
        else if (states[i] != ChunkState::Published)
            return {};
    }
    return unit;
}

}  // namespace

std::vector<std::vector<int>> ready_units(PublishMode mode, std::optional<int> partitions_per_batch,
                                          const std::vector<ChunkState>& states) {
    std::vector<std::vector<int>> units;
    switch (mode) {
        case PublishMode::Each:
            for (std::size_t i = 0; i < states.size(); i++)
                if (states[i] == ChunkState::Built)
                    units.push_back({static_cast<int>(i + 1)});
            break;
        case PublishMode::Batch: {
            std::size_t n = static_cast<std::size_t>(partitions_per_batch.value_or(1));
            for (std::size_t first = 0; first < states.size(); first += n) {
                auto unit = complete_group(states, first, std::min(states.size(), first + n));
                if (!unit.empty())
                    units.push_back(unit);
            }
            break;
        }
        case PublishMode::End: {
            auto unit = complete_group(states, 0, states.size());
            if (!unit.empty())
                units.push_back(unit);
            break;
        }
        case PublishMode::Manual:
            break;
    }
    return units;
}

// Checked under the parent's lock and the job row's, however long the
// publisher waited to get there.
std::optional<std::vector<std::vector<int>>> units_of_built(PublishMode mode,
                                                            const std::vector<int>& built) {
    std::vector<std::vector<int>> units;
    if (mode == PublishMode::Manual)
        return units;
    if (mode != PublishMode::Each)
        return std::nullopt;
    for (int no : built)
        units.push_back({no});
    return units;
}

PublishGate publish_gate(JobState job_now, bool manual) {
    if (is_terminal(job_now)) {
        return PublishGate::Refuse;
    }
    if (job_now == JobState::Paused && !manual) {
        return PublishGate::KeepBuilt;
    }
    return PublishGate::Publish;
}

}  // namespace backfill

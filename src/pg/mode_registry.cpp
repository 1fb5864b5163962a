// The registry of modes: the job's mode column to its implementation.
#include <utility>

#include "core/user_error.hpp"
#include "pg/mode.hpp"
#include "pg/swap/swap_mode.hpp"

namespace backfill::pg {

namespace {

// Every mode this build implements, by the name the job's mode column holds.
const std::pair<const char*, const Mode& (*)()> kModes[] = {
    {"swap", swap_mode},
};

}  // namespace

const Mode& mode_of(const Job& job) {
    for (const auto& [name, implementation] : kModes)
        if (job.mode == name)
            return implementation();
    throw UserError(ErrorKind::WrongState,
                    "backfill job \"" + job.name + "\" has mode \"" + job.mode +
                        "\", which this version of backfill does not implement",
                    "Install the version of backfill that created the job.");
}

}  // namespace backfill::pg

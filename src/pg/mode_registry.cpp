// The registry of modes: the job's mode column to its implementation.
#include <string>
#include <utility>

#include "core/user_error.hpp"
#include "pg/merge/merge_mode.hpp"
#include "pg/mode.hpp"
#include "pg/swap/swap_mode.hpp"

namespace backfill::pg {

namespace {

// Every mode this build implements, by the name the job's mode column
// (and the option "mode") holds.
const std::pair<const char*, const Mode& (*)()> kModes[] = {
    {"swap", swap_mode},
    {"merge", merge_mode},
};

// The implementation called name, or nullptr.
const Mode* find_mode(const std::string& name) {
    for (const auto& [known, implementation] : kModes)
        if (name == known)
            return &implementation();
    return nullptr;
}

}  // namespace

const Mode& mode_named(const std::string& name) {
    if (const Mode* mode = find_mode(name))
        return *mode;
    throw UserError(ErrorKind::InvalidParameter,
                    "mode \"" + name + "\" is not implemented by this version of backfill",
                    "Known modes: swap, merge.");
}

const Mode& mode_of(const Job& job) {
    if (const Mode* mode = find_mode(job.mode))
        return *mode;
    throw UserError(ErrorKind::WrongState,
                    "backfill job \"" + job.name + "\" has mode \"" + job.mode +
                        "\", which this version of backfill does not implement",
                    "Install the version of backfill that created the job.");
}

}  // namespace backfill::pg

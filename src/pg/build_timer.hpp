// statement_timeout for a chunk's build: it does not reach statements run
// inside a procedure (CALL backfill.run), so a build is timed with a
// timeout of its own.
#pragma once

#include <cstdint>
#include <optional>

namespace backfill::pg {

// While alive, cancels the running statement once limit_us has passed (no
// limit: nothing).
class BuildTimer {
public:
    explicit BuildTimer(std::optional<std::int64_t> limit_us);
    ~BuildTimer();
    BuildTimer(const BuildTimer&) = delete;
    BuildTimer& operator=(const BuildTimer&) = delete;

private:
    bool armed_;
};

// Whether the last cancel came from a BuildTimer; reading it clears it.
bool build_timed_out();

}  // namespace backfill::pg

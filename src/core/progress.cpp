#include "progress.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

namespace backfill {

// The bar column of backfill.progress: readable at a glance in psql.
std::string progress_bar(double pct, int width) {
    const double clamped = std::isnan(pct) ? 0.0 : std::clamp(pct, 0.0, 100.0);
    const int cells = std::max(width, 0);
    const int filled = static_cast<int>(std::floor(clamped * cells / 100.0));
    const long figure = std::lround(clamped);
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(cells - filled), '-') + "] " +
           std::to_string(figure) + "%";
}

// The eta column of backfill.progress: the pace so far, extended to the rest.
std::optional<double> eta_seconds(int done, int total, double elapsed_seconds) {
    if (done <= 0) {
        return std::nullopt;
    }
    if (done >= total) {
        return 0.0;
    }
    return std::max(elapsed_seconds, 0.0) * (total - done) / done;
}

}  // namespace backfill

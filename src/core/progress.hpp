// Figures for people: the progress bar and the time left.
#pragma once

#include <optional>
#include <string>

namespace backfill {

// "[######----] 60%" for width 10; pct is clamped to 0..100 and rounded down
// for the bar, to the nearest integer for the figure.
std::string progress_bar(double pct, int width = 20);

// Seconds left, from the pace so far: elapsed * (total - done) / done.
// nullopt while nothing is done; 0 when all is done.
std::optional<double> eta_seconds(int done, int total, double elapsed_seconds);

}  // namespace backfill

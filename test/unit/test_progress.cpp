#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "core/progress.hpp"

namespace backfill {
namespace {

// The documented example and the ends of the scale.
TEST(ProgressBar, Shapes) {
    EXPECT_EQ(progress_bar(60, 10), "[######----] 60%");
    EXPECT_EQ(progress_bar(0), "[--------------------] 0%");
    EXPECT_EQ(progress_bar(100), "[####################] 100%");
    EXPECT_EQ(progress_bar(50, 4), "[##--] 50%");
}

// The bar rounds down, the figure to the nearest integer.
TEST(ProgressBar, Rounding) {
    EXPECT_EQ(progress_bar(59.9, 10), "[#####-----] 60%");
    EXPECT_EQ(progress_bar(33.3, 20), "[######--------------] 33%");
    EXPECT_EQ(progress_bar(99.5, 10), "[#########-] 100%");
    EXPECT_EQ(progress_bar(0.4, 10), "[----------] 0%");
    EXPECT_EQ(progress_bar(100.0 * 2 / 3, 3), "[##-] 67%");
}

// Out-of-range percentages are clamped, never drawn past the bar.
TEST(ProgressBar, Clamping) {
    EXPECT_EQ(progress_bar(150, 10), "[##########] 100%");
    EXPECT_EQ(progress_bar(-5, 10), "[----------] 0%");
    EXPECT_EQ(progress_bar(std::numeric_limits<double>::quiet_NaN(), 5), "[-----] 0%");
    EXPECT_EQ(progress_bar(std::numeric_limits<double>::infinity(), 2), "[##] 100%");
    EXPECT_EQ(progress_bar(50, 0), "[] 50%");
    EXPECT_EQ(progress_bar(50, -3), "[] 50%");
}

// The pace so far, extended to the rest.
TEST(EtaSeconds, FromPace) {
    EXPECT_EQ(eta_seconds(0, 10, 5.0), std::nullopt);
    EXPECT_EQ(eta_seconds(5, 10, 10.0), 10.0);
    EXPECT_EQ(eta_seconds(3, 4, 30.0), 10.0);
    EXPECT_EQ(eta_seconds(1, 3, 2.5), 5.0);
    EXPECT_EQ(eta_seconds(10, 10, 99.0), 0.0);
    EXPECT_EQ(eta_seconds(11, 10, 99.0), 0.0);
    EXPECT_EQ(eta_seconds(2, 4, -1.0), 0.0);
}

}  // namespace
}  // namespace backfill

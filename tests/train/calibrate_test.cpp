// fit_calibration: the wet-day threshold keeps as many wet predictions as the
// gauges have wet days, the gain restores the volume, edge cases stay sane.
#include "train/fit/calibrate.h"

#include <gtest/gtest.h>

using namespace rf::pipe;

TEST(Calibration, MatchesTheWetDayShareAndTheVolume) {
  // Ten days, four wet gauges; the model drizzles 0.3 mm on the dry days.
  const std::vector<float> gauge{0, 0, 0, 0, 0, 0, 4, 6, 2, 8};
  const std::vector<float> pred{0.3f, 0.3f, 0.2f, 0.4f, 0.3f, 0.5f, 3, 5, 2, 6};
  float tau = -1, k = -1;
  fit_calibration(pred, gauge, tau, k);
  EXPECT_EQ(tau, 2.0f);  // the 4 largest predictions stay wet
  EXPECT_FLOAT_EQ(k, 20.0f / 16.0f);
  int wet = 0;
  for (float v : pred) wet += v >= tau;
  EXPECT_EQ(wet, 4);
}

TEST(Calibration, EdgeCases) {
  float tau, k;
  fit_calibration({}, {}, tau, k);
  EXPECT_EQ(tau, 0.0f);
  EXPECT_EQ(k, 1.0f);
  fit_calibration({1, 2, 3}, {1, 2, 3}, tau, k);  // every day wet: nothing is cut
  EXPECT_EQ(tau, 0.0f);
  EXPECT_EQ(k, 1.0f);
  fit_calibration({0.5f, 0.2f}, {0, 0}, tau, k);  // never wet: every prediction becomes 0
  EXPECT_GT(tau, 0.5f);
  EXPECT_EQ(k, 1.0f);
  fit_calibration({1, 1, 1, 1}, {0, 0, 0, 100}, tau, k);  // the gain is clamped to [0.5, 2]
  EXPECT_EQ(k, 2.0f);
}

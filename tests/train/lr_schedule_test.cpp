// train.lr_schedule: constant is train.lr at every step; cosine warms up
// linearly over the first 5 % of max_epochs x steps_per_epoch, peaks at
// train.lr, decays monotonically and ends near 0 on the job's last step.
#include <gtest/gtest.h>

#include <cmath>

#include "train/fit/fit_model.h"

namespace rf::pipe {
namespace {

TEST(LrSchedule, ConstantIsTheConfiguredRate) {
  RunConfig c;
  c.lr = 3e-3;
  for (int64_t step : {0, 1, 57, 10000}) EXPECT_DOUBLE_EQ(scheduled_lr(c, 6, step), 3e-3);
}

TEST(LrSchedule, CosineWarmsUpPeaksAndDecaysToZero) {
  RunConfig c;
  c.lr = 2e-3;
  c.lr_schedule = "cosine";
  c.steps_per_epoch = 50;
  const int epochs = 6;  // 300 steps, 15 of warm-up
  EXPECT_NEAR(scheduled_lr(c, epochs, 0), 2e-3 / 15, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, epochs, 14), 2e-3, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, epochs, 15), 2e-3, 1e-12);
  // Half-way through the decay: lr / 2.
  EXPECT_NEAR(scheduled_lr(c, epochs, 15 + 285 / 2), 1e-3, 2e-5);
  double prev = scheduled_lr(c, epochs, 15);
  for (int64_t s = 16; s < 300; ++s) {
    const double lr = scheduled_lr(c, epochs, s);
    EXPECT_LE(lr, prev) << "step " << s;
    prev = lr;
  }
  EXPECT_LT(scheduled_lr(c, epochs, 299), 2e-3 * 1e-3);
  // The schedule follows the job's own length (the final model's median epochs).
  EXPECT_GT(scheduled_lr(c, 12, 299), 0.4e-3);
}

}  // namespace
}  // namespace rf::pipe

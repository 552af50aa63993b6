// qh-ref's memory goals at the benchmark shapes (peak bytes of the counting
// allocator, which sees every tensor and kernel scratch buffer):
//   patch  (B=16, T=7, 32 x 32) training step (forward + backward + Adam) <= 500 MiB
//   tile   (B=1,  T=7, 256 x 256) no-grad forward                         <= 200 MiB
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"
#include "nn/train_step.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

using rf::testutil::random_tensor;
constexpr int64_t kMiB = 1 << 20;

TEST(Memory, PatchTrainingStepWithin500MiB) {
  QhRef model;
  model.init(1);
  Adam opt(model.parameters(), kernels::AdamParams{});
  Tensor x = random_tensor({16, 8, 7, 32, 32}, 2);
  Tensor t = random_tensor({16, 1, 32, 32}, 3);
  train_step(model, opt, x, t);  // first step: gradients come to exist
  mem_reset_peak(Device::CPU);
  const float loss = train_step(model, opt, x, t);
  const int64_t peak = mem_stats(Device::CPU).peak_bytes;
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_LE(peak, 500 * kMiB) << "peak " << peak / kMiB << " MiB";
  RecordProperty("peak_MiB", int(peak / kMiB));
}

TEST(Memory, TileForwardWithin200MiB) {
  QhRef model;
  model.init(4);
  Tensor x = random_tensor({1, 8, 7, 256, 256}, 5);
  NoGradGuard no_grad;
  mem_reset_peak(Device::CPU);
  Tensor y = model.forward(x, false);
  const int64_t peak = mem_stats(Device::CPU).peak_bytes;
  EXPECT_EQ(y.shape(), Shape({1, 1, 256, 256}));
  EXPECT_LE(peak, 200 * kMiB) << "peak " << peak / kMiB << " MiB";
  RecordProperty("peak_MiB", int(peak / kMiB));
}

}  // namespace
}  // namespace rf::nn

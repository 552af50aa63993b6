// The whole 0.01-degree Qinghai grid (1 x 8 x 7 x 856 x 1392) forward through
// exact tiles stays within 2 GiB; its tiles agree with a whole pass on a crop.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/qh_ref.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

TEST(Province, TiledForwardWithin2GiB) {
  QhRef model;
  model.init(7);
  Tensor x = rf::testutil::random_tensor({1, 8, 7, 856, 1392}, 8);
  NoGradGuard no_grad;
  mem_reset_peak(Device::CPU);
  Tensor y = model.forward_tiled(x);
  const int64_t peak = mem_stats(Device::CPU).peak_bytes;
  EXPECT_EQ(y.shape(), Shape({1, 1, 856, 1392}));
  EXPECT_LE(peak, int64_t(2) << 30) << "peak " << (peak >> 20) << " MiB";
  RecordProperty("peak_MiB", int(peak >> 20));
  // The top-left 64 x 64 of the grid, computed as a whole pass with the tiled
  // result's own context: rows/cols 0..63 depend on 0..79 only (halo 16).
  Tensor corner = crop_hw(model.forward(crop_hw(x, 80, 80), false), 64, 64);
  const auto a = corner.to_vector(), b = crop_hw(y, 64, 64).to_vector();
  EXPECT_LT(rf::testutil::rel_l2(a, b), 1e-5);
}

}  // namespace
}  // namespace rf::nn

// Tiled inference runs in memory that does not grow with the grid: with the
// same tile, a grid of 3.3x the pixels needs the same working memory (allocator
// peak less the live input and the output), and the tiles agree with a whole
// pass on a crop. This is what keeps the whole 0.01-degree province
// (1 x 8 x 7 x 856 x 1392, 256-px tiles) within 2 GiB; that size itself is
// measured by bench_model_ours (province_forward, alloc_peak_MiB), not here.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/qh_ref.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

constexpr int kTile = 64, kHalo = 16;

// Allocator peak of forward_tiled beyond its input (live before) and output.
int64_t working_bytes(const QhRef& model, const Tensor& x, Tensor* y) {
  mem_reset_peak(Device::CPU);
  const int64_t before = mem_stats(Device::CPU).live_bytes;
  *y = model.forward_tiled(x, kTile, kHalo);
  return mem_stats(Device::CPU).peak_bytes - before - y->numel() * int64_t(sizeof(float));
}

TEST(TiledForward, WorkingMemoryDoesNotGrowWithTheGrid) {
  QhRef model;
  model.init(7);
  NoGradGuard no_grad;
  Tensor y_small, y_big;
  const int64_t small = working_bytes(model, rf::testutil::random_tensor({1, 8, 7, 192, 192}, 8), &y_small);
  const Tensor x = rf::testutil::random_tensor({1, 8, 7, 320, 384}, 9);
  const int64_t big = working_bytes(model, x, &y_big);
  EXPECT_EQ(y_big.shape(), Shape({1, 1, 320, 384}));
  EXPECT_GT(small, 0);
  // Both grids have interior tiles (full halo on every side), the largest work
  // item: the same working set, up to per-call scratch rounding.
  EXPECT_LE(big, small + small / 20) << "working MiB: " << (small >> 20) << " on 192x192, " << (big >> 20)
                                     << " on 320x384";
  RecordProperty("working_MiB", int(big >> 20));
  // The top-left 48 x 48, computed as a whole pass with the tiled result's own
  // context: rows/cols 0..47 depend on 0..63 only (halo 16).
  Tensor corner = crop_hw(model.forward(crop_hw(x, 64, 64), false), 48, 48);
  const auto a = corner.to_vector(), b = crop_hw(y_big, 48, 48).to_vector();
  EXPECT_LT(rf::testutil::rel_l2(a, b), 1e-5);
}

}  // namespace
}  // namespace rf::nn

// Philox4x32-10 known-answer vectors (Random123 kat_vectors) and dropout:
// keep rate, scaling, mask regenerated in backward, offsets, p = 0.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/common/philox.h"
#include "kernels/dropout/dropout.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

struct Kat {
  uint32_t ctr[4], key[2], out[4];
};

TEST(Philox, KnownAnswerVectors) {
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const Philox4 r = philox4x32_10(Philox4{{k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]}}, k.key[0], k.key[1]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(r.v[i], k.out[i]) << "word " << i;
  }
}

TEST(Philox, StreamMappingAndUnitRange) {
  // element g of seed s is lane g % 4 of the block counter {g / 4, 0, 0}, key {lo, hi}
  const uint64_t seed = 0x0123456789abcdefull, g = 4 * ((uint64_t(5) << 32) + 1000) + 3;
  const Philox4 r = philox4x32_10(Philox4{{1000, 5, 0, 0}}, 0x89abcdefu, 0x01234567u);
  EXPECT_EQ(philox_uniform(seed, g), float(r.v[3] >> 8) / 16777216.0f);
  EXPECT_EQ(philox_to_unit_float(0xffffffffu), 1.0f - 1.0f / 16777216.0f);
  EXPECT_EQ(philox_to_unit_float(0u), 0.0f);
}

TEST(Dropout, KeepRateScaleAndMaskReuse) {
  const int64_t n = 200003;
  DropoutParams d;
  d.p = 0.2f, d.seed = 42, d.offset = 7;
  const auto x = random_vec(n, 1, 0.5f, 2.0f);
  std::vector<float> y(n), dx(n);
  dropout_forward_cpu(n, d, x.data(), y.data());
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (y[i] != 0.0f) {
      ++kept;
      ASSERT_FLOAT_EQ(y[i], x[i] / 0.8f);
      ASSERT_EQ(y[i] != 0.0f, philox_uniform(d.seed, d.offset + i) >= d.p);
    }
  }
  // binomial: sd = sqrt(n p (1-p)) ~ 179; allow 5 sd
  EXPECT_NEAR(double(kept), 0.8 * n, 5 * std::sqrt(n * 0.16));

  // backward regenerates the same mask: dx = dy * mask / (1-p)
  dropout_backward_cpu(n, d, x.data(), dx.data(), false);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(dx[i], y[i]);
  auto acc = random_vec(n, 2, 0.5f, 2.0f);
  const auto before = acc;
  dropout_backward_cpu(n, d, x.data(), acc.data(), true);
  for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(acc[i], before[i] + y[i]);
}

TEST(Dropout, OffsetsAndSeedsGiveDifferentMasks) {
  const int64_t n = 10007;
  const auto x = random_vec(n, 3, 0.5f, 2.0f);
  DropoutParams a;
  a.p = 0.5f, a.seed = 9, a.offset = 0;
  DropoutParams b = a, c = a;
  b.offset = uint64_t(n);
  c.seed = 10;
  std::vector<float> ya(n), yb(n), yc(n);
  dropout_forward_cpu(n, a, x.data(), ya.data());
  dropout_forward_cpu(n, b, x.data(), yb.data());
  dropout_forward_cpu(n, c, x.data(), yc.data());
  int64_t same_b = 0, same_c = 0;
  for (int64_t i = 0; i < n; ++i) {
    same_b += (ya[i] != 0.0f) == (yb[i] != 0.0f);
    same_c += (ya[i] != 0.0f) == (yc[i] != 0.0f);
  }
  // independent masks agree on about half the elements
  EXPECT_NEAR(double(same_b), 0.5 * n, 5 * std::sqrt(n * 0.25));
  EXPECT_NEAR(double(same_c), 0.5 * n, 5 * std::sqrt(n * 0.25));

  // a call at offset k sees the same stream as element k of a call at offset 0
  DropoutParams shifted = a;
  shifted.offset = 13;
  std::vector<float> ys(n - 13);
  dropout_forward_cpu(n - 13, shifted, x.data() + 13, ys.data());
  for (int64_t i = 0; i < n - 13; ++i) ASSERT_EQ(ys[i], ya[i + 13]);
}

TEST(Dropout, BackwardMatchesFiniteDifferences) {
  // double reference: y_i = x_i / (1 - p) if philox_uniform(seed, offset + i) >= p else 0
  const int64_t n = 257;
  DropoutParams d;
  d.p = 0.3f, d.seed = 77, d.offset = 5;
  const auto x = random_vec(n, 5, 0.5f, 2.0f), w = random_vec(n, 6, 0.5f, 2.0f);
  std::vector<float> dx(n);
  dropout_backward_cpu(n, d, w.data(), dx.data(), false);
  std::vector<double> xd(x.begin(), x.end());
  auto loss = [&]() {
    double l = 0;
    for (int64_t i = 0; i < n; ++i)
      if (philox_uniform(d.seed, d.offset + i) >= d.p) l += w[i] * xd[i] / (1.0 - d.p);
    return l;
  };
  int64_t dropped = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double h = 1e-3, x0 = xd[i];
    xd[i] = x0 + h;
    const double lp = loss();
    xd[i] = x0 - h;
    const double lm = loss();
    xd[i] = x0;
    ASSERT_NEAR(dx[i], (lp - lm) / (2 * h), 1e-5) << i;
    dropped += dx[i] == 0.0f;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, n);
}

TEST(Dropout, ZeroProbabilityIsIdentity) {
  const int64_t n = 1001;
  const auto x = random_vec(n, 4, 0.5f, 2.0f);
  DropoutParams d;
  d.p = 0.0f, d.seed = 1, d.offset = 3;
  std::vector<float> y(n);
  dropout_forward_cpu(n, d, x.data(), y.data());
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], x[i]);
}

}  // namespace
}  // namespace rf::kernels

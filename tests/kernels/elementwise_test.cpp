// ReLU (forward, backward vs finite differences, accumulate), add, axpy, fill, sum.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/common/bf16.h"
#include "kernels/elementwise/elementwise.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

// sizes below and above the parallel threshold, odd
const int64_t kSizes[] = {37, 100003};

TEST(Elementwise, ReluForwardBackward) {
  for (int64_t n : kSizes) {
    const auto x = random_vec(n, 1), dy = random_vec(n, 2);
    std::vector<float> y(n), dx(n);
    relu_forward_cpu(n, x.data(), y.data());
    relu_backward_cpu(n, y.data(), dy.data(), dx.data(), false);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(y[i], std::max(x[i], 0.0f));
      // central difference of sum(dy * relu(x)) in double, away from the kink
      const double h = 1e-3, xd = x[i];
      if (std::abs(xd) > 2 * h) {
        const double fd = dy[i] * (std::max(xd + h, 0.0) - std::max(xd - h, 0.0)) / (2 * h);
        ASSERT_NEAR(dx[i], fd, 1e-6);
      }
    }
    auto acc = random_vec(n, 3);
    const auto before = acc;
    relu_backward_cpu(n, y.data(), dy.data(), acc.data(), true);
    for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(acc[i], before[i] + dx[i]);
  }
}

TEST(Elementwise, AddAxpyFillSum) {
  for (int64_t n : kSizes) {
    const auto a = random_vec(n, 4), b = random_vec(n, 5);
    std::vector<float> y(n);
    add_cpu(n, a.data(), b.data(), y.data());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], a[i] + b[i]);
    axpy_cpu(n, -0.5f, a.data(), y.data());
    for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], a[i] + b[i] - 0.5f * a[i]);
    double ref = 0;
    for (int64_t i = 0; i < n; ++i) ref += a[i];
    EXPECT_NEAR(sum_cpu(n, a.data()), ref, 1e-9 * n);
    fill_cpu(n, 2.5f, y.data());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], 2.5f);
    EXPECT_DOUBLE_EQ(sum_cpu(n, y.data()), 2.5 * n);
  }
}

// bf16 storage: round to nearest, ties to even, by cases worked out by hand;
// NaN stays NaN, inf stays inf; every value round-trips within the bf16 step.
TEST(Elementwise, Bf16RoundsToNearestEven) {
  auto f = [](uint32_t bits) { return std::bit_cast<float>(bits); };
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    float x;
    uint16_t want;
  };
  const Case cases[] = {
      {1.0f, 0x3f80},
      {f(0x3f808000), 0x3f80},   // 1 + 2^-8: a tie, the even neighbour (down)
      {f(0x3f818000), 0x3f82},   // 1 + 3 * 2^-8: a tie, the even neighbour (up)
      {f(0x3f808001), 0x3f81},   // just over the tie: up
      {f(0x3f807fff), 0x3f80},   // just under: down
      {-2.5f, 0xc020},
      {0.0f, 0x0000},
      {-0.0f, 0x8000},
      {f(0x00000001), 0x0000},   // the smallest subnormal rounds to +0
      {f(0x7f7fffff), 0x7f80},   // the largest float rounds up to inf
      {inf, 0x7f80},
      {-inf, 0xff80},
  };
  std::vector<float> xs;
  for (const Case& c : cases) {
    EXPECT_EQ(bf16::from_float(c.x), c.want) << std::hex << std::bit_cast<uint32_t>(c.x);
    xs.push_back(c.x);
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(bf16::to_float(bf16::from_float(nan))));
  EXPECT_TRUE(std::isnan(bf16::to_float(bf16::from_float(f(0x7f800001)))));  // a NaN whose top half reads inf
  // The vector kernels agree with the scalar one, both ways, at both sizes.
  for (int64_t n : kSizes) {
    std::vector<float> x = random_vec(n, 5);
    for (size_t i = 0; i < xs.size() && i < x.size(); ++i) x[i] = xs[i];
    std::vector<uint16_t> h(n);
    std::vector<float> back(n);
    to_bf16_cpu(n, x.data(), h.data());
    from_bf16_cpu(n, h.data(), back.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(h[i], bf16::from_float(x[i])) << i;
      ASSERT_EQ(std::bit_cast<uint32_t>(back[i]), uint32_t(h[i]) << 16) << i;
      if (std::isfinite(back[i])) {
        ASSERT_LE(std::abs(back[i] - x[i]), std::abs(x[i]) / 256 + 1e-40f) << i;  // + half a bf16 subnormal step
      }
    }
  }
}

}  // namespace
}  // namespace rf::kernels

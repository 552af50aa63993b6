// ReLU (forward, backward vs finite differences, accumulate), add, axpy, fill, sum.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/elementwise/elementwise.h"

namespace rf::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

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

}  // namespace
}  // namespace rf::kernels

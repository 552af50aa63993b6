// Masked MSE: forward vs double reference (NaN targets under mask 0 ignored),
// backward vs central finite differences, accumulate, no mask, empty mask.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/loss/loss.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

double reference(const std::vector<double>& y, const std::vector<float>& t, const std::vector<float>& m) {
  double se = 0, cnt = 0;
  for (size_t i = 0; i < y.size(); ++i)
    if (m[i] != 0.0f) se += (y[i] - t[i]) * (y[i] - t[i]), cnt += 1;
  return se / std::max(cnt, 1.0);
}

TEST(MaskedMse, ForwardBackwardWithNaNTargets) {
  const int64_t n = 40009;
  const auto y = random_vec(n, 1);
  auto t = random_vec(n, 2);
  std::vector<float> m(n);
  std::mt19937_64 rng(3);
  for (int64_t i = 0; i < n; ++i) {
    m[i] = (rng() % 10) < 3 ? 1.0f : 0.0f;
    if (m[i] == 0.0f && i % 2) t[i] = std::numeric_limits<float>::quiet_NaN();
  }
  double count = 0;
  const double loss = masked_mse_forward_cpu(n, y.data(), t.data(), m.data(), &count);
  std::vector<double> yd(y.begin(), y.end());
  double cnt = 0;
  for (float v : m) cnt += v;
  EXPECT_EQ(count, cnt);
  ASSERT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, reference(yd, t, m), 1e-9);

  const float g = 1.7f;
  std::vector<float> dy(n);
  masked_mse_backward_cpu(n, y.data(), t.data(), m.data(), count, g, dy.data(), false);
  for (int64_t i = 0; i < n; i += 37) {
    const double h = 1e-6, y0 = yd[i];
    yd[i] = y0 + h;
    const double lp = reference(yd, t, m);
    yd[i] = y0 - h;
    const double lm = reference(yd, t, m);
    yd[i] = y0;
    ASSERT_NEAR(dy[i], g * (lp - lm) / (2 * h), 1e-7) << i;
  }
  for (float v : dy) ASSERT_TRUE(std::isfinite(v));
  auto acc = random_vec(n, 4);
  const auto before = acc;
  masked_mse_backward_cpu(n, y.data(), t.data(), m.data(), count, g, acc.data(), true);
  for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(acc[i], before[i] + dy[i]);
}

TEST(MaskedMse, NoMaskIsPlainMeanAndEmptyMaskIsZero) {
  const int64_t n = 1001;
  const auto y = random_vec(n, 5), t = random_vec(n, 6);
  double count = 0, ref = 0;
  for (int64_t i = 0; i < n; ++i) ref += (double(y[i]) - t[i]) * (double(y[i]) - t[i]);
  EXPECT_NEAR(masked_mse_forward_cpu(n, y.data(), t.data(), nullptr, &count), ref / n, 1e-9);
  EXPECT_EQ(count, double(n));
  std::vector<float> dy(n);
  masked_mse_backward_cpu(n, y.data(), t.data(), nullptr, count, 1.0f, dy.data(), false);
  for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(dy[i], 2.0 * (y[i] - t[i]) / n, 1e-8);

  const std::vector<float> zeros(n, 0.0f);
  EXPECT_EQ(masked_mse_forward_cpu(n, y.data(), t.data(), zeros.data(), &count), 0.0);
  EXPECT_EQ(count, 0.0);
}

}  // namespace
}  // namespace rf::kernels

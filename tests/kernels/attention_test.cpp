// Window attention vs a naive double-precision reference: forward (out, lse),
// backward vs central finite differences of the reference, accumulate, large scores.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/attention/attention.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

size_t qkv_size(const WindowAttnShape& s) { return size_t(s.B) * 3 * s.C * s.T * s.H * s.W; }
size_t out_size(const WindowAttnShape& s) { return size_t(s.B) * s.C * s.T * s.H * s.W; }
size_t lse_size(const WindowAttnShape& s) { return size_t(s.B) * s.heads * s.T * s.H * s.W; }

// Naive reference: loops over frames, windows, heads, query and key tokens.
void reference_forward(const WindowAttnShape& s, const std::vector<double>& qkv, std::vector<double>& out,
                       std::vector<double>& lse) {
  const int D = s.head_dim(), n = s.win * s.win;
  const int64_t HW = int64_t(s.H) * s.W, plane = s.T * HW;
  out.assign(out_size(s), 0.0);
  lse.assign(lse_size(s), 0.0);
  const double scale = 1.0 / std::sqrt(double(D));
  std::vector<double> sc(n);
  for (int b = 0; b < s.B; ++b)
    for (int t = 0; t < s.T; ++t)
      for (int wy = 0; wy < s.H / s.win; ++wy)
        for (int wx = 0; wx < s.W / s.win; ++wx)
          for (int h = 0; h < s.heads; ++h) {
            auto pix = [&](int tok) {
              return t * HW + int64_t(wy * s.win + tok / s.win) * s.W + wx * s.win + tok % s.win;
            };
            auto at = [&](int64_t c, int tok) { return qkv[(b * 3 * s.C + c) * plane + pix(tok)]; };
            for (int i = 0; i < n; ++i) {
              double mx = -1e300;
              for (int j = 0; j < n; ++j) {
                double dot = 0;
                for (int d = 0; d < D; ++d) dot += at(h * D + d, i) * at(s.C + h * D + d, j);
                sc[j] = dot * scale;
                mx = std::max(mx, sc[j]);
              }
              double sum = 0;
              for (int j = 0; j < n; ++j) sum += std::exp(sc[j] - mx);
              lse[(int64_t(b) * s.heads + h) * plane + pix(i)] = mx + std::log(sum);
              for (int d = 0; d < D; ++d) {
                double o = 0;
                for (int j = 0; j < n; ++j) o += std::exp(sc[j] - mx) / sum * at(2 * s.C + h * D + d, j);
                out[(int64_t(b) * s.C + h * D + d) * plane + pix(i)] = o;
              }
            }
          }
}

double max_rel_err(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    num = std::max(num, std::abs(double(got[i]) - want[i]));
    den = std::max(den, std::abs(want[i]));
  }
  return num / std::max(den, 1e-30);
}

void check_forward(const WindowAttnShape& s, float amp, double tol) {
  const auto qkv = random_vec(qkv_size(s), 11, -amp, amp);
  std::vector<float> out(out_size(s)), lse(lse_size(s));
  window_attention_forward_cpu(s, qkv.data(), out.data(), lse.data());
  std::vector<double> ro, rl;
  reference_forward(s, std::vector<double>(qkv.begin(), qkv.end()), ro, rl);
  for (float v : out) ASSERT_TRUE(std::isfinite(v));
  for (float v : lse) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LT(max_rel_err(out, ro), tol);
  EXPECT_LT(max_rel_err(lse, rl), tol);
}

TEST(WindowAttention, ForwardMatchesReferenceQhRefWindows) {
  WindowAttnShape s;
  s.B = 2, s.C = 16, s.heads = 2, s.T = 3, s.H = 16, s.W = 24, s.win = 8;
  check_forward(s, 1.0f, 2e-6);
}

TEST(WindowAttention, ForwardMatchesReferenceOddWindowAndHeadDim) {
  WindowAttnShape s;  // n = 9 tokens (padded to 16 lanes), head dim 5
  s.B = 1, s.C = 15, s.heads = 3, s.T = 2, s.H = 6, s.W = 9, s.win = 3;
  check_forward(s, 1.0f, 2e-6);
  s.C = 12, s.heads = 1, s.win = 3;  // head dim 12 (two lane groups)
  check_forward(s, 1.0f, 2e-6);
}

TEST(WindowAttention, LargeScoresStayFinite) {
  WindowAttnShape s;
  s.B = 1, s.C = 16, s.heads = 2, s.T = 2, s.H = 8, s.W = 16, s.win = 8;
  // scores up to ~3e4: exp overflows without the max; fp32 score rounding (~1e-3) bounds accuracy
  check_forward(s, 100.0f, 2e-3);
  const auto qkv = random_vec(qkv_size(s), 5, -100.0f, 100.0f);
  std::vector<float> out(out_size(s)), lse(lse_size(s)), dqkv(qkv_size(s));
  window_attention_forward_cpu(s, qkv.data(), out.data(), lse.data());
  const auto dout = random_vec(out_size(s), 6);
  window_attention_backward_cpu(s, qkv.data(), out.data(), lse.data(), dout.data(), dqkv.data(), false);
  for (float v : dqkv) ASSERT_TRUE(std::isfinite(v));
}

// Backward vs central differences of L = sum(w * out) computed by the double reference.
void check_backward(const WindowAttnShape& s, int samples) {
  const auto qkv = random_vec(qkv_size(s), 21);
  const auto w = random_vec(out_size(s), 22);
  std::vector<float> out(out_size(s)), lse(lse_size(s)), dqkv(qkv_size(s));
  window_attention_forward_cpu(s, qkv.data(), out.data(), lse.data());
  window_attention_backward_cpu(s, qkv.data(), out.data(), lse.data(), w.data(), dqkv.data(), false);

  std::vector<double> x(qkv.begin(), qkv.end()), ro, rl;
  auto loss = [&]() {
    reference_forward(s, x, ro, rl);
    double l = 0;
    for (size_t i = 0; i < ro.size(); ++i) l += w[i] * ro[i];
    return l;
  };
  std::mt19937_64 rng(23);
  std::uniform_int_distribution<size_t> pick(0, x.size() - 1);
  const double h = 1e-4;
  double max_err = 0, max_g = 0;
  for (int k = 0; k < samples; ++k) {
    const size_t i = pick(rng);
    const double x0 = x[i];
    x[i] = x0 + h;
    const double lp = loss();
    x[i] = x0 - h;
    const double lm = loss();
    x[i] = x0;
    const double fd = (lp - lm) / (2 * h);
    max_err = std::max(max_err, std::abs(fd - dqkv[i]));
    max_g = std::max(max_g, std::abs(fd));
  }
  EXPECT_GT(max_g, 1e-2);
  EXPECT_LT(max_err / max_g, 1e-5) << "max abs err " << max_err << " max |grad| " << max_g;

  // accumulate: dqkv += grad on top of existing values
  auto acc = random_vec(qkv_size(s), 24);
  const auto before = acc;
  window_attention_backward_cpu(s, qkv.data(), out.data(), lse.data(), w.data(), acc.data(), true);
  for (size_t i = 0; i < acc.size(); ++i) ASSERT_NEAR(acc[i], before[i] + dqkv[i], 1e-5f);
}

TEST(WindowAttention, BackwardMatchesFiniteDifferences) {
  WindowAttnShape s;
  s.B = 2, s.C = 16, s.heads = 2, s.T = 2, s.H = 8, s.W = 16, s.win = 8;
  check_backward(s, 120);
}

TEST(WindowAttention, BackwardMatchesFiniteDifferencesOddWindow) {
  WindowAttnShape s;
  s.B = 1, s.C = 12, s.heads = 2, s.T = 2, s.H = 6, s.W = 9, s.win = 3;  // head dim 6, n = 9
  check_backward(s, 150);
}

TEST(WindowAttention, RejectsIndivisibleShapes) {
  WindowAttnShape s;
  s.C = 30, s.heads = 4;
  std::vector<float> buf(3 * 32 * 64);
  EXPECT_THROW(window_attention_forward_cpu(s, buf.data(), buf.data(), nullptr), std::runtime_error);
}

}  // namespace
}  // namespace rf::kernels

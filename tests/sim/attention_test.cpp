// Fused window attention through the simulator against the CPU backend:
// forward (out, lse) and backward (dqkv, accumulate) at several head widths,
// window sizes and frame counts.
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using V = std::vector<float>;

k::WindowAttnShape shape(int B, int C, int heads, int T, int H, int W, int win) {
  k::WindowAttnShape s;
  s.B = B;
  s.C = C;
  s.heads = heads;
  s.T = T;
  s.H = H;
  s.W = W;
  s.win = win;
  return s;
}

void check(const k::WindowAttnShape& s) {
  const int64_t plane = int64_t(s.T) * s.H * s.W;
  const int64_t n_qkv = int64_t(s.B) * 3 * s.C * plane, n_out = int64_t(s.B) * s.C * plane,
                n_lse = int64_t(s.B) * s.heads * plane;
  const V qkv = rf::simtest::random_vec(size_t(n_qkv), 1, -2.0f, 2.0f), dout = rf::simtest::random_vec(size_t(n_out), 2),
          dqkv0 = rf::simtest::random_vec(size_t(n_qkv), 3);
  V want_out(n_out), want_lse(n_lse), want_dqkv = dqkv0;
  k::window_attention_forward_cpu(s, qkv.data(), want_out.data(), want_lse.data());
  k::window_attention_backward_cpu(s, qkv.data(), want_out.data(), want_lse.data(), dout.data(), want_dqkv.data(),
                                   true);
  const V got = rf::simtest::race_checked([&] {
    V out(n_out), lse(n_lse), dqkv = dqkv0;
    k::window_attention_forward_cuda(s, qkv.data(), out.data(), lse.data(), nullptr);
    k::window_attention_backward_cuda(s, qkv.data(), out.data(), lse.data(), dout.data(), dqkv.data(), true, nullptr);
    V all = out;
    all.insert(all.end(), lse.begin(), lse.end());
    all.insert(all.end(), dqkv.begin(), dqkv.end());
    return all;
  });
  const V got_out(got.begin(), got.begin() + n_out), got_lse(got.begin() + n_out, got.begin() + n_out + n_lse),
      got_dqkv(got.begin() + n_out + n_lse, got.end());
  rf::simtest::expect_close(got_out, want_out, 1e-5, 0.1, "out");
  rf::simtest::expect_close(got_lse, want_lse, 1e-5, 0.1, "lse");
  rf::simtest::expect_close(got_dqkv, want_dqkv, 2e-5, 0.1, "dqkv");
}

TEST(SimWindowAttention, HeadDim8TwoFramesSeveralWindows) { check(shape(2, 16, 2, 2, 16, 24, 8)); }
TEST(SimWindowAttention, HeadDim16) { check(shape(1, 32, 2, 1, 8, 16, 8)); }
TEST(SimWindowAttention, HeadDim32SmallWindows) { check(shape(1, 32, 1, 3, 12, 8, 4)); }

TEST(SimWindowAttention, RejectsUnsupportedHeadDim) {
  V buf(3 * 12 * 64);
  EXPECT_THROW(k::window_attention_forward_cuda(shape(1, 12, 1, 1, 8, 8, 8), buf.data(), buf.data(), nullptr, nullptr),
               std::invalid_argument);
}

}  // namespace

// Unfused window attention (attention_unfused.cu: separate kernels through
// global memory) through the simulator: forward (out, lse) and backward
// (dqkv, accumulated) against the CPU backend and against the fused kernels,
// and the matrix buffer really holding P after the forward. Frames are odd in
// number and H != W (the contract wants multiples of win; the model pads).
#include <algorithm>
#include <cmath>

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

struct Sizes {
  int64_t qkv, out, lse, mat;
  explicit Sizes(const k::WindowAttnShape& s) {
    const int64_t plane = int64_t(s.T) * s.H * s.W;
    qkv = int64_t(s.B) * 3 * s.C * plane;
    out = int64_t(s.B) * s.C * plane;
    lse = int64_t(s.B) * s.heads * plane;
    mat = k::window_attention_unfused_matrix_elems(s);
  }
};

// Concatenation of out, lse and dqkv from one forward + backward.
V concat(const V& a, const V& b, const V& c) {
  V all = a;
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), c.begin(), c.end());
  return all;
}

void check(const k::WindowAttnShape& s) {
  const Sizes n(s);
  const V qkv = rf::simtest::random_vec(size_t(n.qkv), 11, -2.0f, 2.0f),
          dout = rf::simtest::random_vec(size_t(n.out), 12), dqkv0 = rf::simtest::random_vec(size_t(n.qkv), 13);
  V want_out(n.out), want_lse(n.lse), want_dqkv = dqkv0;
  k::window_attention_forward_cpu(s, qkv.data(), want_out.data(), want_lse.data());
  k::window_attention_backward_cpu(s, qkv.data(), want_out.data(), want_lse.data(), dout.data(), want_dqkv.data(),
                                   true);
  V probs_after_forward;
  const V got = rf::simtest::race_checked([&] {
    V out(n.out), lse(n.lse), dqkv = dqkv0, probs(n.mat, NAN), dprobs(n.mat, NAN);
    k::window_attention_forward_unfused_cuda(s, qkv.data(), out.data(), lse.data(), probs.data(), nullptr);
    probs_after_forward = probs;
    std::fill(probs.begin(), probs.end(), NAN);  // backward must rebuild P itself
    k::window_attention_backward_unfused_cuda(s, qkv.data(), lse.data(), dout.data(), dqkv.data(), true,
                                              probs.data(), dprobs.data(), nullptr);
    return concat(out, lse, dqkv);
  });
  const V got_out(got.begin(), got.begin() + n.out), got_lse(got.begin() + n.out, got.begin() + n.out + n.lse),
      got_dqkv(got.begin() + n.out + n.lse, got.end());
  rf::simtest::expect_close(got_out, want_out, 1e-5, 0.1, "out");
  rf::simtest::expect_close(got_lse, want_lse, 1e-5, 0.1, "lse");
  rf::simtest::expect_close(got_dqkv, want_dqkv, 2e-5, 0.1, "dqkv");

  // The buffer holds P: every row a distribution, and P_ij = exp(s_ij - lse_i)
  // for pair 0 (frame 0, head 0, top-left window), recomputed here.
  const int N = s.win * s.win, D = s.head_dim();
  const int64_t plane = int64_t(s.T) * s.H * s.W;
  double worst_sum = 0.0, worst_p = 0.0;
  for (int64_t r = 0; r < n.mat / N; ++r) {
    double sum = 0.0;
    for (int j = 0; j < N; ++j) sum += probs_after_forward[size_t(r * N + j)];
    worst_sum = std::max(worst_sum, std::fabs(sum - 1.0));
  }
  auto tok = [&](int i) { return int64_t(i / s.win) * s.W + i % s.win; };
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      double dot = 0.0;
      for (int d = 0; d < D; ++d) dot += double(qkv[size_t(d * plane + tok(i))]) * qkv[size_t((s.C + d) * plane + tok(j))];
      const double p = std::exp(dot / std::sqrt(double(D)) - want_lse[size_t(tok(i))]);
      worst_p = std::max(worst_p, std::fabs(probs_after_forward[size_t(i * N + j)] - p) / (p + 1e-3));
    }
  EXPECT_LT(worst_sum, 1e-5) << "a row of the stored P does not sum to 1";
  EXPECT_LT(worst_p, 1e-5) << "the stored matrix of pair 0 is not P";

  // Fused against unfused on the same inputs (plain overwrite this time).
  V fo(n.out), fl(n.lse), fd(n.qkv), uo(n.out), ul(n.lse), ud(n.qkv), probs(n.mat), dprobs(n.mat);
  k::window_attention_forward_cuda(s, qkv.data(), fo.data(), fl.data(), nullptr);
  k::window_attention_backward_cuda(s, qkv.data(), fo.data(), fl.data(), dout.data(), fd.data(), false, nullptr);
  k::window_attention_forward_unfused_cuda(s, qkv.data(), uo.data(), ul.data(), probs.data(), nullptr);
  k::window_attention_backward_unfused_cuda(s, qkv.data(), ul.data(), dout.data(), ud.data(), false, probs.data(),
                                            dprobs.data(), nullptr);
  rf::simtest::expect_close(uo, fo, 1e-5, 0.1, "unfused vs fused out");
  rf::simtest::expect_close(ul, fl, 1e-5, 0.1, "unfused vs fused lse");
  rf::simtest::expect_close(ud, fd, 2e-5, 0.1, "unfused vs fused dqkv");
}

TEST(SimWindowAttentionUnfused, HeadDim8TwoSamplesThreeFrames) { check(shape(2, 16, 2, 3, 16, 24, 8)); }
TEST(SimWindowAttentionUnfused, HeadDim16OneFrameTallFrame) { check(shape(1, 32, 2, 1, 24, 8, 8)); }
TEST(SimWindowAttentionUnfused, HeadDim32SmallWindowsFiveFrames) { check(shape(1, 32, 1, 5, 12, 20, 4)); }

TEST(SimWindowAttentionUnfused, InferenceWithoutLse) {
  const k::WindowAttnShape s = shape(1, 16, 2, 1, 8, 16, 8);
  const Sizes n(s);
  const V qkv = rf::simtest::random_vec(size_t(n.qkv), 21, -2.0f, 2.0f);
  V want(n.out), got(n.out), probs(n.mat);
  k::window_attention_forward_cpu(s, qkv.data(), want.data(), nullptr);
  k::window_attention_forward_unfused_cuda(s, qkv.data(), got.data(), nullptr, probs.data(), nullptr);
  rf::simtest::expect_close(got, want, 1e-5, 0.1, "out");
}

TEST(SimWindowAttentionUnfused, RejectsUnsupportedShape) {
  V buf(3 * 16 * 100);
  EXPECT_THROW(k::window_attention_forward_unfused_cuda(shape(1, 16, 2, 1, 10, 10, 8), buf.data(), buf.data(),
                                                        nullptr, buf.data(), nullptr),
               std::invalid_argument);
}

}  // namespace

// The memory-bound CUDA kernels (elementwise, dropout, masked MSE, Adam,
// LayerNorm, ConvLSTM cell) run through the simulator against the CPU backend,
// random inputs at odd sizes, each under two thread orders (race check).
#include <cmath>
#include <cstring>

#include "kernels/convlstm/convlstm.h"
#include "kernels/convlstm/convlstm_cuda.h"
#include "kernels/dropout/dropout.h"
#include "kernels/dropout/dropout_cuda.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/elementwise/elementwise_cuda.h"
#include "kernels/layernorm/layernorm.h"
#include "kernels/layernorm/layernorm_cuda.h"
#include "kernels/loss/loss.h"
#include "kernels/loss/loss_cuda.h"
#include "kernels/optim/adam.h"
#include "kernels/optim/adam_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using rf::simtest::expect_close;
using rf::simtest::race_checked;
using rf::simtest::random_vec;
using V = std::vector<float>;

V concat(std::initializer_list<const V*> parts) {
  V out;
  for (const V* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

TEST(SimElementwise, MatchesCpu) {
  const int64_t n = 70001;  // odd: the last block is partial
  const V x = random_vec(n, 1), dy = random_vec(n, 2), b = random_vec(n, 3), acc0 = random_vec(n, 4);
  V want_relu(n), want_bwd = acc0, want_add(n), want_axpy = acc0, want_fill(n);
  k::relu_forward_cpu(n, x.data(), want_relu.data());
  k::relu_backward_cpu(n, want_relu.data(), dy.data(), want_bwd.data(), true);
  k::add_cpu(n, x.data(), b.data(), want_add.data());
  k::axpy_cpu(n, 0.37f, x.data(), want_axpy.data());
  k::fill_cpu(n, -2.5f, want_fill.data());
  const V got = race_checked([&] {
    V relu(n), bwd = acc0, add(n), axpy = acc0, fill(n, 1.0f), bwd_over(n, 9.0f);
    k::relu_forward_cuda(n, x.data(), relu.data(), nullptr);
    k::relu_backward_cuda(n, relu.data(), dy.data(), bwd.data(), true, nullptr);
    k::add_cuda(n, x.data(), b.data(), add.data(), nullptr);
    k::axpy_cuda(n, 0.37f, x.data(), axpy.data(), nullptr);
    k::fill_cuda(n, -2.5f, fill.data(), nullptr);
    return concat({&relu, &bwd, &add, &axpy, &fill});
  });
  // Errors relative to the operands' scale (1): where axpy's y + a x cancels,
  // the device's fmaf rounds once and the baseline CPU build (no FMA) twice.
  expect_close(got, concat({&want_relu, &want_bwd, &want_add, &want_axpy, &want_fill}), 1e-6, 1.0, "elementwise");
}

// bf16 packing of saved activations: bit for bit the CPU's, both ways.
TEST(SimElementwise, Bf16MatchesCpuBitForBit) {
  const int64_t n = 70001;
  V x = random_vec(n, 41, -3.0f, 3.0f);
  x[0] = std::nanf(""), x[1] = INFINITY, x[2] = -0.0f, x[3] = 3.4e38f;
  std::vector<uint16_t> want(n);
  V want_back(n);
  k::to_bf16_cpu(n, x.data(), want.data());
  k::from_bf16_cpu(n, want.data(), want_back.data());
  std::vector<uint16_t> got(n);
  V back(n);
  rf::simtest::race_checked([&] {
    k::to_bf16_cuda(n, x.data(), got.data(), nullptr);
    k::from_bf16_cuda(n, got.data(), back.data(), nullptr);
    return back;
  });
  EXPECT_EQ(got, want);
  EXPECT_EQ(std::memcmp(back.data(), want_back.data(), size_t(n) * sizeof(float)), 0);
}

TEST(SimElementwise, SumMatchesCpu) {
  const int64_t n = 100003;
  const V x = random_vec(n, 40, -1.0f, 2.0f);
  const double want = k::sum_cpu(n, x.data());
  double got = 0.0;
  k::sum_cuda(n, x.data(), &got, nullptr);
  EXPECT_NEAR(got, want, 1e-9 * std::fabs(want));
  EXPECT_GT(std::fabs(want), 1000.0);  // the test input really has a sum to check
}

TEST(SimDropout, MaskIsBitIdenticalToCpu) {
  for (uint64_t offset : {0ull, 3ull, 1ull << 33}) {
    const int64_t n = 10007;
    k::DropoutParams d;
    d.p = 0.3f;
    d.seed = 0x1234567890abcdefull;
    d.offset = offset;
    const V x = random_vec(n, 5), dy = random_vec(n, 6), acc0 = random_vec(n, 7);
    V want_y(n), want_dx = acc0;
    k::dropout_forward_cpu(n, d, x.data(), want_y.data());
    k::dropout_backward_cpu(n, d, dy.data(), want_dx.data(), true);
    const V got = race_checked([&] {
      V y(n), dx = acc0;
      k::dropout_forward_cuda(n, d, x.data(), y.data(), nullptr);
      k::dropout_backward_cuda(n, d, dy.data(), dx.data(), true, nullptr);
      return concat({&y, &dx});
    });
    // Forward: bit-identical (same mask, same x * scale). Backward accumulates
    // dx += dy * scale, which the CPU compiler may contract into an FMA: close.
    const V got_y(got.begin(), got.begin() + n), got_dx(got.begin() + n, got.end());
    EXPECT_TRUE(rf::simtest::same_bits(got_y, want_y)) << "offset " << offset;
    expect_close(got_dx, want_dx, 1e-6, 1.0, "dx");
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(got_dx[i] == acc0[i], want_dx[i] == acc0[i]) << "mask at " << i;
    int64_t dropped = 0;
    for (int64_t i = 0; i < n; ++i) dropped += got[i] == 0.0f;
    EXPECT_NEAR(double(dropped) / n, 0.3, 0.03);
  }
}

TEST(SimMaskedMse, ForwardAndBackwardMatchCpu) {
  const int64_t n = 5003;
  const V y = random_vec(n, 8), u = random_vec(n, 9, 0.0f, 1.0f), acc0 = random_vec(n, 10);
  V t = random_vec(n, 11), mask(n);
  for (int64_t i = 0; i < n; ++i) {
    mask[i] = u[i] < 0.4f ? 1.0f : 0.0f;
    if (mask[i] == 0.0f && i % 3 == 0) t[i] = NAN;  // missing gauges under the mask
  }
  double want_count = 0.0;
  const double want_loss = k::masked_mse_forward_cpu(n, y.data(), t.data(), mask.data(), &want_count);
  V want_dy = acc0;
  k::masked_mse_backward_cpu(n, y.data(), t.data(), mask.data(), want_count, 0.7f, want_dy.data(), true);
  double stats[2] = {0.0, 0.0};
  const V got = race_checked([&] {
    V dy = acc0;
    k::masked_mse_forward_cuda(n, y.data(), t.data(), mask.data(), stats, nullptr);
    k::masked_mse_backward_cuda(n, y.data(), t.data(), mask.data(), stats, 0.7f, dy.data(), true, nullptr);
    return dy;
  });
  EXPECT_NEAR(stats[0], want_loss, 1e-12 * want_loss);
  EXPECT_EQ(stats[1], want_count);
  expect_close(got, want_dy, 1e-6, 1e-3, "dy");
  // No mask: every element counts.
  const double all = k::masked_mse_forward_cpu(n, y.data(), t.data(), nullptr, nullptr);
  V t_finite = random_vec(n, 12);
  const double want_all = k::masked_mse_forward_cpu(n, y.data(), t_finite.data(), nullptr, nullptr);
  k::masked_mse_forward_cuda(n, y.data(), t_finite.data(), nullptr, stats, nullptr);
  EXPECT_TRUE(std::isnan(all));
  EXPECT_NEAR(stats[0], want_all, 1e-12 * want_all);
  EXPECT_EQ(stats[1], double(n));
}

TEST(SimAdam, StepMatchesCpu) {
  for (bool decoupled : {true, false}) {
    const int64_t n = 3001;
    k::AdamParams a;
    a.lr = 3e-3f;
    a.weight_decay = 0.01f;
    a.decoupled = decoupled;
    a.step = 7;
    const V p0 = random_vec(n, 13), g = random_vec(n, 14), m0 = random_vec(n, 15, -0.1f, 0.1f),
            v0 = random_vec(n, 16, 0.001f, 0.01f);
    V wp = p0, wm = m0, wv = v0;
    k::adam_step_cpu(n, a, wp.data(), g.data(), wm.data(), wv.data());
    const V got = race_checked([&] {
      V p = p0, m = m0, v = v0;
      k::adam_step_cuda(n, a, p.data(), g.data(), m.data(), v.data(), nullptr);
      return concat({&p, &m, &v});
    });
    expect_close(got, concat({&wp, &wm, &wv}), 1e-6, 1e-3, decoupled ? "adamw" : "adam");
  }
}

TEST(SimLayerNorm, ForwardAndBackwardMatchCpu) {
  k::LayerNormShape s;
  s.B = 2;
  s.C = 11;
  s.S = 301;
  const int64_t n = int64_t(s.B) * s.C * s.S, cols = int64_t(s.B) * s.S;
  const V x = random_vec(n, 17, -2.0f, 3.0f), gamma = random_vec(s.C, 18, 0.5f, 1.5f), beta = random_vec(s.C, 19),
          dy = random_vec(n, 20), dx0 = random_vec(n, 21), dg0 = random_vec(s.C, 22), db0 = random_vec(s.C, 23);
  V wy(n), wmean(cols), wrstd(cols), wdx = dx0, wdg = dg0, wdb = db0;
  k::layernorm_forward_cpu(s, x.data(), gamma.data(), beta.data(), wy.data(), wmean.data(), wrstd.data());
  k::layernorm_backward_cpu(s, x.data(), gamma.data(), wmean.data(), wrstd.data(), dy.data(), wdx.data(), wdg.data(),
                            wdb.data(), true);
  const V got = race_checked([&] {
    V y(n), mean(cols), rstd(cols), dx = dx0, dg = dg0, db = db0;
    k::layernorm_forward_cuda(s, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), nullptr);
    k::layernorm_backward_cuda(s, x.data(), gamma.data(), mean.data(), rstd.data(), dy.data(), dx.data(), dg.data(),
                               db.data(), true, nullptr);
    return concat({&y, &mean, &rstd, &dx, &dg, &db});
  });
  expect_close(got, concat({&wy, &wmean, &wrstd, &wdx, &wdg, &wdb}), 2e-5, 1e-2, "layernorm");
  // parameter gradients only (dx null)
  V dg = dg0, db = db0;
  k::layernorm_backward_cuda(s, x.data(), gamma.data(), wmean.data(), wrstd.data(), dy.data(), nullptr, dg.data(),
                             db.data(), true, nullptr);
  expect_close(concat({&dg, &db}), concat({&wdg, &wdb}), 2e-5, 1e-2, "layernorm params only");
}

TEST(SimConvLstmCell, ForwardAndBackwardMatchCpu) {
  k::ConvLstmShape s;
  s.B = 2;
  s.Ch = 5;
  s.HW = 123;
  const int64_t n = int64_t(s.B) * s.Ch * s.HW;
  const V gates = random_vec(4 * n, 24, -3.0f, 3.0f), c_prev = random_vec(n, 25), dh = random_vec(n, 26),
          dc = random_vec(n, 27);
  for (bool first_step : {false, true}) {
    const float* cp = first_step ? nullptr : c_prev.data();
    V wc(n), wh(n), wdg(4 * n), wdcp(n);
    k::convlstm_cell_forward_cpu(s, gates.data(), cp, wc.data(), wh.data());
    k::convlstm_cell_backward_cpu(s, gates.data(), cp, wc.data(), dh.data(), dc.data(), wdg.data(), wdcp.data());
    const V got = race_checked([&] {
      V c(n), h(n), dgates(4 * n), dcp(n);
      k::convlstm_cell_forward_cuda(s, gates.data(), cp, c.data(), h.data(), nullptr);
      k::convlstm_cell_backward_cuda(s, gates.data(), cp, c.data(), dh.data(), dc.data(), dgates.data(), dcp.data(),
                                     nullptr);
      return concat({&c, &h, &dgates, &dcp});
    });
    expect_close(got, concat({&wc, &wh, &wdg, &wdcp}), 2e-6, 0.1, first_step ? "first step" : "later step");
  }
}

}  // namespace

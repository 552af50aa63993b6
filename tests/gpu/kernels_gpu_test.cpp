// Every CUDA kernel on a real device against the CPU backend, at qh-ref-like
// sizes with odd tails. Skipped without a device (CI); run by scripts/gpu-check,
// also under compute-sanitizer memcheck and racecheck.
#include <cmath>

#include "kernels/attention/attention.h"
#include "kernels/attention/attention_cuda.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_cuda.h"
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
#include "kernels/regrid/regrid.h"
#include "kernels/regrid/regrid_cuda.h"
#include "tests/gpu/gpu_harness.h"

namespace {

namespace k = rf::kernels;
using rf::gputest::DevBuf;
using rf::simtest::expect_close;
using rf::simtest::random_vec;
using V = std::vector<float>;

TEST(GpuElementwise, MatchesCpu) {
  RF_REQUIRE_GPU();
  const int64_t n = (1 << 20) + 7;
  const V x = random_vec(n, 1), dy = random_vec(n, 2), acc0 = random_vec(n, 3);
  V want_relu(n), want_bwd = acc0, want_axpy = acc0;
  k::relu_forward_cpu(n, x.data(), want_relu.data());
  k::relu_backward_cpu(n, want_relu.data(), dy.data(), want_bwd.data(), true);
  k::axpy_cpu(n, -0.7f, x.data(), want_axpy.data());
  DevBuf<float> dx(x), ddy(dy), relu(n), bwd(acc0), axpy(acc0);
  k::relu_forward_cuda(n, dx.get(), relu.get(), nullptr);
  k::relu_backward_cuda(n, relu.get(), ddy.get(), bwd.get(), true, nullptr);
  k::axpy_cuda(n, -0.7f, dx.get(), axpy.get(), nullptr);
  expect_close(relu.host(), want_relu, 0.0, 1.0, "relu");
  expect_close(bwd.host(), want_bwd, 1e-6, 1.0, "relu backward");
  expect_close(axpy.host(), want_axpy, 1e-6, 1.0, "axpy");
}

// bf16 storage of saved activations: the device packs bit for bit as the CPU.
TEST(GpuElementwise, Bf16MatchesCpuBitForBit) {
  RF_REQUIRE_GPU();
  const int64_t n = (1 << 20) + 7;
  V x = random_vec(n, 5);
  x[0] = std::nanf(""), x[1] = INFINITY, x[2] = -0.0f, x[3] = 3.4e38f;
  std::vector<uint16_t> want(n);
  V want_back(n);
  k::to_bf16_cpu(n, x.data(), want.data());
  k::from_bf16_cpu(n, want.data(), want_back.data());
  DevBuf<float> dx(x), back(n);
  DevBuf<uint16_t> packed{size_t(n)};
  k::to_bf16_cuda(n, dx.get(), packed.get(), nullptr);
  k::from_bf16_cuda(n, packed.get(), back.get(), nullptr);
  EXPECT_EQ(packed.host(), want);
  EXPECT_TRUE(rf::simtest::same_bits(back.host(), want_back));
}

TEST(GpuDropout, SameMaskAsCpu) {
  RF_REQUIRE_GPU();
  const int64_t n = 3'000'001;
  k::DropoutParams d;
  d.p = 0.2f;
  d.seed = 42;
  d.offset = 5;
  const V x = random_vec(n, 4);
  V want(n);
  k::dropout_forward_cpu(n, d, x.data(), want.data());
  DevBuf<float> dx(x), y(n);
  k::dropout_forward_cuda(n, d, dx.get(), y.get(), nullptr);
  EXPECT_TRUE(rf::simtest::same_bits(y.host(), want));
}

TEST(GpuMaskedMse, MatchesCpu) {
  RF_REQUIRE_GPU();
  const int64_t n = 200'003;
  const V y = random_vec(n, 5), t = random_vec(n, 6), u = random_vec(n, 7, 0.0f, 1.0f);
  V mask(n);
  for (int64_t i = 0; i < n; ++i) mask[i] = u[i] < 0.1f ? 1.0f : 0.0f;
  double count = 0.0;
  const double loss = k::masked_mse_forward_cpu(n, y.data(), t.data(), mask.data(), &count);
  V want_dy(n);
  k::masked_mse_backward_cpu(n, y.data(), t.data(), mask.data(), count, 1.0f, want_dy.data(), false);
  DevBuf<float> dy_(y), dt(t), dm(mask), ddy(n);
  DevBuf<double> stats(2);
  k::masked_mse_forward_cuda(n, dy_.get(), dt.get(), dm.get(), stats.get(), nullptr);
  k::masked_mse_backward_cuda(n, dy_.get(), dt.get(), dm.get(), stats.get(), 1.0f, ddy.get(), false, nullptr);
  const auto s = stats.host();
  EXPECT_NEAR(s[0], loss, 1e-10 * loss);
  EXPECT_EQ(s[1], count);
  expect_close(ddy.host(), want_dy, 1e-6, 1e-3, "dy");
}

TEST(GpuAdam, MatchesCpu) {
  RF_REQUIRE_GPU();
  const int64_t n = 100'003;
  k::AdamParams a;
  a.step = 3;
  a.weight_decay = 0.01f;
  const V p0 = random_vec(n, 8), g = random_vec(n, 9), m0 = random_vec(n, 10, -0.1f, 0.1f),
          v0 = random_vec(n, 11, 0.001f, 0.01f);
  V p = p0, m = m0, v = v0;
  k::adam_step_cpu(n, a, p.data(), g.data(), m.data(), v.data());
  DevBuf<float> dp(p0), dg(g), dm(m0), dv(v0);
  k::adam_step_cuda(n, a, dp.get(), dg.get(), dm.get(), dv.get(), nullptr);
  expect_close(dp.host(), p, 1e-6, 1e-3, "param");
  expect_close(dv.host(), v, 1e-6, 1e-3, "v");
}

TEST(GpuLayerNorm, MatchesCpu) {
  RF_REQUIRE_GPU();
  k::LayerNormShape s;
  s.B = 2;
  s.C = 32;
  s.S = 7 * 64 * 64 + 3;
  const int64_t n = int64_t(s.B) * s.C * s.S, cols = int64_t(s.B) * s.S;
  const V x = random_vec(n, 12), gamma = random_vec(s.C, 13), beta = random_vec(s.C, 14), dy = random_vec(n, 15);
  V y(n), mean(cols), rstd(cols), dx(n), dg(s.C, 0.0f), db(s.C, 0.0f);
  k::layernorm_forward_cpu(s, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data());
  k::layernorm_backward_cpu(s, x.data(), gamma.data(), mean.data(), rstd.data(), dy.data(), dx.data(), dg.data(),
                            db.data(), false);
  DevBuf<float> dx_(x), dgam(gamma), dbet(beta), gy(n), gmean(cols), grstd(cols), ddy(dy), gdx(n), gdg(dg), gdb(db);
  k::layernorm_forward_cuda(s, dx_.get(), dgam.get(), dbet.get(), gy.get(), gmean.get(), grstd.get(), nullptr);
  k::layernorm_backward_cuda(s, dx_.get(), dgam.get(), gmean.get(), grstd.get(), ddy.get(), gdx.get(), gdg.get(),
                             gdb.get(), false, nullptr);
  expect_close(gy.host(), y, 1e-5, 0.1, "y");
  expect_close(gdx.host(), dx, 1e-5, 0.1, "dx");
  expect_close(gdg.host(), dg, 1e-4, 1.0, "dgamma");
  expect_close(gdb.host(), db, 1e-4, 1.0, "dbeta");
}

TEST(GpuConvLstmCell, MatchesCpu) {
  RF_REQUIRE_GPU();
  k::ConvLstmShape s;
  s.B = 2;
  s.Ch = 32;
  s.HW = 64 * 64 + 5;
  const int64_t n = int64_t(s.B) * s.Ch * s.HW;
  const V gates = random_vec(4 * n, 16, -3.0f, 3.0f), cp = random_vec(n, 17), dh = random_vec(n, 18),
          dc = random_vec(n, 19);
  V c(n), h(n), dgates(4 * n), dcp(n);
  k::convlstm_cell_forward_cpu(s, gates.data(), cp.data(), c.data(), h.data());
  k::convlstm_cell_backward_cpu(s, gates.data(), cp.data(), c.data(), dh.data(), dc.data(), dgates.data(), dcp.data());
  DevBuf<float> dg(gates), dcp_in(cp), gc(n), gh(n), ddh(dh), ddc(dc), gdg(4 * n), gdcp(n);
  k::convlstm_cell_forward_cuda(s, dg.get(), dcp_in.get(), gc.get(), gh.get(), nullptr);
  k::convlstm_cell_backward_cuda(s, dg.get(), dcp_in.get(), gc.get(), ddh.get(), ddc.get(), gdg.get(), gdcp.get(),
                                 nullptr);
  expect_close(gh.host(), h, 1e-5, 0.1, "h");
  expect_close(gdg.host(), dgates, 1e-5, 0.1, "dgates");
}

TEST(GpuRegrid, NearestGatherIsBitIdentical) {
  RF_REQUIRE_GPU();
  const int64_t nsrc = 139 * 85, ndst = 1392 * 856 + 1, nf = 2;
  const V src = random_vec(size_t(nsrc * nf), 20);
  std::vector<int64_t> index(ndst);
  for (int64_t i = 0; i < ndst; ++i) index[i] = i % 97 == 0 ? -1 : (i * 7919) % nsrc;
  V want(size_t(ndst * nf));
  k::regrid_gather_cpu(src.data(), nsrc, index.data(), ndst, want.data(), nf);
  DevBuf<float> ds(src), dd(size_t(ndst * nf));
  DevBuf<int64_t> di(index);
  k::regrid_gather_cuda(ds.get(), nsrc, di.get(), ndst, dd.get(), nf, nullptr);
  EXPECT_TRUE(rf::simtest::same_bits(dd.host(), want));
}

TEST(GpuWindowAttention, MatchesCpu) {
  RF_REQUIRE_GPU();
  k::WindowAttnShape s;  // qh-ref: C 32, 4 heads of 8, 8x8 windows
  s.B = 2;
  s.C = 32;
  s.heads = 4;
  s.T = 7;
  s.H = 64;
  s.W = 48;
  const int64_t plane = int64_t(s.T) * s.H * s.W, nq = s.B * 3 * s.C * plane, no = s.B * s.C * plane,
                nl = s.B * s.heads * plane;
  const V qkv = random_vec(size_t(nq), 21, -2.0f, 2.0f), dout = random_vec(size_t(no), 22);
  V out(no), lse(nl), dqkv(nq);
  k::window_attention_forward_cpu(s, qkv.data(), out.data(), lse.data());
  k::window_attention_backward_cpu(s, qkv.data(), out.data(), lse.data(), dout.data(), dqkv.data(), false);
  DevBuf<float> dq(qkv), gout(no), glse(nl), ddo(dout), gdq(nq);
  k::window_attention_forward_cuda(s, dq.get(), gout.get(), glse.get(), nullptr);
  k::window_attention_backward_cuda(s, dq.get(), gout.get(), glse.get(), ddo.get(), gdq.get(), false, nullptr);
  expect_close(gout.host(), out, 1e-5, 0.1, "out");
  expect_close(glse.host(), lse, 1e-5, 0.1, "lse");
  expect_close(gdq.host(), dqkv, 5e-5, 0.1, "dqkv");
}

class GpuConv : public ::testing::TestWithParam<k::ConvMath> {};

TEST_P(GpuConv, Conv3dMatchesDirectSum) {
  RF_REQUIRE_GPU();
  // Per-product operand rounding: tf32 2^-11, bf16 2^-9 relative.
  const double tol = GetParam() == k::ConvMath::Bf16 ? 3e-2 : GetParam() == k::ConvMath::Tf32 ? 4e-3 : 1e-4;
  k::ConvShape s;  // conv1-like: 8 -> 32 channels, 3x3x3, odd spatial tail
  s.B = 1;
  s.Cin = 8;
  s.Cout = 32;
  s.T = 7;
  s.H = 33;
  s.W = 35;
  s.kT = 3;
  const V x = random_vec(size_t(s.x_size()), 23), w = random_vec(size_t(s.w_size()), 24),
          bias = random_vec(size_t(s.Cout), 25);
  DevBuf<float> dx(x), dw(w), db(bias), dy(size_t(s.y_size()));
  k::conv_forward_cuda(s, dx.get(), dw.get(), db.get(), dy.get(), k::Epilogue::ReLU, nullptr, GetParam());
  const V y = dy.host();
  // spot-check 997 outputs against the direct sum in double
  const int64_t P = int64_t(s.T) * s.H * s.W;
  for (int64_t e = 0; e < s.y_size(); e += 997) {
    const int co = int(e / P % s.Cout);
    const int64_t p = e % P;
    const int t = int(p / (s.H * s.W)), h = int(p / s.W % s.H), ww = int(p % s.W);
    double acc = bias[co];
    for (int ci = 0; ci < s.Cin; ++ci)
      for (int dt = 0; dt < 3; ++dt)
        for (int dh = 0; dh < 3; ++dh)
          for (int dw_ = 0; dw_ < 3; ++dw_) {
            const int ts = t + dt - 1, hs = h + dh - 1, ws = ww + dw_ - 1;
            if (ts < 0 || ts >= s.T || hs < 0 || hs >= s.H || ws < 0 || ws >= s.W) continue;
            acc += double(x[((int64_t(ci) * s.T + ts) * s.H + hs) * s.W + ws]) *
                   w[(((int64_t(co) * s.Cin + ci) * 3 + dt) * 3 + dh) * 3 + dw_];
          }
    ASSERT_NEAR(y[e], std::max(acc, 0.0), tol * (1.0 + std::fabs(acc))) << e;
  }
}
// Fused step vs the unfused GPU path (gate conv on [x ; h_prev], then the cell kernel).
TEST_P(GpuConv, FusedConvLstmStepMatchesUnfused) {
  RF_REQUIRE_GPU();
  const int B = 2, Cx = 32, Ch = 32, H = 64, W = 72;
  const int64_t HW = int64_t(H) * W;
  const V xin = random_vec(size_t(B) * (Cx + Ch) * HW, 26), w = random_vec(size_t(4 * Ch) * (Cx + Ch) * 9, 27, -0.1f, 0.1f),
          bias = random_vec(size_t(4 * Ch), 28), cp = random_vec(size_t(B) * Ch * HW, 29);
  k::ConvShape cs;
  cs.B = B;
  cs.Cin = Cx + Ch;
  cs.Cout = 4 * Ch;
  cs.H = H;
  cs.W = W;
  cs.kT = 1;
  k::ConvLstmShape ls;
  ls.B = B;
  ls.Ch = Ch;
  ls.HW = HW;
  DevBuf<float> dxin(xin), dw(w), db(bias), dcp(cp), gates(size_t(B) * 4 * Ch * HW), c1(size_t(B) * Ch * HW),
      h1(size_t(B) * Ch * HW), c2(size_t(B) * Ch * HW), h2(size_t(B) * Ch * HW), gates2(size_t(B) * 4 * Ch * HW);
  k::conv_forward_cuda(cs, dxin.get(), dw.get(), db.get(), gates.get(), k::Epilogue::None, nullptr, GetParam());
  k::convlstm_cell_forward_cuda(ls, gates.get(), dcp.get(), c1.get(), h1.get(), nullptr);
  const int64_t bstride = int64_t(Cx + Ch) * HW;
  k::convlstm_step_forward_cuda(ls, Cx, H, W, {dxin.get(), bstride, HW}, {dxin.get() + Cx * HW, bstride, HW},
                                {dcp.get(), Ch * HW, HW}, dw.get(), db.get(), {h2.get(), Ch * HW, HW},
                                {c2.get(), Ch * HW, HW}, gates2.get(), GetParam(), nullptr);
  expect_close(h2.host(), h1.host(), 1e-5, 0.1, "h");
  expect_close(c2.host(), c1.host(), 1e-5, 0.1, "c");
  expect_close(gates2.host(), gates.host(), 1e-5, 1.0, "gates");
}

INSTANTIATE_TEST_SUITE_P(Math, GpuConv, ::testing::Values(k::ConvMath::Fp32, k::ConvMath::Tf32, k::ConvMath::Bf16),
                         [](const auto& info) {
                           return info.param == k::ConvMath::Bf16   ? "Bf16"
                                  : info.param == k::ConvMath::Tf32 ? "Tf32"
                                                                    : "Fp32";
                         });

}  // namespace

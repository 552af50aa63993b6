// bf16 tensor-core implicit GEMM through the simulator (ConvMath::Bf16):
//  - the rounding itself: __float2bfloat16_rn (what the kernels call while
//    staging a tile; <cuda_bf16.h>'s host path in the simulator) against an
//    independent round-to-nearest-even on the bits, over ties, carries into the
//    exponent, overflow, subnormals, Inf/NaN and random floats;
//  - forward (bias + ReLU), backward data and backward weight (+ bias) at odd
//    sizes with partial 64-wide tiles in M, N and K: within bf16 accuracy of the
//    CPU backend (1e-2 of the output norm), and within fp32 accumulation error
//    (2e-5) of a double-precision reference on RNE-rounded operands, but NOT of
//    references on unrounded or truncated operands (so a skipped or wrong
//    rounding fails);
//  - the per-position linear layer (pointwise, same GEMM) and the staged conv1.
#include <bit>
#include <cfloat>
#include <cmath>
#include <functional>

#include "kernels/common/wmma.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/pointwise/pointwise.h"
#include "kernels/pointwise/pointwise_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using V = std::vector<float>;
using Round = std::function<float(float)>;

// Independent bf16 references on the float's bits.
float bf16_rne(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return f;  // NaN stays NaN
  u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  return std::bit_cast<float>(u);
}
float bf16_truncate(float f) { return std::bit_cast<float>(std::bit_cast<uint32_t>(f) & 0xffff0000u); }
float kernel_bf16(float f) {
  return std::bit_cast<float>(uint32_t(std::bit_cast<uint16_t>(__float2bfloat16_rn(f))) << 16);
}

TEST(SimBf16, RoundingIsNearestEvenLikeTheHardware) {
  const float cases[] = {1.0f,
                         1.00390625f,     // 1 + 2^-8: tie, rounds down to even 1.0
                         1.01171875f,     // 1 + 3 * 2^-8: tie, rounds up to even 1.015625
                         1.0039063f,      // just above the tie: up
                         -1.01171875f,    // sign symmetric
                         1.99609375f,     // tie with odd last bit: carries into the exponent (2.0)
                         3.3895314e38f,   // the largest bf16: exact
                         3.3961776e38f,   // past the tie above it: +Inf
                         FLT_MAX,         // +Inf
                         1e-40f, -3e-39f,  // subnormals
                         0.0f, -0.0f, INFINITY, -INFINITY};
  for (float f : cases) EXPECT_EQ(std::bit_cast<uint32_t>(kernel_bf16(f)), std::bit_cast<uint32_t>(bf16_rne(f))) << f;
  EXPECT_EQ(kernel_bf16(1.00390625f), 1.0f);
  EXPECT_EQ(kernel_bf16(1.01171875f), 1.015625f);
  EXPECT_EQ(kernel_bf16(1.99609375f), 2.0f);
  EXPECT_EQ(kernel_bf16(3.3895314e38f), 3.3895314e38f);
  EXPECT_TRUE(std::isinf(kernel_bf16(FLT_MAX)));
  EXPECT_TRUE(std::isnan(kernel_bf16(NAN)));
  std::mt19937 g(7);
  int differs_from_truncation = 0;
  for (int i = 0; i < 200000; ++i) {
    const float f = std::bit_cast<float>(uint32_t(g()) & 0xbfffffffu);  // finite, all signs and scales
    ASSERT_EQ(std::bit_cast<uint32_t>(kernel_bf16(f)), std::bit_cast<uint32_t>(bf16_rne(f))) << f;
    differs_from_truncation += kernel_bf16(f) != bf16_truncate(f);
  }
  EXPECT_GT(differs_from_truncation, 90000);  // about half round up
}

// ||got - want|| / ||want||
double rel_l2(const V& got, const V& want) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    num += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    den += double(want[i]) * want[i];
  }
  return std::sqrt(num / den);
}

// max_i |got - want| / (|want| + 1)
double worst(const V& got, const V& want) {
  double w = 0.0;
  for (size_t i = 0; i < got.size(); ++i) w = std::max(w, std::fabs(double(got[i]) - want[i]) / (std::fabs(want[i]) + 1.0));
  return w;
}

V rounded(const V& v, const Round& r) {
  V out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = r(v[i]);
  return out;
}

struct Inputs {
  V x, w, bias, dy, dx0, dw0, db0;
};

// The three passes concatenated (y, dx, dw, db), accumulating into dx0/dw0/db0,
// with the GEMM operands passed through r. dbias is a plain fp32 reduction of
// the unrounded dy on the device, not a GEMM.
V run_cpu(const k::ConvShape& s, const Inputs& in, const Round& r) {
  const V x = rounded(in.x, r), w = rounded(in.w, r), dy = rounded(in.dy, r);
  V y(size_t(s.y_size())), dx = in.dx0, dw = in.dw0, db = in.db0, unused(size_t(s.w_size()));
  k::conv_forward_cpu(s, x.data(), w.data(), in.bias.data(), y.data(), k::Epilogue::ReLU);
  k::conv_backward_data_cpu(s, dy.data(), w.data(), dx.data(), true);
  k::conv_backward_weight_cpu(s, x.data(), dy.data(), dw.data(), nullptr, true);
  k::conv_backward_weight_cpu(s, in.x.data(), in.dy.data(), unused.data(), db.data(), true);
  for (const V* v : {&dx, &dw, &db}) y.insert(y.end(), v->begin(), v->end());
  return y;
}

void check_conv(const k::ConvShape& s) {
  using rf::simtest::random_vec;
  const Inputs in{random_vec(size_t(s.x_size()), 11),  random_vec(size_t(s.w_size()), 12),
                  random_vec(size_t(s.Cout), 13),      random_vec(size_t(s.y_size()), 14),
                  random_vec(size_t(s.x_size()), 15),  random_vec(size_t(s.w_size()), 16),
                  random_vec(size_t(s.Cout), 17)};
  const V got = rf::simtest::race_checked([&] {
    V y(size_t(s.y_size())), dx = in.dx0, dw = in.dw0, db = in.db0;
    const auto m = k::ConvMath::Bf16;
    k::conv_forward_cuda(s, in.x.data(), in.w.data(), in.bias.data(), y.data(), k::Epilogue::ReLU, nullptr, m);
    k::conv_backward_data_cuda(s, in.dy.data(), in.w.data(), dx.data(), true, nullptr, m);
    k::conv_backward_weight_cuda(s, in.x.data(), in.dy.data(), dw.data(), db.data(), true, nullptr, m);
    for (const V* v : {&dx, &dw, &db}) y.insert(y.end(), v->begin(), v->end());
    return y;
  });
  const V exact = run_cpu(s, in, [](float f) { return f; });
  const V rne = run_cpu(s, in, bf16_rne);
  const V trunc = run_cpu(s, in, bf16_truncate);
  const int64_t ny = s.y_size(), ndx = s.x_size(), ndw = s.w_size();
  const int64_t at[] = {0, ny, ny + ndx, ny + ndx + ndw, int64_t(got.size())};
  const char* names[] = {"forward", "backward data", "backward weight", "bias grad"};
  for (int p = 0; p < 4; ++p) {
    const V g(got.begin() + at[p], got.begin() + at[p + 1]), e(exact.begin() + at[p], exact.begin() + at[p + 1]),
        r(rne.begin() + at[p], rne.begin() + at[p + 1]), t(trunc.begin() + at[p], trunc.begin() + at[p + 1]);
    EXPECT_LT(rel_l2(g, e), 1e-2) << names[p] << ": bf16 vs the fp32 CPU backend";
    EXPECT_LT(worst(g, r), 2e-5) << names[p] << ": vs fp32 math on RNE-rounded operands";
    if (p == 3) continue;  // the bias gradient is fp32 throughout
    EXPECT_GT(worst(g, e), 1e-4) << names[p] << ": operands were not rounded";
    EXPECT_GT(worst(g, t), 1e-4) << names[p] << ": rounding indistinguishable from truncation";
  }
}

k::ConvShape shape(int B, int Cin, int Cout, int T, int H, int W, int kT) {
  k::ConvShape s;
  s.B = B;
  s.Cin = Cin;
  s.Cout = Cout;
  s.T = T;
  s.H = H;
  s.W = W;
  s.kT = kT;
  return s;
}

TEST(SimConvBf16, Conv3dOddSizes) { check_conv(shape(2, 3, 5, 3, 7, 9, 3)); }
TEST(SimConvBf16, Conv2dWideOutputPartialTiles) { check_conv(shape(1, 6, 70, 1, 9, 11, 1)); }

// The per-position linear layer (kernels/pointwise) rides on the same GEMM.
TEST(SimConvBf16, PointwiseLinear) {
  k::PointwiseShape s;
  s.B = 2;
  s.Cin = 19;
  s.Cout = 67;
  s.S = 45;
  using rf::simtest::random_vec;
  const V x = random_vec(size_t(s.B * s.Cin * s.S), 21), w = random_vec(size_t(s.Cout * s.Cin), 22),
          b = random_vec(size_t(s.Cout), 23);
  V got(size_t(s.B * s.Cout * s.S)), want_rne(got.size()), want(got.size());
  k::pointwise_forward_cuda(s, x.data(), w.data(), b.data(), got.data(), k::Epilogue::None, nullptr,
                            k::ConvMath::Bf16);
  const V xr = rounded(x, bf16_rne), wr = rounded(w, bf16_rne);
  k::pointwise_forward_cpu(s, xr.data(), wr.data(), b.data(), want_rne.data(), k::Epilogue::None);
  k::pointwise_forward_cpu(s, x.data(), w.data(), b.data(), want.data(), k::Epilogue::None);
  EXPECT_LT(rel_l2(got, want), 1e-2);
  EXPECT_LT(worst(got, want_rne), 2e-5);
  EXPECT_GT(worst(got, want), 1e-4);
}

}  // namespace

// conv1 with its input staged on the fly (regrid gather + log1p + z-score +
// missing -> 0 inside the operand load) through the simulator, against
// materialising the input on the host (regrid_gather_cpu, then the same
// transforms) and running the CPU convolution: products on two coarse grids
// with per-patch index maps, missing targets (-1) and NaN sources, a static
// working-grid field and a per-day constant.
#include <cmath>

#include "kernels/conv/conv.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/regrid/regrid.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using V = std::vector<float>;

TEST(SimConvStaged, MatchesMaterialisedInput) {
  const int B = 2, T = 3, H = 9, W = 13, Cout = 6;
  const int64_t HW = int64_t(H) * W;
  std::mt19937_64 g(7);
  // two coarse products, [B][T][nsrc]; rain-like values >= 0 with NaNs
  const int64_t nsrc[2] = {23, 41};
  std::vector<V> src(2);
  std::vector<std::vector<int64_t>> index(2);  // [B][H*W] per-patch maps
  for (int p = 0; p < 2; ++p) {
    src[p] = rf::simtest::random_vec(size_t(B * T * nsrc[p]), 10 + p, 0.01f, 30.0f);
    for (size_t i = 0; i < src[p].size(); i += 17) src[p][i] = NAN;
    index[p].resize(size_t(B * HW));
    for (auto& j : index[p]) j = g() % 11 == 0 ? -1 : int64_t(g() % nsrc[p]);
  }
  const V elev = rf::simtest::random_vec(size_t(B * HW), 20, 100.0f, 5000.0f);  // [B][H*W], static in t
  const V doy = rf::simtest::random_vec(size_t(B * T), 21);                      // [B][T]
  k::StagedChannel ch[4];
  for (int p = 0; p < 2; ++p) {
    ch[p].src = src[p].data();
    ch[p].nsrc = nsrc[p];
    ch[p].batch = T * nsrc[p];
    ch[p].time = nsrc[p];
    ch[p].index = index[p].data();
    ch[p].index_batch = HW;
    ch[p].index_row = W;
    ch[p].log1p = p == 0;
    ch[p].mean = p == 0 ? 1.3f : 8.0f;
    ch[p].inv_std = p == 0 ? 0.9f : 0.1f;
  }
  ch[2].src = elev.data();
  ch[2].nsrc = HW;
  ch[2].batch = HW;
  ch[2].time = 0;
  ch[2].mean = 3000.0f;
  ch[2].inv_std = 1.0f / 1200.0f;
  ch[3].src = doy.data();
  ch[3].nsrc = 1;
  ch[3].batch = T;
  ch[3].time = 1;

  // materialise X [B, 4, T, H, W] on the host
  k::ConvShape s;
  s.B = B;
  s.Cin = 4;
  s.Cout = Cout;
  s.T = T;
  s.H = H;
  s.W = W;
  s.kT = 3;
  V X(size_t(s.x_size()));
  V plane(static_cast<size_t>(HW));
  for (int b = 0; b < B; ++b)
    for (int c = 0; c < 4; ++c)
      for (int t = 0; t < T; ++t) {
        const k::StagedChannel& d = ch[c];
        if (d.index) {
          k::regrid_gather_cpu(d.src + b * d.batch + t * d.time, d.nsrc, d.index + b * d.index_batch, HW,
                               plane.data(), 1);
        } else {
          for (int64_t i = 0; i < HW; ++i) plane[i] = d.src[b * d.batch + t * d.time + (d.nsrc == 1 ? 0 : i)];
        }
        float* dst = X.data() + ((int64_t(b) * 4 + c) * T + t) * HW;
        for (int64_t i = 0; i < HW; ++i) {
          const float v = plane[i];
          dst[i] = std::isnan(v) ? 0.0f : ((d.log1p ? std::log1p(v) : v) - d.mean) * d.inv_std;
        }
      }
  const V w = rf::simtest::random_vec(size_t(s.w_size()), 30, -0.3f, 0.3f), bias = rf::simtest::random_vec(Cout, 31);
  V want(size_t(s.y_size()));
  k::conv_forward_cpu(s, X.data(), w.data(), bias.data(), want.data(), k::Epilogue::ReLU);
  int missing = 0;
  for (float v : X) missing += v == 0.0f;
  ASSERT_GT(missing, 10);  // the test exercises missing values

  for (k::ConvMath math : {k::ConvMath::Fp32, k::ConvMath::Tf32, k::ConvMath::Bf16}) {
    const V got = rf::simtest::race_checked([&] {
      V y(size_t(s.y_size()));
      k::conv_forward_staged_cuda(s, ch, w.data(), bias.data(), y.data(), k::Epilogue::ReLU, nullptr, math);
      return y;
    });
    if (math == k::ConvMath::Bf16) {  // 8 significant bits per operand: 1e-2 of the output norm
      double num = 0.0, den = 0.0;
      for (size_t i = 0; i < got.size(); ++i) {
        num += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
        den += double(want[i]) * want[i];
      }
      EXPECT_LT(std::sqrt(num / den), 1e-2) << "staged bf16";
      continue;
    }
    const bool tf32 = math == k::ConvMath::Tf32;
    rf::simtest::expect_close(got, want, tf32 ? 4e-3 : 2e-5, 1.0, tf32 ? "staged tf32" : "staged fp32");
  }
}

TEST(SimConvStaged, RejectsTooManyChannels) {
  k::ConvShape s;
  s.Cin = k::kMaxStagedChannels + 1;
  std::vector<k::StagedChannel> ch(size_t(s.Cin));
  EXPECT_THROW(k::conv_forward_staged_cuda(s, ch.data(), nullptr, nullptr, nullptr, k::Epilogue::None, nullptr),
               std::invalid_argument);
}

}  // namespace

// The convolutions of qh-ref at the patch (B=16, T=7, 32x32) and tile (B=1, T=7,
// 256x256) shapes: conv1 (Conv3d 8->32), conv2 (Conv3d 32->32) and one ConvLSTM
// gate step (Conv2d 64->128, per time step, so T = 1). Forward (with bias and
// ReLU), backward data, backward weight (+ bias); ours against LibTorch
// (conv3d / conv2d, at::convolution_backward) in the same binary.
// Counters: FLOPS (each pass counted as the forward's 2*MACs) and the peak of
// the kernel's counted scratch (inputs/outputs are plain vectors, not counted).
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "kernels/common/memory.h"
#include "kernels/conv/conv.h"
#include "tests/kernels/kernel_testing.h"

#ifdef RAINFUSE_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

using rf::kerneltest::random_vec;

using rf::kernels::ConvShape;

// range(0): 0 conv1, 1 conv2, 2 lstm gates; range(1): 0 patch, 1 tile.
ConvShape shape_of(const benchmark::State& st) {
  ConvShape s;
  const int layer = int(st.range(0));
  const bool tile = st.range(1) == 1;
  s.B = tile ? 1 : 16;
  s.H = s.W = tile ? 256 : 32;
  s.Cin = layer == 0 ? 8 : layer == 1 ? 32 : 64;
  s.Cout = layer == 2 ? 128 : 32;
  s.T = layer == 2 ? 1 : 7;
  s.kT = layer == 2 ? 1 : 3;
  s.kH = s.kW = 3;
  return s;
}

void set_counters(benchmark::State& st, double flops, int64_t peak) {
  st.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["scratch_peak_MiB"] = double(peak) / (1 << 20);
}

enum Pass { kForward, kBackwardData, kBackwardWeight };

template <Pass pass>
void BM_Ours(benchmark::State& st) {
  const ConvShape s = shape_of(st);
  const auto x = random_vec(s.x_size(), 1), w = random_vec(s.w_size(), 2), bias = random_vec(s.Cout, 3);
  const auto dy = random_vec(s.y_size(), 4);
  std::vector<float> y(s.y_size()), dx(s.x_size()), dw(s.w_size()), db(s.Cout);
  rf::mem_reset_peak(rf::Device::CPU);
  const int64_t live0 = rf::mem_stats(rf::Device::CPU).live_bytes;
  for (auto _ : st) {
    if constexpr (pass == kForward)
      rf::kernels::conv_forward_cpu(s, x.data(), w.data(), bias.data(), y.data(), rf::kernels::Epilogue::ReLU);
    if constexpr (pass == kBackwardData)
      rf::kernels::conv_backward_data_cpu(s, dy.data(), w.data(), dx.data(), false);
    if constexpr (pass == kBackwardWeight)
      rf::kernels::conv_backward_weight_cpu(s, x.data(), dy.data(), dw.data(), db.data(), false);
    benchmark::ClobberMemory();
  }
  set_counters(st, s.flops(), rf::mem_stats(rf::Device::CPU).peak_bytes - live0);
}

#ifdef RAINFUSE_HAVE_TORCH
template <Pass pass>
void BM_Torch(benchmark::State& st) {
  at::set_num_threads(2);
  const ConvShape s = shape_of(st);
  const bool is3d = s.kT == 3;
  auto sizes = [&](int C) -> std::vector<int64_t> {
    if (is3d) return {s.B, C, s.T, s.H, s.W};
    return {s.B, C, s.H, s.W};
  };
  std::vector<int64_t> wsizes = is3d ? std::vector<int64_t>{s.Cout, s.Cin, s.kT, s.kH, s.kW}
                                     : std::vector<int64_t>{s.Cout, s.Cin, s.kH, s.kW};
  std::vector<int64_t> pad = is3d ? std::vector<int64_t>{1, 1, 1} : std::vector<int64_t>{1, 1};
  std::vector<int64_t> one = is3d ? std::vector<int64_t>{1, 1, 1} : std::vector<int64_t>{1, 1};
  std::vector<int64_t> zero = is3d ? std::vector<int64_t>{0, 0, 0} : std::vector<int64_t>{0, 0};
  auto x = torch::rand(sizes(s.Cin)) * 2 - 1, dy = torch::rand(sizes(s.Cout)) * 2 - 1;
  auto w = torch::rand(wsizes) * 2 - 1, bias = torch::rand({s.Cout}) * 2 - 1;
  torch::NoGradGuard no_grad;
  for (auto _ : st) {
    if constexpr (pass == kForward) {
      auto y = is3d ? torch::conv3d(x, w, bias, 1, 1) : torch::conv2d(x, w, bias, 1, 1);
      benchmark::DoNotOptimize(torch::relu_(y).data_ptr());
    } else {
      const std::array<bool, 3> mask = pass == kBackwardData ? std::array<bool, 3>{true, false, false}
                                                             : std::array<bool, 3>{false, true, true};
      auto g = at::convolution_backward(dy, x, w, at::OptionalIntArrayRef(std::vector<int64_t>{s.Cout}), one, pad,
                                        one, false, zero, 1, mask);
      benchmark::DoNotOptimize(pass == kBackwardData ? std::get<0>(g).data_ptr() : std::get<1>(g).data_ptr());
    }
  }
  set_counters(st, s.flops(), 0);
}
#endif

#define RF_CASES                                                                                  \
  ->ArgNames({"layer", "tile"})->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMillisecond) \
      ->UseRealTime()
BENCHMARK(BM_Ours<kForward>) RF_CASES;
BENCHMARK(BM_Ours<kBackwardData>) RF_CASES;
BENCHMARK(BM_Ours<kBackwardWeight>) RF_CASES;
#ifdef RAINFUSE_HAVE_TORCH
BENCHMARK(BM_Torch<kForward>) RF_CASES;
BENCHMARK(BM_Torch<kBackwardData>) RF_CASES;
BENCHMARK(BM_Torch<kBackwardWeight>) RF_CASES;
#endif

}  // namespace

BENCHMARK_MAIN();

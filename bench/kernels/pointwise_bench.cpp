// Pointwise (1x1 conv / channels-first Linear) layers of qh-ref at the patch
// (B=16, T=7, 32x32) and tile (B=1, T=7, 256x256) shapes: attn.qkv 32->96 and
// attn.proj 32->32 on all T frames, head.fc1 64->32 and head.fc2 32->1 on the
// centre frame. Forward (bias, ReLU for fc1), backward data, backward weight;
// ours against LibTorch (matmul on [B, C, S] views) in the same binary.
#include <benchmark/benchmark.h>

#include <vector>

#include "kernels/common/memory.h"
#include "kernels/pointwise/pointwise.h"
#include "tests/kernels/kernel_testing.h"

#ifdef RAINFUSE_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

using rf::kerneltest::random_vec;

using rf::kernels::PointwiseShape;

// range(0): 0 qkv, 1 proj, 2 fc1, 3 fc2; range(1): 0 patch, 1 tile.
PointwiseShape shape_of(const benchmark::State& st) {
  static const int kCin[] = {32, 32, 64, 32}, kCout[] = {96, 32, 32, 1};
  const int layer = int(st.range(0));
  const bool tile = st.range(1) == 1;
  PointwiseShape s;
  s.B = tile ? 1 : 16;
  s.Cin = kCin[layer], s.Cout = kCout[layer];
  s.S = int64_t(layer < 2 ? 7 : 1) * (tile ? 256 * 256 : 32 * 32);
  return s;
}

void set_counters(benchmark::State& st, double flops, int64_t peak) {
  st.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["scratch_peak_MiB"] = double(peak) / (1 << 20);
}

enum Pass { kForward, kBackwardData, kBackwardWeight };

template <Pass pass>
void BM_Ours(benchmark::State& st) {
  const PointwiseShape s = shape_of(st);
  const size_t nx = size_t(s.B) * s.Cin * s.S, ny = size_t(s.B) * s.Cout * s.S;
  const auto x = random_vec(nx, 1), w = random_vec(size_t(s.Cout) * s.Cin, 2), bias = random_vec(s.Cout, 3);
  const auto dy = random_vec(ny, 4);
  std::vector<float> y(ny), dx(nx), dw(w.size()), db(s.Cout);
  const auto ep = st.range(0) == 2 ? rf::kernels::Epilogue::ReLU : rf::kernels::Epilogue::None;
  rf::mem_reset_peak(rf::Device::CPU);
  const int64_t live0 = rf::mem_stats(rf::Device::CPU).live_bytes;
  for (auto _ : st) {
    if constexpr (pass == kForward) rf::kernels::pointwise_forward_cpu(s, x.data(), w.data(), bias.data(), y.data(), ep);
    if constexpr (pass == kBackwardData)
      rf::kernels::pointwise_backward_data_cpu(s, dy.data(), w.data(), dx.data(), false);
    if constexpr (pass == kBackwardWeight)
      rf::kernels::pointwise_backward_weight_cpu(s, x.data(), dy.data(), dw.data(), db.data(), false);
    benchmark::ClobberMemory();
  }
  set_counters(st, s.flops(), rf::mem_stats(rf::Device::CPU).peak_bytes - live0);
}

#ifdef RAINFUSE_HAVE_TORCH
template <Pass pass>
void BM_Torch(benchmark::State& st) {
  at::set_num_threads(2);
  const PointwiseShape s = shape_of(st);
  auto x = torch::rand({s.B, s.Cin, s.S}) * 2 - 1, dy = torch::rand({s.B, s.Cout, s.S}) * 2 - 1;
  auto w = torch::rand({s.Cout, s.Cin}) * 2 - 1, bias = torch::rand({s.Cout, 1}) * 2 - 1;
  torch::NoGradGuard no_grad;
  for (auto _ : st) {
    torch::Tensor r;
    if constexpr (pass == kForward) {
      r = torch::matmul(w, x).add_(bias);
      if (st.range(0) == 2) r.relu_();
    }
    if constexpr (pass == kBackwardData) r = torch::matmul(w.t(), dy);
    if constexpr (pass == kBackwardWeight) {
      r = torch::matmul(dy, x.transpose(1, 2)).sum(0);
      benchmark::DoNotOptimize(dy.sum(torch::IntArrayRef{0, 2}).data_ptr());
    }
    benchmark::DoNotOptimize(r.data_ptr());
  }
  set_counters(st, s.flops(), 0);
}
#endif

#define RF_CASES                                                                                     \
  ->ArgNames({"layer", "tile"})->ArgsProduct({{0, 1, 2, 3}, {0, 1}})->Unit(benchmark::kMillisecond) \
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

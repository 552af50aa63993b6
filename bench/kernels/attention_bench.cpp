// Window attention (qh-ref: C = 32, 4 heads of 8, 8x8 windows) at the patch
// (B=16, T=7, 32x32) and tile (B=1, T=7, 256x256) shapes: ours forward and
// forward + backward, against LibTorch written the way a user would (view /
// permute into windows, matmul, softmax, matmul, autograd for backward).
// Counter FLOPS: QK^T and PV (WindowAttnShape::flops), backward counted as 5 products.
#include <benchmark/benchmark.h>

#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/common/memory.h"
#include "tests/kernels/kernel_testing.h"

#ifdef RAINFUSE_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

using rf::kerneltest::random_vec;

using rf::kernels::WindowAttnShape;

WindowAttnShape shape_of(const benchmark::State& st) {
  WindowAttnShape s;
  s.B = int(st.range(0)), s.T = 7, s.H = s.W = int(st.range(1)), s.C = 32, s.heads = 4, s.win = 8;
  return s;
}

size_t tokens(const WindowAttnShape& s) { return size_t(s.B) * s.T * s.H * s.W; }

void set_counters(benchmark::State& st, double flops, int64_t peak) {
  st.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["scratch_peak_MiB"] = double(peak) / (1 << 20);
}

void BM_Ours_Forward(benchmark::State& st) {
  const WindowAttnShape s = shape_of(st);
  const auto qkv = random_vec(tokens(s) * 3 * s.C, 1);
  std::vector<float> out(tokens(s) * s.C), lse(tokens(s) * s.heads);
  rf::mem_reset_peak(rf::Device::CPU);
  const int64_t live0 = rf::mem_stats(rf::Device::CPU).live_bytes;
  for (auto _ : st) {
    rf::kernels::window_attention_forward_cpu(s, qkv.data(), out.data(), lse.data());
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(st, s.flops(), rf::mem_stats(rf::Device::CPU).peak_bytes - live0);
}

void BM_Ours_ForwardBackward(benchmark::State& st) {
  const WindowAttnShape s = shape_of(st);
  const auto qkv = random_vec(tokens(s) * 3 * s.C, 1);
  const auto dout = random_vec(tokens(s) * s.C, 2);
  std::vector<float> out(tokens(s) * s.C), lse(tokens(s) * s.heads), dqkv(tokens(s) * 3 * s.C);
  rf::mem_reset_peak(rf::Device::CPU);
  const int64_t live0 = rf::mem_stats(rf::Device::CPU).live_bytes;
  for (auto _ : st) {
    rf::kernels::window_attention_forward_cpu(s, qkv.data(), out.data(), lse.data());
    rf::kernels::window_attention_backward_cpu(s, qkv.data(), out.data(), lse.data(), dout.data(), dqkv.data(),
                                               false);
    benchmark::DoNotOptimize(dqkv.data());
  }
  set_counters(st, 3.5 * s.flops(), rf::mem_stats(rf::Device::CPU).peak_bytes - live0);
}

#ifdef RAINFUSE_HAVE_TORCH
// qkv [B, 3C, T, H, W] -> out [B, C, T, H, W], as a LibTorch user writes Swin-style windows.
torch::Tensor torch_window_attention(const torch::Tensor& qkv, const WindowAttnShape& s) {
  const int64_t D = s.head_dim(), w = s.win, nh = s.H / w, nw = s.W / w;
  // [B, 3, heads, D, T, nh, w, nw, w] -> [B, T, nh, nw, 3, heads, w, w, D]
  auto x = qkv.view({s.B, 3, s.heads, D, s.T, nh, w, nw, w}).permute({0, 4, 5, 7, 1, 2, 6, 8, 3});
  x = x.reshape({s.B * s.T * nh * nw, 3, s.heads, w * w, D});
  auto q = x.select(1, 0), k = x.select(1, 1), v = x.select(1, 2);
  auto attn = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(D)), -1);
  auto o = torch::matmul(attn, v);  // [Bw, heads, n, D]
  // -> [B, heads, D, T, nh, w, nw, w] -> [B, C, T, H, W]
  return o.view({s.B, s.T, nh, nw, s.heads, w, w, D})
      .permute({0, 4, 7, 1, 2, 5, 3, 6})
      .reshape({s.B, s.C, s.T, s.H, s.W});
}

torch::Tensor as_tensor(std::vector<float>& v, std::vector<int64_t> shape) {
  return torch::from_blob(v.data(), shape, torch::kFloat32);
}

void BM_Torch_Forward(benchmark::State& st) {
  const WindowAttnShape s = shape_of(st);
  auto qkv_v = random_vec(tokens(s) * 3 * s.C, 1);
  auto qkv = as_tensor(qkv_v, {s.B, 3 * s.C, s.T, s.H, s.W});
  torch::NoGradGuard no_grad;
  {  // the two implementations agree (guards the LibTorch transcription)
    std::vector<float> out(tokens(s) * s.C), lse(tokens(s) * s.heads);
    rf::kernels::window_attention_forward_cpu(s, qkv_v.data(), out.data(), lse.data());
    const double err = (torch_window_attention(qkv, s) - as_tensor(out, {s.B, s.C, s.T, s.H, s.W})).abs().max().item<double>();
    if (err > 1e-4) st.SkipWithError("LibTorch and rainfuse window attention disagree");
  }
  for (auto _ : st) benchmark::DoNotOptimize(torch_window_attention(qkv, s).data_ptr());
  set_counters(st, s.flops(), 0);
}

void BM_Torch_ForwardBackward(benchmark::State& st) {
  const WindowAttnShape s = shape_of(st);
  auto qkv_v = random_vec(tokens(s) * 3 * s.C, 1);
  auto dout_v = random_vec(tokens(s) * s.C, 2);
  auto qkv = as_tensor(qkv_v, {s.B, 3 * s.C, s.T, s.H, s.W}).clone().requires_grad_(true);
  auto dout = as_tensor(dout_v, {s.B, s.C, s.T, s.H, s.W});
  for (auto _ : st) {
    qkv.mutable_grad() = torch::Tensor();
    torch_window_attention(qkv, s).backward(dout);
    benchmark::DoNotOptimize(qkv.grad().data_ptr());
  }
  set_counters(st, 3.5 * s.flops(), 0);
}
#endif

// {B, H = W}: patch and tile
#define RF_SHAPES ->Args({16, 32})->Args({1, 256})->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_Ours_Forward) RF_SHAPES;
BENCHMARK(BM_Ours_ForwardBackward) RF_SHAPES;
#ifdef RAINFUSE_HAVE_TORCH
BENCHMARK(BM_Torch_Forward) RF_SHAPES;
BENCHMARK(BM_Torch_ForwardBackward) RF_SHAPES;
#endif

}  // namespace

BENCHMARK_MAIN();

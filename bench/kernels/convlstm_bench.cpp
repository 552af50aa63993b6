// ConvLSTM cell update (qh-ref: hidden 32) and LayerNorm over 32 channels at the
// patch (B=16, T=7, 32x32) and tile (B=1, T=7, 256x256) shapes, ours against
// LibTorch written the way a user would (gates.chunk + sigmoid/tanh; layer_norm on
// channels-last via movedim). Both ops are memory-bound: counter BYTES is the
// minimum traffic (each tensor read or written once).
//   cell: one time step over B*HW pixels (the model runs 8 of them per forward)
//   layernorm: x [B, 32, T*H*W]
#include <benchmark/benchmark.h>

#include <vector>

#include "kernels/convlstm/convlstm.h"
#include "kernels/layernorm/layernorm.h"
#include "tests/kernels/kernel_testing.h"

#ifdef RAINFUSE_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

// Values in [-2, 2): the gate pre-activations and states a trained cell sees.
std::vector<float> gate_vec(size_t n, uint64_t seed) { return rf::kerneltest::random_vec(n, seed, -2.0f, 2.0f); }

using rf::kernels::ConvLstmShape;
using rf::kernels::LayerNormShape;

constexpr int kCh = 32, kT = 7;

void set_bytes(benchmark::State& st, double floats_moved) {
  st.counters["BYTES"] = benchmark::Counter(4.0 * floats_moved, benchmark::Counter::kIsIterationInvariantRate);
}

ConvLstmShape cell_shape(const benchmark::State& st) {
  ConvLstmShape s;
  s.B = int(st.range(0)), s.Ch = kCh, s.HW = st.range(1) * st.range(1);
  return s;
}

void BM_Ours_CellForward(benchmark::State& st) {
  const ConvLstmShape s = cell_shape(st);
  const size_t n = size_t(s.B) * s.Ch * s.HW;
  const auto gates = gate_vec(4 * n, 1), cp = gate_vec(n, 2);
  std::vector<float> c(n), h(n);
  for (auto _ : st) {
    rf::kernels::convlstm_cell_forward_cpu(s, gates.data(), cp.data(), c.data(), h.data());
    benchmark::DoNotOptimize(h.data());
  }
  set_bytes(st, 7.0 * n);  // gates 4, c_prev 1 in; c, h out
}

void BM_Ours_CellBackward(benchmark::State& st) {
  const ConvLstmShape s = cell_shape(st);
  const size_t n = size_t(s.B) * s.Ch * s.HW;
  const auto gates = gate_vec(4 * n, 1), cp = gate_vec(n, 2), c = gate_vec(n, 3);
  const auto dh = gate_vec(n, 4), dc = gate_vec(n, 5);
  std::vector<float> dg(4 * n), dcp(n);
  for (auto _ : st) {
    rf::kernels::convlstm_cell_backward_cpu(s, gates.data(), cp.data(), c.data(), dh.data(), dc.data(), dg.data(),
                                            dcp.data());
    benchmark::DoNotOptimize(dg.data());
  }
  set_bytes(st, 13.0 * n);  // gates 4, c_prev, c, dh, dc in; dgates 4, dc_prev out
}

LayerNormShape ln_shape(const benchmark::State& st) {
  LayerNormShape s;
  s.B = int(st.range(0)), s.C = kCh, s.S = int64_t(kT) * st.range(1) * st.range(1);
  return s;
}

void BM_Ours_LayerNormForward(benchmark::State& st) {
  const LayerNormShape s = ln_shape(st);
  const size_t n = size_t(s.B) * s.C * s.S;
  const auto x = gate_vec(n, 1), g = gate_vec(s.C, 2), b = gate_vec(s.C, 3);
  std::vector<float> y(n), mean(size_t(s.B) * s.S), rstd(size_t(s.B) * s.S);
  for (auto _ : st) {
    rf::kernels::layernorm_forward_cpu(s, x.data(), g.data(), b.data(), y.data(), mean.data(), rstd.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_bytes(st, 2.0 * n + 2.0 * s.B * s.S);
}

void BM_Ours_LayerNormBackward(benchmark::State& st) {
  const LayerNormShape s = ln_shape(st);
  const size_t n = size_t(s.B) * s.C * s.S;
  const auto x = gate_vec(n, 1), g = gate_vec(s.C, 2), b = gate_vec(s.C, 3), dy = gate_vec(n, 4);
  std::vector<float> y(n), mean(size_t(s.B) * s.S), rstd(size_t(s.B) * s.S), dx(n), dg(s.C), db(s.C);
  rf::kernels::layernorm_forward_cpu(s, x.data(), g.data(), b.data(), y.data(), mean.data(), rstd.data());
  for (auto _ : st) {
    rf::kernels::layernorm_backward_cpu(s, x.data(), g.data(), mean.data(), rstd.data(), dy.data(), dx.data(),
                                        dg.data(), db.data(), false);
    benchmark::DoNotOptimize(dx.data());
  }
  set_bytes(st, 3.0 * n + 2.0 * s.B * s.S);
}

#ifdef RAINFUSE_HAVE_TORCH
torch::Tensor random_tensor(std::vector<int64_t> shape) { return torch::rand(shape) * 4 - 2; }

std::pair<torch::Tensor, torch::Tensor> torch_cell(const torch::Tensor& gates, const torch::Tensor& c_prev) {
  auto g = gates.chunk(4, 1);
  auto c = torch::sigmoid(g[1]) * c_prev + torch::sigmoid(g[0]) * torch::tanh(g[2]);
  auto h = torch::sigmoid(g[3]) * torch::tanh(c);
  return {c, h};
}

void BM_Torch_CellForward(benchmark::State& st) {
  const ConvLstmShape s = cell_shape(st);
  const int64_t hw = st.range(1);
  auto gates = random_tensor({s.B, 4 * kCh, hw, hw}), cp = random_tensor({s.B, kCh, hw, hw});
  torch::NoGradGuard no_grad;
  for (auto _ : st) benchmark::DoNotOptimize(torch_cell(gates, cp).second.data_ptr());
  set_bytes(st, 7.0 * s.B * s.Ch * s.HW);
}

void BM_Torch_CellBackward(benchmark::State& st) {  // forward graph + autograd backward
  const ConvLstmShape s = cell_shape(st);
  const int64_t hw = st.range(1);
  auto gates = random_tensor({s.B, 4 * kCh, hw, hw}).requires_grad_(true);
  auto cp = random_tensor({s.B, kCh, hw, hw}).requires_grad_(true);
  auto dh = random_tensor({s.B, kCh, hw, hw}), dc = random_tensor({s.B, kCh, hw, hw});
  for (auto _ : st) {
    auto [c, h] = torch_cell(gates, cp);
    auto grads = torch::autograd::grad({c, h}, {gates, cp}, {dc, dh});
    benchmark::DoNotOptimize(grads[0].data_ptr());
  }
  st.SetLabel("includes the forward");
  set_bytes(st, 13.0 * s.B * s.Ch * s.HW);
}

torch::Tensor torch_layernorm(const torch::Tensor& x, const torch::Tensor& g, const torch::Tensor& b) {
  return torch::layer_norm(x.movedim(1, -1), {kCh}, g, b, 1e-5).movedim(-1, 1);
}

void BM_Torch_LayerNormForward(benchmark::State& st) {
  const LayerNormShape s = ln_shape(st);
  const int64_t hw = st.range(1);
  auto x = random_tensor({s.B, kCh, kT, hw, hw}), g = random_tensor({kCh}), b = random_tensor({kCh});
  torch::NoGradGuard no_grad;
  for (auto _ : st) benchmark::DoNotOptimize(torch_layernorm(x, g, b).contiguous().data_ptr());
  set_bytes(st, 2.0 * s.B * s.C * s.S + 2.0 * s.B * s.S);
}

void BM_Torch_LayerNormBackward(benchmark::State& st) {  // forward graph + autograd backward
  const LayerNormShape s = ln_shape(st);
  const int64_t hw = st.range(1);
  auto x = random_tensor({s.B, kCh, kT, hw, hw}).requires_grad_(true);
  auto g = random_tensor({kCh}).requires_grad_(true), b = random_tensor({kCh}).requires_grad_(true);
  auto dy = random_tensor({s.B, kCh, kT, hw, hw});
  for (auto _ : st) {
    auto grads = torch::autograd::grad({torch_layernorm(x, g, b)}, {x, g, b}, {dy});
    benchmark::DoNotOptimize(grads[0].data_ptr());
  }
  st.SetLabel("includes the forward");
  set_bytes(st, 3.0 * s.B * s.C * s.S + 2.0 * s.B * s.S);
}
#endif

// {B, H = W}: patch and tile
#define RF_SHAPES ->Args({16, 32})->Args({1, 256})->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_Ours_CellForward) RF_SHAPES;
BENCHMARK(BM_Ours_CellBackward) RF_SHAPES;
BENCHMARK(BM_Ours_LayerNormForward) RF_SHAPES;
BENCHMARK(BM_Ours_LayerNormBackward) RF_SHAPES;
#ifdef RAINFUSE_HAVE_TORCH
BENCHMARK(BM_Torch_CellForward) RF_SHAPES;
BENCHMARK(BM_Torch_CellBackward) RF_SHAPES;
BENCHMARK(BM_Torch_LayerNormForward) RF_SHAPES;
BENCHMARK(BM_Torch_LayerNormBackward) RF_SHAPES;
#endif

}  // namespace

BENCHMARK_MAIN();

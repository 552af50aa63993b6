// qh-ref end to end with our engine (nn/qh_ref.h): a training step (forward +
// backward + Adam) at `patch`, eval forward at `tile` and `province`.
// The LibTorch twin runs the same cases in bench_model_torch; scripts/bench-model
// runs every (case, impl) in its own process and writes the comparison table.
//   patch_step/ours            recompute off (every activation kept)
//   patch_step/ours_recompute  attention and ConvLSTM as checkpoint regions
//   tile_forward/ours, province_forward/ours   no-grad, forward_tiled (exact)
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "autograd/tape.h"
#include "autograd/tensor.h"
#include "kernels/common/memory.h"
#include "model_bench_util.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"
#include "nn/train_step.h"

namespace {

using rf::bench::ModelCase;

rf::Tensor random_normal(const rf::Shape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> v(size_t(shape.numel()));
  for (auto& x : v) x = n(rng);
  return rf::Tensor::from_vector(shape, v);
}

double alloc_peak_mib() { return double(rf::mem_stats(rf::Device::CPU).peak_bytes) / (1 << 20); }

void step(benchmark::State& st, ModelCase c, bool recompute) {
  rf::nn::QhRef model;
  model.init(1);
  model.set_recompute(recompute);
  rf::nn::Adam opt(model.parameters(), rf::kernels::AdamParams{});
  const auto x = random_normal({c.B, rf::bench::kChannels, rf::bench::kTimeSteps, c.H, c.W}, 2);
  const auto target = random_normal({c.B, 1, c.H, c.W}, 3);
  for (auto _ : st) benchmark::DoNotOptimize(rf::nn::train_step(model, opt, x, target));
  rf::bench::set_model_counters(st, rf::bench::step_flop(c), alloc_peak_mib());
}

void forward(benchmark::State& st, ModelCase c) {
  rf::nn::QhRef model;
  model.init(1);
  const auto x = random_normal({c.B, rf::bench::kChannels, rf::bench::kTimeSteps, c.H, c.W}, 2);
  rf::NoGradGuard no_grad;
  for (auto _ : st) {
    rf::Tensor y = model.forward_tiled(x);
    benchmark::DoNotOptimize(y.data());
  }
  rf::bench::set_model_counters(st, rf::bench::forward_flop(c), alloc_peak_mib());
}

const bool registered = [] {
  auto tune = [](benchmark::internal::Benchmark* b) { b->UseRealTime()->Unit(benchmark::kMillisecond); };
  tune(benchmark::RegisterBenchmark("patch_step/ours", step, rf::bench::kPatch, false));
  tune(benchmark::RegisterBenchmark("patch_step/ours_recompute", step, rf::bench::kPatch, true));
  tune(benchmark::RegisterBenchmark("tile_forward/ours", forward, rf::bench::kTile));
  tune(benchmark::RegisterBenchmark("province_forward/ours", forward, rf::bench::kProvince));
  return true;
}();

}  // namespace

BENCHMARK_MAIN();

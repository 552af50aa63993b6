// qh-ref end to end with our engine (nn/qh_ref.h): a training step (forward +
// backward + Adam) at `patch`, eval forward at `tile` and `province`.
// The LibTorch twin runs the same cases in bench_model_torch; scripts/bench-model
// runs every (case, impl) in its own process and writes the comparison table.
//   patch_step/ours            recompute off (every activation kept)
//   patch_step/ours_recompute  attention and ConvLSTM as checkpoint regions
//   tile_forward/ours, province_forward/ours   no-grad, forward_tiled (exact)
//   province_step/ours[_recompute]  ONE training step at B=1, 856x1392 (~6 TFLOP,
//     ~1 min on 2 cores, ~3 min with recompute; the allocator peak is the
//     province training memory of issue 4: the CUDA backend records the same
//     tape). Not part of scripts/bench-model; run by hand:
//       bench_model_ours --benchmark_filter='^province_step/ours$'
#include <benchmark/benchmark.h>

#include <new>
#include <random>
#include <string>
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
  rf::mem_reset_peak(rf::Device::CPU);  // this case's own peak, whatever ran before
  rf::nn::QhRef model;
  model.init(1);
  model.set_recompute(recompute);
  rf::nn::Adam opt(model.parameters(), rf::kernels::AdamParams{});
  const auto x = random_normal({c.B, rf::bench::kChannels, rf::bench::kTimeSteps, c.H, c.W}, 2);
  const auto target = random_normal({c.B, 1, c.H, c.W}, 3);
  try {
    for (auto _ : st) benchmark::DoNotOptimize(rf::nn::train_step(model, opt, x, target));
  } catch (const std::bad_alloc&) {  // e.g. province under `ulimit -v`: say how far it got
    rf::tape_clear();
    st.SkipWithError(("out of memory at an allocator peak of " + std::to_string(int64_t(alloc_peak_mib())) +
                      " MiB")
                         .c_str());
    return;
  }
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
  auto tune = [](benchmark::internal::Benchmark* b) { return b->UseRealTime()->Unit(benchmark::kMillisecond); };
  tune(benchmark::RegisterBenchmark("patch_step/ours", step, rf::bench::kPatch, false));
  tune(benchmark::RegisterBenchmark("patch_step/ours_recompute", step, rf::bench::kPatch, true));
  tune(benchmark::RegisterBenchmark("tile_forward/ours", forward, rf::bench::kTile));
  tune(benchmark::RegisterBenchmark("province_forward/ours", forward, rf::bench::kProvince));
  tune(benchmark::RegisterBenchmark("province_step/ours", step, rf::bench::kProvince, false))->Iterations(1);
  tune(benchmark::RegisterBenchmark("province_step/ours_recompute", step, rf::bench::kProvince, true))
      ->Iterations(1);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();

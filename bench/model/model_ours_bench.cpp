// qh-ref end to end with our engine (nn/qh_ref.h): a training step (forward +
// backward + Adam) at `patch`, eval forward at `tile` and `province`.
// The LibTorch twin runs the same cases in bench_model_torch; scripts/bench-model
// runs every (case, impl) in its own process and writes the comparison table.
//   patch_step/ours            recompute off (every activation kept)
//   patch_step/ours_recompute  the "layers" plan (attention per frame and each
//                              ConvLSTM direction as checkpoint regions)
//   tile_forward/ours, province_forward/ours   no-grad, forward_tiled (exact)
//   {patch,province}_step/plan/PLAN   the step under a recompute plan
//     (nn/recompute_plan.h: none, layers, bands64+layers, bf16, ...), and
//   {patch,province}_step/budget/SIZE the plan nn::plan_for_budget picks (the
//     label says which): the memory/time frontier scripts/bench-memory runs.
//     A province step is ONE iteration at B=1, 856x1392 (~6 TFLOP, minutes on
//     2 cores); the allocator peak is its training memory (the CUDA backend
//     records the same tape).
#include <benchmark/benchmark.h>

#include <new>
#include <random>
#include <string>
#include <vector>

#include "autograd/tape.h"
#include "autograd/tensor.h"
#include "kernels/common/memory.h"
#include "model_bench_util.h"
#include "nn/memory_plan.h"
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

// plan: a recompute plan's text, or "budget:SIZE" for the planner's choice.
void step(benchmark::State& st, ModelCase c, std::string plan) {
  rf::nn::QhRef model;
  model.init(1);
  if (plan.rfind("budget:", 0) == 0) {
    const rf::nn::PlannedStep p =
        rf::nn::plan_for_budget(model.config(), {c.B, c.H, c.W, false}, rf::nn::parse_bytes(plan.substr(7)));
    model.set_recompute_plan(p.plan);
    st.SetLabel(p.plan.str() + ", predicted peak " + rf::nn::format_bytes(p.predicted_peak));
    st.counters["predicted_peak_MiB"] = double(p.predicted_peak) / (1 << 20);
  } else {
    model.set_recompute_plan(rf::nn::RecomputePlan::parse(plan));
  }
  rf::mem_reset_peak(rf::Device::CPU);  // this case's own peak, whatever ran before (the planner too)
  rf::nn::Adam opt(model.parameters(), rf::kernels::AdamParams{});
  const auto x = random_normal({c.B, rf::bench::kChannels, rf::bench::kTimeSteps, c.H, c.W}, 2);
  const auto target = random_normal({c.B, 1, c.H, c.W}, 3);
  rf::bench::set_rss_base(st);
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
  tune(benchmark::RegisterBenchmark("patch_step/ours", step, rf::bench::kPatch, "none"));
  tune(benchmark::RegisterBenchmark("patch_step/ours_recompute", step, rf::bench::kPatch, "layers"));
  tune(benchmark::RegisterBenchmark("tile_forward/ours", forward, rf::bench::kTile));
  tune(benchmark::RegisterBenchmark("province_forward/ours", forward, rf::bench::kProvince));
  for (const char* plan : {"none", "layers", "layers+steps1", "sequence/1", "sequence/4", "bf16", "layers+bf16"})
    tune(benchmark::RegisterBenchmark((std::string("patch_step/plan/") + plan).c_str(), step, rf::bench::kPatch, plan));
  for (const char* plan : {"none", "layers", "layers+steps1", "bands128", "bands64", "bands64+layers",
                           "bands32+layers+steps1", "bands128+bf16", "bands64+bf16", "bands32+layers+steps1+bf16"})
    tune(benchmark::RegisterBenchmark((std::string("province_step/plan/") + plan).c_str(), step, rf::bench::kProvince,
                                      plan))
        ->Iterations(1);
  for (const char* budget : {"4GiB", "2GiB", "1GiB"})
    tune(benchmark::RegisterBenchmark((std::string("province_step/budget/") + budget).c_str(), step,
                                      rf::bench::kProvince, std::string("budget:") + budget))
        ->Iterations(1);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();

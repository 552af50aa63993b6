// qh-ref end to end with the LibTorch twin (tests/golden/twin): the same cases
// as bench_model_ours. Training step = zero_grad, forward (train mode, dropout
// on), mse_loss, backward, torch::optim::Adam; forward = eval + NoGradGuard.
// *_checkpoint: the same step with twin::forward_checkpointed (the blocks as
// checkpoint segments, what torch.utils.checkpoint does).
// The province forward needs more than 24 GiB here: scripts/bench-model runs it
// under a memory limit and reports "does not fit" when it is exceeded.
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include "model_bench_util.h"
#include "qh_ref_twin.h"
#include "twin_checkpoint.h"

namespace {

using rf::bench::ModelCase;

torch::Tensor input(const ModelCase& c) {
  return torch::randn({c.B, rf::bench::kChannels, rf::bench::kTimeSteps, c.H, c.W});
}

void step(benchmark::State& st, ModelCase c, bool checkpointed) {
  at::set_num_threads(2);
  torch::manual_seed(1);
  twin::QhRef model;
  model->train();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  const auto x = input(c), target = torch::randn({c.B, 1, c.H, c.W});
  rf::bench::set_rss_base(st);
  for (auto _ : st) {
    opt.zero_grad();
    auto loss = torch::mse_loss(checkpointed ? twin::forward_checkpointed(model, x) : model->forward(x), target);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  rf::bench::set_model_counters(st, rf::bench::step_flop(c), -1);
}

void forward(benchmark::State& st, ModelCase c) {
  at::set_num_threads(2);
  torch::manual_seed(1);
  twin::QhRef model;
  model->eval();
  const auto x = input(c);
  torch::NoGradGuard no_grad;
  for (auto _ : st) {
    auto y = model->forward(x);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  rf::bench::set_model_counters(st, rf::bench::forward_flop(c), -1);
}

const bool registered = [] {
  auto tune = [](benchmark::internal::Benchmark* b) { return b->UseRealTime()->Unit(benchmark::kMillisecond); };
  tune(benchmark::RegisterBenchmark("patch_step/libtorch", step, rf::bench::kPatch, false));
  tune(benchmark::RegisterBenchmark("patch_step/libtorch_checkpoint", step, rf::bench::kPatch, true));
  // One province training step each (minutes; scripts/bench-memory runs them under a memory limit).
  tune(benchmark::RegisterBenchmark("province_step/libtorch", step, rf::bench::kProvince, false))->Iterations(1);
  tune(benchmark::RegisterBenchmark("province_step/libtorch_checkpoint", step, rf::bench::kProvince, true))
      ->Iterations(1);
  tune(benchmark::RegisterBenchmark("tile_forward/libtorch", forward, rf::bench::kTile));
  tune(benchmark::RegisterBenchmark("province_forward/libtorch", forward, rf::bench::kProvince));
  return true;
}();

}  // namespace

BENCHMARK_MAIN();

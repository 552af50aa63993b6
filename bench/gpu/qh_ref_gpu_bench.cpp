// qh-ref end to end on the CUDA device with our engine: a training step
// (forward + backward + AdamW) at `patch` [16,8,7,32,32], eval forward at
// `tile` [1,8,7,256,256] and `province` [1,8,7,856,1392] (one whole-grid pass,
// no tiling), each with the device allocator's peak; under every setting of
// the run-time switches (autograd/device_options.h): tf32, bf16 and fp32 GEMMs,
// each fusion on and off, and the cuDNN convolutions + cuBLAS linear layers as
// the engine's baseline (RAINFUSE_CONV_IMPL=cudnn, RAINFUSE_GEMM=cublas; with
// convlstm unfused so every gate conv runs on cuDNN too), so the gain of a
// fusion or of our GEMMs is read off one table. The
// fused conv epilogue is also timed op by op (conv2 forward + bias + ReLU).
// The LibTorch numbers of the same run come from bench/gpu/torch_bench.py
// (scripts/gpu-check runs both). Prints a markdown table; exits 0 with a note
// when there is no device.
// Then the province TRAINING step (B=1, 856x1392, T=7: forward + backward +
// AdamW) under the recompute plans of the CPU frontier (nn/recompute_plan.h,
// scripts/bench-memory: none, layers, bands128, bands64, bands64+layers, and
// bf16, bands128+bf16 with the saved activations in bf16) and
// the plan nn::plan_for_budget picks for 4 GiB, all fused and with the
// attention unfused: the memory/time frontier on the device, with each peak
// (a step that does not fit reports the allocation that failed).
//   bench_gpu_model [reps=5] [--no-province]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/device_copy.h"
#include "kernels/common/memory.h"
#include "nn/memory_plan.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"
#include "nn/train_step.h"

namespace {

using rf::Device;
using rf::Shape;
using rf::Tensor;

Tensor device_normal(const Shape& s, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> v(size_t(s.numel()));
  for (float& x : v) x = n(g);
  return Tensor::from_vector(s, v).to(Device::CUDA);
}

struct Timing {
  double ms = 0;       // median over reps, after one warm-up call
  double peak_mib = 0; // device allocator peak above what was live before the warm-up
};

Timing time_it(int reps, const std::function<void()>& fn) {
  rf::cuda_rt::synchronize();
  const int64_t live0 = rf::mem_stats(Device::CUDA).live_bytes;
  rf::mem_reset_peak(Device::CUDA);
  fn();
  rf::cuda_rt::synchronize();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    rf::cuda_rt::synchronize();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], double(rf::mem_stats(Device::CUDA).peak_bytes - live0) / (1 << 20)};
}

Timing patch_step(int reps) {
  rf::nn::QhRef model(rf::nn::QhRefConfig(), Device::CUDA);
  model.init(1);
  rf::nn::Adam opt(model.parameters(), rf::kernels::AdamParams{});
  const Tensor x = device_normal({16, 8, 7, 32, 32}, 2), t = device_normal({16, 1, 32, 32}, 3);
  return time_it(reps, [&] { rf::nn::train_step(model, opt, x, t); });
}

// One training step of B=1 at H x W under a recompute plan.
Timing province_step(int reps, int64_t H, int64_t W, const rf::nn::RecomputePlan& plan) {
  rf::nn::QhRef model(rf::nn::QhRefConfig(), Device::CUDA);
  model.init(1);
  model.set_recompute_plan(plan);
  rf::nn::Adam opt(model.parameters(), rf::kernels::AdamParams{});
  const Tensor x = device_normal({1, 8, 7, H, W}, 2), t = device_normal({1, 1, H, W}, 3);
  return time_it(reps, [&] { rf::nn::train_step(model, opt, x, t); });
}

Timing forward(int reps, int64_t H, int64_t W) {
  rf::nn::QhRef model(rf::nn::QhRefConfig(), Device::CUDA);
  model.init(1);
  const Tensor x = device_normal({1, 8, 7, H, W}, 2);
  rf::NoGradGuard no_grad;
  return time_it(reps, [&] { Tensor y = model.forward(x, false); });
}

// conv2 of qh-ref (32 -> 32, 3x3x3, bias + ReLU) at the province extent.
Timing conv2_op(int reps, int64_t H, int64_t W) {
  const Tensor x = device_normal({1, 32, 7, H, W}, 4), w = device_normal({32, 32, 3, 3, 3}, 5),
               b = device_normal({32}, 6);
  rf::NoGradGuard no_grad;
  return time_it(reps, [&] { Tensor y = rf::conv3d(x, w, b, /*relu=*/true); });
}

std::string cell(const Timing& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f ms, %.0f MiB", t.ms, t.peak_mib);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  bool province = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-province") == 0)
      province = false;
    else
      reps = std::max(1, std::atoi(argv[i]));
  }
  if (!rf::cuda_rt::device_present()) {
    std::printf("no CUDA device: bench_gpu_model not run\n");
    return 0;
  }
  struct Variant {
    const char* name;
    rf::kernels::ConvMath math;
    const char* unfused;
    rf::ConvImpl conv = rf::ConvImpl::Ours;
    rf::GemmImpl gemm = rf::GemmImpl::Ours;
  };
  const Variant variants[] = {
      {"tf32, all fused", rf::kernels::ConvMath::Tf32, ""},
      {"tf32, conv_epilogue unfused", rf::kernels::ConvMath::Tf32, "conv_epilogue"},
      {"tf32, convlstm unfused", rf::kernels::ConvMath::Tf32, "convlstm"},
      {"tf32, attention unfused", rf::kernels::ConvMath::Tf32, "attention"},
      {"fp32, all fused", rf::kernels::ConvMath::Fp32, ""},
      {"bf16, all fused", rf::kernels::ConvMath::Bf16, ""},
      {"tf32, cuDNN conv + cuBLAS linear", rf::kernels::ConvMath::Tf32, "convlstm", rf::ConvImpl::Cudnn,
       rf::GemmImpl::Cublas},
      {"fp32, cuDNN conv + cuBLAS linear", rf::kernels::ConvMath::Fp32, "convlstm", rf::ConvImpl::Cudnn,
       rf::GemmImpl::Cublas},
  };
  std::printf("qh-ref on %s (median of %d; peak = device allocator high-water mark above the inputs)\n\n",
              rf::backend(Device::CUDA).name, reps);
  std::printf("| settings | patch step | tile forward | province forward | conv2 fwd+ReLU, province |\n");
  std::printf("|---|---|---|---|---|\n");
  for (const Variant& v : variants) {
    rf::device_options().conv_math = v.math;
    rf::device_options().conv_impl = v.conv;
    rf::device_options().gemm_impl = v.gemm;
    rf::set_unfused(rf::device_options(), v.unfused);
    try {
      const std::string p = cell(patch_step(reps)), t = cell(forward(reps, 256, 256));
      const std::string pr = province ? cell(forward(std::max(1, reps / 2), 856, 1392)) : "-";
      const std::string c = province ? cell(conv2_op(reps, 856, 1392)) : cell(conv2_op(reps, 256, 256)) + " (tile)";
      std::printf("| %s | %s | %s | %s | %s |\n", v.name, p.c_str(), t.c_str(), pr.c_str(), c.c_str());
    } catch (const std::runtime_error& e) {  // e.g. a build without libcudnn
      std::printf("| %s | not run: %s | | | |\n", v.name, e.what());
    }
    std::fflush(stdout);
  }
  if (!province) return 0;
  const int step_reps = std::max(1, reps / 2);
  std::printf("\nProvince training step (B=1, 856x1392, T=7; forward + backward + AdamW; tf32; median of %d)\n\n",
              step_reps);
  // The 4 GiB plan is chosen (and its peak predicted) on the CPU before any timing.
  const rf::nn::PlannedStep budget =
      rf::nn::plan_for_budget(rf::nn::QhRefConfig(), {1, 856, 1392, false}, rf::nn::parse_bytes("4GiB"));
  std::vector<std::string> plans = {"none", "layers", "bands128", "bands64", "bands64+layers", "bf16", "bands128+bf16"};
  std::printf("| settings |");
  for (const std::string& p : plans) std::printf(" %s |", p.c_str());
  std::printf(" budget 4GiB: %s (predicted %s) |\n|---|", budget.plan.str().c_str(),
              rf::nn::format_bytes(budget.predicted_peak).c_str());
  for (size_t i = 0; i <= plans.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const char* unfused : {"", "attention"}) {
    rf::device_options() = rf::DeviceOptions();
    rf::set_unfused(rf::device_options(), unfused);
    std::printf("| %s |", rf::describe(rf::device_options()).c_str());
    for (size_t i = 0; i <= plans.size(); ++i) {
      std::string c;
      try {
        c = cell(province_step(step_reps, 856, 1392, i < plans.size() ? rf::nn::RecomputePlan::parse(plans[i]) : budget.plan));
      } catch (const std::exception& e) {  // out of device memory: say so, free the tape, keep going
        rf::tape_clear();
        c = std::string("does not fit: ") + e.what();
      }
      std::printf(" %s |", c.c_str());
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}

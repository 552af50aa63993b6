// One qh-ref training step on a device, for comparing the device backend with
// the CPU backend on the same parameters and inputs: forward in training mode
// (dropout on: both backends draw the same Philox stream), masked MSE,
// backward, one AdamW step. Used by the simulated-device test (tests/sim/device)
// and the real-GPU test (tests/gpu).
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/optim/adam.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"

namespace rf::modeltest {

struct StepResult {
  std::vector<float> y;                   // model output
  float loss = 0.0f;
  std::vector<std::string> names;         // parameter names, checkpoint order
  std::vector<std::vector<float>> grads;  // d loss / d parameter
  std::vector<std::vector<float>> before; // parameters before the Adam step
  std::vector<std::vector<float>> update; // parameter after the Adam step minus before
  kernels::AdamParams adam;               // the step's hyper-parameters
};

inline std::vector<float> random_values(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) {
    do x = u(g);
    while (x == 0.0f);
  }
  return v;
}

// x [B, 8, 7, H, W] uniform in [-1, 1) (z-scored inputs), target [B, 1, H, W],
// a mask with ~60% of the pixels set (gauges); recompute as QhRef::set_recompute.
inline StepResult qh_ref_step(Device device, int B, int H, int W, int recompute = 0) {
  nn::QhRef model(nn::QhRefConfig(), device);
  model.init(11);
  model.set_recompute(recompute);
  const Shape xs{B, 8, 7, H, W}, ys{B, 1, H, W};
  const Tensor x = Tensor::from_vector(xs, random_values(size_t(xs.numel()), 1, -1.0f, 1.0f)).to(device);
  const Tensor t = Tensor::from_vector(ys, random_values(size_t(ys.numel()), 2, -0.5f, 1.5f)).to(device);
  std::vector<float> m = random_values(size_t(ys.numel()), 3, 0.0f, 1.0f);
  for (float& v : m) v = v < 0.6f ? 1.0f : 0.0f;
  const Tensor mask = Tensor::from_vector(ys, m).to(device);

  kernels::AdamParams hyper;
  hyper.lr = 1e-3f;
  hyper.weight_decay = 1e-2f;
  nn::Adam opt(model.parameters(), hyper);
  StepResult r;
  for (const Tensor& p : model.parameters()) r.before.push_back(p.to_vector());
  hyper.step = 1;
  r.adam = hyper;

  rng_state() = RngState{0x5eedULL, 0};
  Tensor y = model.forward(x, /*training=*/true);
  Tensor loss = mse_loss(y, t, mask);
  r.y = y.to_vector();
  r.loss = loss.to_vector()[0];
  backward(loss);
  for (const auto& [name, p] : model.named_parameters()) {
    r.names.push_back(name);
    r.grads.push_back(p.grad().defined() ? p.grad().to_vector() : std::vector<float>());
  }
  opt.step();
  const auto params = model.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    std::vector<float> d = params[i].to_vector();
    for (size_t k = 0; k < d.size(); ++k) d[k] -= r.before[i][k];
    r.update.push_back(std::move(d));
  }
  return r;
}

inline double rel_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / (den > 1e-30 ? den : 1e-30));
}

// The Adam update the CPU kernel makes from this run's own gradients. (Not
// compared with the reference run's update: a first Adam step is ~lr * sign(g),
// and gradients that are zero in exact arithmetic, like the key bias under
// softmax, have a rounding-noise sign.)
inline std::vector<float> cpu_adam_update(const StepResult& r, size_t i) {
  std::vector<float> p = r.before[i], m(p.size(), 0.0f), v(p.size(), 0.0f);
  kernels::adam_step_cpu(int64_t(p.size()), r.adam, p.data(), r.grads[i].data(), m.data(), v.data());
  for (size_t k = 0; k < p.size(); ++k) p[k] -= r.before[i][k];
  return p;
}

// Relative L2 error of the output, the loss and every gradient against the
// reference; `tol` fits the arithmetic (fp32 / tf32). The device's Adam update
// must match the CPU kernel's on the same gradients to fp32 rounding.
inline void expect_close(const StepResult& got, const StepResult& ref, double tol, const std::string& what) {
  ASSERT_EQ(got.y.size(), ref.y.size()) << what;
  EXPECT_LT(rel_l2(got.y, ref.y), tol) << what << ": output";
  EXPECT_NEAR(got.loss, ref.loss, tol * std::abs(ref.loss)) << what << ": loss";
  ASSERT_EQ(got.names, ref.names) << what;
  for (size_t i = 0; i < ref.names.size(); ++i) {
    ASSERT_FALSE(ref.grads[i].empty()) << what << ": CPU reference has no gradient for " << ref.names[i];
    ASSERT_EQ(got.grads[i].size(), ref.grads[i].size()) << what << ": no gradient for " << ref.names[i];
    EXPECT_LT(rel_l2(got.grads[i], ref.grads[i]), tol) << what << ": grad " << ref.names[i];
    EXPECT_LT(rel_l2(got.update[i], cpu_adam_update(got, i)), 1e-5) << what << ": Adam update " << ref.names[i];
  }
}

}  // namespace rf::modeltest

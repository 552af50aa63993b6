// Adam over a parameter list: torch semantics on the first steps, parameters
// without a gradient left alone, AdamW's decoupled decay.
#include "nn/optim.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

using rf::testutil::random_tensor;

TEST(Adam, FirstStepsMatchTorchAndSkipParametersWithoutGrad) {
  Tensor p = random_tensor({5, 3}, 1).set_requires_grad(true);
  Tensor q = random_tensor({4}, 2).set_requires_grad(true);  // never reached by backward
  const auto p0 = p.to_vector(), q0 = q.to_vector();
  kernels::AdamParams hp;
  hp.lr = 0.01f;
  hp.weight_decay = 0.1f;
  hp.decoupled = true;
  Adam opt({p, q}, hp);
  Tensor target = random_tensor({5, 3}, 3);
  // Reference: torch.optim.AdamW, double precision.
  std::vector<double> ref(p0.begin(), p0.end()), m(15, 0.0), v(15, 0.0);
  for (int step = 1; step <= 3; ++step) {
    opt.zero_grad();
    backward(mse_loss(p, target));
    const auto g = p.grad().to_vector();
    opt.step();
    for (size_t i = 0; i < 15; ++i) {
      ref[i] -= 0.01 * 0.1 * ref[i];
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * double(g[i]) * g[i];
      const double mh = m[i] / (1 - std::pow(0.9, step)), vh = v[i] / (1 - std::pow(0.999, step));
      ref[i] -= 0.01 * mh / (std::sqrt(vh) + 1e-8);
    }
  }
  EXPECT_EQ(opt.steps(), 3);
  const auto p3 = p.to_vector();
  for (size_t i = 0; i < 15; ++i) EXPECT_NEAR(p3[i], ref[i], 1e-5);
  EXPECT_EQ(q.to_vector(), q0);
  EXPECT_FALSE(q.grad().defined());
}

}  // namespace
}  // namespace rf::nn

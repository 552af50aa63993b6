// Shared by the recompute-plan tests: one step's loss and parameter gradients
// under a plan, dropout off (eval mode: bands draw their masks per band).
#pragma once
#include <vector>

#include "nn/qh_ref.h"
#include "nn/recompute_plan.h"
#include "nn/train_step.h"

namespace rf::nn::plantest {

struct Step {
  float loss;
  std::vector<std::vector<float>> grads;
};

inline Step loss_and_grads(QhRef& model, const RecomputePlan& plan, const Tensor& x, const Tensor& t,
                           const Tensor& m) {
  model.set_recompute_plan(plan);
  model.zero_grad();
  Step s{loss_backward(model, x, t, m, /*training=*/false), {}};
  for (const Tensor& p : model.parameters()) s.grads.push_back(p.grad().to_vector());
  return s;
}

}  // namespace rf::nn::plantest

// Adam / AdamW over a list of parameters (PyTorch semantics, kernels/optim/adam.h).
// Moments live beside the parameters on their device; parameters whose grad is
// undefined (never reached by backward) are skipped, like torch.optim.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "kernels/optim/adam.h"

namespace rf::nn {

class Adam {
 public:
  Adam(std::vector<Tensor> params, const kernels::AdamParams& hyper);
  void step();
  void zero_grad();
  int64_t steps() const { return step_; }
  kernels::AdamParams& hyper() { return hyper_; }
  // Optimizer state for checkpoints: the moments (one per parameter, same
  // shapes) and the step count a resumed run continues from.
  const std::vector<Tensor>& first_moments() const { return m_; }
  const std::vector<Tensor>& second_moments() const { return v_; }
  void set_steps(int64_t steps) { step_ = steps; }

 private:
  std::vector<Tensor> params_, m_, v_;
  kernels::AdamParams hyper_;
  int64_t step_ = 0;
};

}  // namespace rf::nn

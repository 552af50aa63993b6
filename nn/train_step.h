// One optimisation step of a model on a batch: zero the gradients, forward,
// masked MSE (mask undefined = every pixel), backward, Adam. Returns the loss.
#pragma once
#include "autograd/tensor.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"

namespace rf::nn {

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const Tensor& target, const Tensor& mask = Tensor(),
                 bool training = true);

}  // namespace rf::nn

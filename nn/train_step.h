// One optimisation step of a model on a batch: zero the gradients, forward,
// masked MSE (mask undefined = every pixel), backward, Adam. Returns the loss.
#pragma once
#include "autograd/tensor.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"

namespace rf::nn {

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const Tensor& target, const Tensor& mask = Tensor(),
                 bool training = true);
// The same with the loss at one pixel per sample (QhRef::forward_anchored):
// target and mask are [B, 1, 1, 1].
float train_step(const QhRef& model, Adam& opt, const Tensor& x, const QhRef::Anchors& anchors, const Tensor& target,
                 const Tensor& mask, bool training = true);

}  // namespace rf::nn

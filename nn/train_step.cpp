#include "nn/train_step.h"

#include "autograd/ops.h"
#include "autograd/tape.h"

namespace rf::nn {

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const Tensor& target, const Tensor& mask,
                 bool training) {
  opt.zero_grad();
  Tensor loss = mse_loss(model.forward(x, training), target, mask);
  const float value = loss.to_vector()[0];
  backward(loss);
  opt.step();
  return value;
}

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const QhRef::Anchors& anchors, const Tensor& target,
                 const Tensor& mask, bool training) {
  opt.zero_grad();
  Tensor loss = mse_loss(model.forward_anchored(x, anchors, training), target, mask);
  const float value = loss.to_vector()[0];
  backward(loss);
  opt.step();
  return value;
}

}  // namespace rf::nn

#include "nn/train_step.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <stdexcept>
#include <vector>

#include "autograd/ops.h"
#include "autograd/tape.h"

namespace rf::nn {

namespace {
// sum of mask rows [r0, r1) over every batch and column ([B, 1, H, W] on the host).
double mask_rows_sum(const std::vector<float>& m, int64_t B, int64_t H, int64_t W, int64_t r0, int64_t r1) {
  double s = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = (b * H + r0) * W; i < (b * H + r1) * W; ++i) s += m[size_t(i)];
  return s;
}
}  // namespace

float loss_backward(const QhRef& model, const Tensor& x, const Tensor& target, const Tensor& mask, bool training) {
  const int band = model.recompute_plan().band_rows;
  if (band <= 0 || band >= x.size(3)) {
    Tensor loss = mse_loss(model.forward(x, training), target, mask);
    const float value = loss.to_vector()[0];
    backward(loss);
    return value;
  }
  const int64_t B = x.size(0), H = x.size(3), W = x.size(4);
  const Shape want{B, 1, H, W};
  if (target.shape() != want || (mask.defined() && mask.shape() != want))
    throw std::runtime_error("loss_backward: target and mask must be " + want.str());
  const std::vector<float> m = mask.defined() ? mask.to_vector() : std::vector<float>();
  const double total = mask.defined() ? std::max(1.0, mask_rows_sum(m, B, H, W, 0, H)) : double(B * H * W);
  double loss = 0;
  for (int64_t r0 = 0; r0 < H; r0 += band) {
    const int64_t r1 = std::min(H, r0 + band);
    const double n = mask.defined() ? mask_rows_sum(m, B, H, W, r0, r1) : double(B * (r1 - r0) * W);
    if (n <= 0) continue;  // no loss pixel in this band: no gradient either
    const Tensor mb = mask.defined() ? narrow(mask, 2, r0, r1 - r0) : Tensor();
    Tensor lb = mse_loss(model.forward_rows(x, r0, r1, training), narrow(target, 2, r0, r1 - r0), mb);
    // mse_loss divides by max(1, n); this band's share of the whole loss is n / total.
    const double share = std::max(1.0, n) / total;
    loss += double(lb.to_vector()[0]) * share;
    backward(lb, Tensor::full(Shape{1}, float(share), lb.device()));
  }
  return float(loss);
}

namespace {

bool grads_finite(const QhRef& model) {
  for (const Tensor& p : model.parameters())
    if (count_non_finite(p.grad()) > 0) return false;
  return true;
}

// One step's forward, loss and backward (`pass`), then Adam, unless the loss or
// a gradient is not finite: then the weights stay as they were, the pass is
// rerun with the same dropout draws and every op checked (FiniteCheck), and
// NonFiniteError names the first op with a NaN or inf.
float checked_step(const QhRef& model, Adam& opt, const std::function<float()>& pass) {
  opt.zero_grad();
  const RngState rng = rng_state();
  const float value = pass();
  const bool loss_ok = std::isfinite(value), grads_ok = loss_ok && grads_finite(model);
  if (loss_ok && grads_ok) {
    opt.step();
    return value;
  }
  const std::string what = loss_ok ? "the loss is finite but a gradient is not" : "the loss is " + std::to_string(value);
  std::string where = "; a rerun with every op checked found no NaN or inf (not reproduced)";
  tape_clear();
  opt.zero_grad();
  rng_state() = rng;
  try {
    FiniteCheck check;
    pass();
  } catch (const NonFiniteError& e) {
    where = "; first NaN or inf: " + std::string(e.what());
  }
  tape_clear();
  opt.zero_grad();
  rng_state() = rng;
  throw NonFiniteError("training step: " + what + where + "; the weights were not updated");
}

}  // namespace

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const Tensor& target, const Tensor& mask,
                 bool training) {
  return checked_step(model, opt, [&] { return loss_backward(model, x, target, mask, training); });
}

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const QhRef::Anchors& anchors, const Tensor& target,
                 const Tensor& mask, bool training) {
  return checked_step(model, opt, [&] {
    Tensor loss = mse_loss(model.forward_anchored(x, anchors, training), target, mask);
    const float value = loss.to_vector()[0];
    backward(loss);
    return value;
  });
}

}  // namespace rf::nn

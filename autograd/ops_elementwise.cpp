// relu, add, dropout, mse_loss, sum: ops that touch each element once.
#include <vector>

#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/saved.h"

namespace rf {

using detail::op_error;

namespace {
// dx (+)= g for a same-shaped gradient g.
void add_grad(const Backend& be, OpRecord& rec, size_t i, const Tensor& g) {
  GradTarget d = rec.grad_in(i);
  if (!d) return;
  be.copy_strided(1, 1, g.numel(), g.data(), 0, 0, d.ptr, 0, 0, d.accumulate);
}
}  // namespace

Tensor relu(const Tensor& x) {
  detail::check_defined("relu", x, "x");
  const Backend& be = detail::device_backend("relu", {&x});
  Tensor y = Tensor::empty(x.shape(), x.device());
  be.relu_forward(x.numel(), x.data(), y.data());
  if (!needs_record({&x})) return y;
  OpRecord r = make_record("relu", {&x}, {&y});
  r.backward = [ys = Saved(y), &be](OpRecord& rec) {
    const Tensor yv = ys.get();  // bf16 keeps every sign: the mask is exact
    GradTarget d = rec.grad_in(0);
    be.relu_backward(yv.numel(), yv.data(), rec.grad_out(0).data(), d.ptr, d.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor add(const Tensor& a, const Tensor& b) {
  detail::check_defined("add", a, "a");
  detail::check_defined("add", b, "b");
  if (a.shape() != b.shape()) op_error("add", "shapes differ: " + a.shape().str() + " and " + b.shape().str());
  const Backend& be = detail::device_backend("add", {&a, &b});
  Tensor y = Tensor::empty(a.shape(), a.device());
  be.add(a.numel(), a.data(), b.data(), y.data());
  if (!needs_record({&a, &b})) return y;
  OpRecord r = make_record("add", {&a, &b}, {&y});
  r.backward = [&be](OpRecord& rec) {
    const Tensor g = rec.grad_out(0);
    // The output's gradient dies with this record: a fresh input gradient can
    // take over its buffer instead of a copy (residual connections).
    if (rec.inputs[0] && !rec.inputs[0]->grad.defined())
      rec.inputs[0]->grad = g;
    else
      add_grad(be, rec, 0, g);
    add_grad(be, rec, 1, g);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor dropout(const Tensor& x, float p, bool training) {
  detail::check_defined("dropout", x, "x");
  if (p < 0.0f || p >= 1.0f) op_error("dropout", "p must be in [0, 1)");
  if (!training || p == 0.0f) return x;
  const Backend& be = detail::device_backend("dropout", {&x});
  kernels::DropoutParams d;
  d.p = p;
  d.seed = rng_state().seed;
  d.offset = rng_state().offset;
  rng_state().offset += uint64_t(x.numel() + 3) / 4 * 4;  // next call starts a fresh Philox block
  Tensor y = Tensor::empty(x.shape(), x.device());
  be.dropout_forward(x.numel(), d, x.data(), y.data());
  if (!needs_record({&x})) return y;
  OpRecord r = make_record("dropout", {&x}, {&y});
  r.backward = [d, n = x.numel(), &be](OpRecord& rec) {  // the mask is regenerated, never stored
    GradTarget dx = rec.grad_in(0);
    be.dropout_backward(n, d, rec.grad_out(0).data(), dx.ptr, dx.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor mse_loss(const Tensor& y, const Tensor& target, const Tensor& mask) {
  const char* op = "mse_loss";
  detail::check_defined(op, y, "y");
  detail::check_shape(op, target, "target", y.shape());
  if (mask.defined()) detail::check_shape(op, mask, "mask", y.shape());
  const Backend& be = detail::device_backend(op, {&y, &target, &mask});
  double count = 0.0;
  const double loss = be.mse_forward(y.numel(), y.data(), target.data(), mask.defined() ? mask.data() : nullptr,
                                     &count);
  Tensor out = Tensor::full(Shape{1}, float(loss), y.device());
  if (!needs_record({&y})) return out;
  OpRecord r = make_record(op, {&y}, {&out});
  r.backward = [yv = y.detach(), t = target.detach(), m = mask.defined() ? mask.detach() : Tensor(), count,
                &be](OpRecord& rec) {
    const float g = rec.grad_out(0).to_vector()[0];
    GradTarget d = rec.grad_in(0);
    be.mse_backward(yv.numel(), yv.data(), t.data(), m.defined() ? m.data() : nullptr, count, g, d.ptr,
                    d.accumulate);
  };
  current_tape().push(std::move(r));
  return out;
}

Tensor sum(const Tensor& x) {
  detail::check_defined("sum", x, "x");
  const std::vector<float> v = x.to_vector();
  double s = 0.0;
  for (float f : v) s += f;
  Tensor out = Tensor::full(Shape{1}, float(s), x.device());
  if (!needs_record({&x})) return out;
  OpRecord r = make_record("sum", {&x}, {&out});
  r.backward = [shape = x.shape(), dev = x.device()](OpRecord& rec) {
    const float g = rec.grad_out(0).to_vector()[0];
    GradTarget d = rec.grad_in(0);
    Tensor ones = Tensor::full(shape, g, dev);
    backend(dev).copy_strided(1, 1, ones.numel(), ones.data(), 0, 0, d.ptr, 0, 0, d.accumulate);
  };
  current_tape().push(std::move(r));
  return out;
}

}  // namespace rf

// conv3d / conv2d / linear_channels: the GEMM-shaped ops. Each may fuse a ReLU;
// then backward keeps y (the output, which the next op holds anyway) instead of
// the pre-activation, and turns dy into dy * (y > 0) once.
#include <memory>

#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/saved.h"

namespace rf {
namespace {

using detail::op_error;

// dW and db are written by one kernel call with one accumulate flag; if their
// slots disagree (one fresh, one holding a gradient), start both from zeros.
struct WeightTargets {
  float* dw = nullptr;
  float* db = nullptr;
  bool accumulate = false;
  Tensor scratch;  // dW sink when only the bias wants a gradient
};
WeightTargets weight_targets(OpRecord& r, size_t iw, size_t ib, int64_t w_numel) {
  const bool has_b = r.inputs[ib] != nullptr;
  const bool w_acc = r.inputs[iw] && r.inputs[iw]->grad.defined();
  const bool b_acc = has_b && r.inputs[ib]->grad.defined();
  if (!r.inputs[iw] || (has_b && w_acc != b_acc)) {
    WeightTargets t{r.grad_in_zeroed(iw), r.grad_in_zeroed(ib), true, Tensor()};
    if (!t.dw) {
      t.scratch = Tensor::zeros(Shape{w_numel}, Device(r.inputs[ib]->device));
      t.dw = t.scratch.data();
    }
    return t;
  }
  WeightTargets t;
  GradTarget w = r.grad_in(iw);
  t.dw = w.ptr;
  t.accumulate = w.accumulate;
  if (has_b) t.db = r.grad_in(ib).ptr;
  return t;
}

// dy of the pre-activation: dy * (y > 0) into a fresh buffer, or dy itself.
Tensor pre_activation_grad(const Backend& be, const Tensor& gy, const Saved& ys, bool relu) {
  if (!relu) return gy;
  const Tensor y = ys.get();  // bf16 keeps every sign: the mask is exact
  Tensor d = Tensor::empty(gy.shape(), gy.device());
  be.relu_backward(gy.numel(), y.data(), gy.data(), d.data(), false);
  return d;
}

Tensor conv_impl(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias, bool relu,
                 const kernels::ConvShape& s, const Shape& y_shape) {
  const Backend& be = detail::device_backend(op, {&x, &w, &bias});
  if (bias.defined()) detail::check_shape(op, bias, "bias", Shape{s.Cout});
  if (s.kT % 2 == 0 || s.kH % 2 == 0 || s.kW % 2 == 0) op_error(op, "kernel sizes must be odd");
  Tensor y = Tensor::empty(y_shape, x.device());
  be.conv_forward(s, x.data(), w.data(), bias.defined() ? bias.data() : nullptr, y.data(),
                  relu ? kernels::Epilogue::ReLU : kernels::Epilogue::None);
  if (!needs_record({&x, &w, &bias})) return y;
  OpRecord r = make_record(op, {&x, &w, &bias}, {&y});
  Saved xs(w.requires_grad() || bias.requires_grad() ? x : Tensor());
  Tensor ws = x.requires_grad() ? w.detach() : Tensor();
  Saved ys(relu ? y : Tensor());
  r.backward = [s, relu, xs, ws, ys, &be](OpRecord& rec) {
    Tensor gy = pre_activation_grad(be, rec.grad_out(0), ys, relu);
    // The weight first: x unpacked from bf16 is freed before dx is allocated.
    if (rec.inputs[1] || rec.inputs[2]) {
      WeightTargets t = weight_targets(rec, 1, 2, s.w_size());
      be.conv_backward_weight(s, xs.get().data(), gy.data(), t.dw, t.db, t.accumulate);
    }
    if (GradTarget dx = rec.grad_in(0)) be.conv_backward_data(s, gy.data(), ws.data(), dx.ptr, dx.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

}  // namespace

Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu) {
  const char* op = "conv3d";
  detail::check_dims(op, x, "x", 5);
  detail::check_dims(op, w, "weight", 5);
  if (w.size(1) != x.size(1))
    op_error(op, "weight " + w.shape().str() + " does not take " + std::to_string(x.size(1)) + " input channels");
  kernels::ConvShape s;
  s.B = int(x.size(0)), s.Cin = int(x.size(1)), s.Cout = int(w.size(0));
  s.T = int(x.size(2)), s.H = int(x.size(3)), s.W = int(x.size(4));
  s.kT = int(w.size(2)), s.kH = int(w.size(3)), s.kW = int(w.size(4));
  return conv_impl(op, x, w, bias, relu, s, Shape{x.size(0), w.size(0), x.size(2), x.size(3), x.size(4)});
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu) {
  const char* op = "conv2d";
  detail::check_dims(op, x, "x", 4);
  detail::check_dims(op, w, "weight", 4);
  if (w.size(1) != x.size(1))
    op_error(op, "weight " + w.shape().str() + " does not take " + std::to_string(x.size(1)) + " input channels");
  kernels::ConvShape s;
  s.B = int(x.size(0)), s.Cin = int(x.size(1)), s.Cout = int(w.size(0));
  s.T = 1, s.H = int(x.size(2)), s.W = int(x.size(3));
  s.kT = 1, s.kH = int(w.size(2)), s.kW = int(w.size(3));
  return conv_impl(op, x, w, bias, relu, s, Shape{x.size(0), w.size(0), x.size(2), x.size(3)});
}

Tensor linear_channels(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu) {
  const char* op = "linear";
  detail::check_defined(op, x, "x");
  detail::check_dims(op, w, "weight", 2);
  if (x.dim() < 2 || w.size(1) != x.size(1))
    op_error(op, "weight " + w.shape().str() + " does not fit x " + x.shape().str());
  const Backend& be = detail::device_backend(op, {&x, &w, &bias});
  if (bias.defined()) detail::check_shape(op, bias, "bias", Shape{w.size(0)});
  kernels::PointwiseShape s;
  s.B = int(x.size(0)), s.Cin = int(x.size(1)), s.Cout = int(w.size(0)), s.S = detail::extent_from(x, 2);
  Shape ys = x.shape();
  ys[1] = w.size(0);
  Tensor y = Tensor::empty(ys, x.device());
  be.pointwise_forward(s, x.data(), w.data(), bias.defined() ? bias.data() : nullptr, y.data(),
                       relu ? kernels::Epilogue::ReLU : kernels::Epilogue::None);
  if (!needs_record({&x, &w, &bias})) return y;
  OpRecord r = make_record(op, {&x, &w, &bias}, {&y});
  Saved xs(w.requires_grad() || bias.requires_grad() ? x : Tensor());
  Tensor wsv = x.requires_grad() ? w.detach() : Tensor();
  Saved yv(relu ? y : Tensor());
  r.backward = [s, relu, xs, wsv, yv, &be](OpRecord& rec) {
    Tensor gy = pre_activation_grad(be, rec.grad_out(0), yv, relu);
    if (rec.inputs[1] || rec.inputs[2]) {  // the weight first, as in conv
      WeightTargets t = weight_targets(rec, 1, 2, int64_t(s.Cin) * s.Cout);
      be.pointwise_backward_weight(s, xs.get().data(), gy.data(), t.dw, t.db, t.accumulate);
    }
    if (GradTarget dx = rec.grad_in(0)) be.pointwise_backward_data(s, gy.data(), wsv.data(), dx.ptr, dx.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

}  // namespace rf

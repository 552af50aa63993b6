// layer_norm_channels and window_attention. Both save small statistics in
// forward (mean/rstd per position; log-sum-exp per query row) so backward needs
// neither the normalised activations nor the attention matrix.
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/saved.h"

namespace rf {

using detail::op_error;

Tensor layer_norm_channels(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  const char* op = "layer_norm";
  detail::check_defined(op, x, "x");
  if (x.dim() < 2) op_error(op, "x must be [B, C, ...], got " + x.shape().str());
  detail::check_shape(op, gamma, "weight", Shape{x.size(1)});
  detail::check_shape(op, beta, "bias", Shape{x.size(1)});
  const Backend& be = detail::device_backend(op, {&x, &gamma, &beta});
  kernels::LayerNormShape s;
  s.B = int(x.size(0)), s.C = int(x.size(1)), s.S = detail::extent_from(x, 2), s.eps = eps;
  Tensor y = Tensor::empty(x.shape(), x.device());
  if (!needs_record({&x, &gamma, &beta})) {
    be.layernorm_forward(s, x.data(), gamma.data(), beta.data(), y.data(), nullptr, nullptr);
    return y;
  }
  Tensor mean = Tensor::empty(Shape{s.B, s.S}, x.device()), rstd = Tensor::empty(Shape{s.B, s.S}, x.device());
  be.layernorm_forward(s, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data());
  OpRecord r = make_record(op, {&x, &gamma, &beta}, {&y});
  r.backward = [s, saved_x = Saved(x), g = gamma.detach(), mean, rstd, &be](OpRecord& rec) {
    const Tensor xs = saved_x.get();
    GradTarget dx = rec.grad_in(0);
    Tensor sink;
    if (!dx) {  // the kernel always writes dx
      sink = Tensor::empty(xs.shape(), xs.device());
      dx = {sink.data(), false};
    }
    be.layernorm_backward(s, xs.data(), g.data(), mean.data(), rstd.data(), rec.grad_out(0).data(), dx.ptr,
                          rec.grad_in_zeroed(1), rec.grad_in_zeroed(2), dx.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor window_attention(const Tensor& qkv, int heads, int win) {
  const char* op = "window_attention";
  detail::check_defined(op, qkv, "qkv");
  if (qkv.dim() != 5 && qkv.dim() != 4) op_error(op, "qkv must be [B, 3C, T, H, W] or [B, 3C, H, W]");
  const bool has_t = qkv.dim() == 5;
  kernels::WindowAttnShape s;
  s.B = int(qkv.size(0));
  s.T = has_t ? int(qkv.size(2)) : 1;
  s.H = int(qkv.size(-2)), s.W = int(qkv.size(-1));
  s.heads = heads, s.win = win;
  if (qkv.size(1) % 3 != 0) op_error(op, "qkv channels must be 3C, got " + std::to_string(qkv.size(1)));
  s.C = int(qkv.size(1) / 3);
  if (heads <= 0 || s.C % heads != 0) op_error(op, "channels " + std::to_string(s.C) + " not divisible by heads");
  if (win <= 0 || s.H % win || s.W % win)
    op_error(op, "H and W (" + std::to_string(s.H) + ", " + std::to_string(s.W) + ") must be multiples of " +
                     std::to_string(win));
  const Backend& be = detail::device_backend(op, {&qkv});
  Shape os = qkv.shape();
  os[1] = s.C;
  Tensor out = Tensor::empty(os, qkv.device());
  if (!needs_record({&qkv})) {
    be.attention_forward(s, qkv.data(), out.data(), nullptr);
    return out;
  }
  Tensor lse = Tensor::empty(Shape{s.B, heads, s.T, s.H, s.W}, qkv.device());
  be.attention_forward(s, qkv.data(), out.data(), lse.data());
  OpRecord r = make_record(op, {&qkv}, {&out});
  r.backward = [s, qs = Saved(qkv), os = Saved(out), lse, &be](OpRecord& rec) {
    const Tensor q = qs.get(), o = os.get();
    GradTarget d = rec.grad_in(0);
    be.attention_backward(s, q.data(), o.data(), lse.data(), rec.grad_out(0).data(), d.ptr, d.accumulate);
  };
  current_tape().push(std::move(r));
  return out;
}

}  // namespace rf

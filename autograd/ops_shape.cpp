// Shape ops: channel concat, narrow (a view along dim 0, a copy elsewhere),
// time-step selection, zero-pad / crop of H and W, reshape (a view).
// All are strided block copies (Backend::copy_strided) in both directions.
#include "autograd/op_util.h"
#include "autograd/ops.h"

namespace rf {

using detail::op_error;

namespace {

Tensor view_of(const Tensor& x, const Shape& shape, int64_t extra_offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->offset = x.impl()->offset + extra_offset;
  impl->shape = shape;
  return Tensor(std::move(impl));
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  detail::check_defined("reshape", x, "x");
  if (shape.numel() != x.numel()) op_error("reshape", "cannot view " + x.shape().str() + " as " + shape.str());
  Tensor y = view_of(x, shape, 0);
  if (!needs_record({&x})) return y;
  OpRecord r = make_record("reshape", {&x}, {&y});
  r.backward = [](OpRecord& rec) {
    const Tensor& g = rec.grad_out(0);
    GradTarget d = rec.grad_in(0);
    backend(g.device()).copy_strided(1, 1, g.numel(), g.data(), 0, 0, d.ptr, 0, 0, d.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  const char* op = "concat";
  if (xs.empty()) op_error(op, "no inputs");
  const Tensor& x0 = xs[0];
  detail::check_defined(op, x0, "x[0]");
  if (dim < 0) dim += x0.dim();
  if (dim < 0 || dim >= x0.dim()) op_error(op, "dim out of range for " + x0.shape().str());
  int64_t C = 0;
  for (const Tensor& x : xs) {
    detail::check_defined(op, x, "input");
    Shape a = x.shape(), b = x0.shape();
    if (a.size() != b.size()) op_error(op, "inputs differ in rank");
    a[dim] = b[dim] = 0;
    if (a != b) op_error(op, "shapes " + x.shape().str() + " and " + x0.shape().str() + " differ beyond dim " +
                                 std::to_string(dim));
    if (x.device() != x0.device()) op_error(op, "inputs on different devices");
    C += x.size(dim);
  }
  // Row r of the output = input rows r of every input, side by side:
  // rows = product of the dims before `dim`, S = product of those after.
  const Backend& be = backend(x0.device());
  int64_t rows = 1;
  for (int i = 0; i < dim; ++i) rows *= x0.size(i);
  const int64_t S = detail::extent_from(x0, dim + 1);
  Shape ys = x0.shape();
  ys[dim] = C;
  Tensor y = Tensor::empty(ys, x0.device());
  int64_t off = 0;
  std::vector<int64_t> offsets, widths;
  bool record = false;
  for (const Tensor& x : xs) {
    const int64_t w = x.size(dim);
    be.copy_strided(1, rows, w * S, x.data(), 0, w * S, y.data() + off * S, 0, C * S, false);
    offsets.push_back(off);
    widths.push_back(w);
    off += w;
    record = record || needs_record({&x});
  }
  if (!record) return y;
  OpRecord r;
  r.name = op;
  for (const Tensor& x : xs) r.inputs.push_back(x.requires_grad() ? x.slot() : nullptr);
  make_output(y);
  r.outputs.push_back(y.slot());
  r.backward = [rows, S, C, offsets, widths, &be](OpRecord& rec) {
    const Tensor& g = rec.grad_out(0);
    for (size_t i = 0; i < widths.size(); ++i) {
      GradTarget d = rec.grad_in(i);
      if (!d) continue;
      be.copy_strided(1, rows, widths[i] * S, g.data() + offsets[i] * S, 0, C * S, d.ptr, 0, widths[i] * S,
                      d.accumulate);
    }
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor concat_channels(const std::vector<Tensor>& xs) { return concat(xs, 1); }

Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length) {
  const char* op = "narrow";
  detail::check_defined(op, x, "x");
  if (dim < 0) dim += x.dim();
  if (dim < 0 || dim >= x.dim()) op_error(op, "dim out of range for " + x.shape().str());
  if (start < 0 || length < 0 || start + length > x.size(dim))
    op_error(op, "range [" + std::to_string(start) + ", " + std::to_string(start + length) + ") out of dim " +
                     std::to_string(dim) + " of " + x.shape().str());
  int64_t outer = 1;
  for (int i = 0; i < dim; ++i) outer *= x.size(i);
  const int64_t inner = detail::extent_from(x, dim + 1), full = x.size(dim);
  Shape ys = x.shape();
  ys[dim] = length;
  const Backend& be = backend(x.device());
  Tensor y;
  if (outer == 1) {  // a contiguous sub-block: a view
    y = view_of(x, ys, start * inner);
  } else {
    y = Tensor::empty(ys, x.device());
    be.copy_strided(1, outer, length * inner, x.data() + start * inner, 0, full * inner, y.data(), 0,
                    length * inner, false);
  }
  if (!needs_record({&x})) return y;
  OpRecord r = make_record(op, {&x}, {&y});
  r.backward = [outer, inner, full, start, length, &be](OpRecord& rec) {
    float* d = rec.grad_in_zeroed(0);
    be.copy_strided(1, outer, length * inner, rec.grad_out(0).data(), 0, length * inner, d + start * inner, 0,
                    full * inner, true);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor select_time(const Tensor& x, int64_t t) {
  detail::check_dims("select_time", x, "x", 5);
  Tensor y = narrow(x, 2, t, 1);
  return reshape(y, Shape{x.size(0), x.size(1), x.size(3), x.size(4)});
}

namespace {

// Copies the top-left h x w of every plane of src (plane hs x ws) into dst
// (plane hd x wd); add accumulates.
void copy_planes(const Backend& be, int64_t planes, int64_t h, int64_t w, const float* src, int64_t hs,
                 int64_t ws, float* dst, int64_t hd, int64_t wd, bool add) {
  be.copy_strided(planes, h, w, src, hs * ws, ws, dst, hd * wd, wd, add);
}

}  // namespace

Tensor pad_hw(const Tensor& x, int64_t Hp, int64_t Wp) {
  const char* op = "pad_hw";
  detail::check_defined(op, x, "x");
  if (x.dim() < 2) op_error(op, "x needs H and W dims");
  const int64_t H = x.size(-2), W = x.size(-1);
  if (Hp < H || Wp < W) op_error(op, "cannot pad " + x.shape().str() + " to smaller extents");
  if (Hp == H && Wp == W) return x;
  const int64_t planes = x.numel() / std::max<int64_t>(H * W, 1);
  Shape ys = x.shape();
  ys[x.dim() - 2] = Hp;
  ys[x.dim() - 1] = Wp;
  const Backend& be = backend(x.device());
  Tensor y = Tensor::zeros(ys, x.device());
  copy_planes(be, planes, H, W, x.data(), H, W, y.data(), Hp, Wp, false);
  if (!needs_record({&x})) return y;
  OpRecord r = make_record(op, {&x}, {&y});
  r.backward = [planes, H, W, Hp, Wp, &be](OpRecord& rec) {
    GradTarget d = rec.grad_in(0);
    copy_planes(be, planes, H, W, rec.grad_out(0).data(), Hp, Wp, d.ptr, H, W, d.accumulate);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor crop_hw(const Tensor& x, int64_t H, int64_t W) {
  const char* op = "crop_hw";
  detail::check_defined(op, x, "x");
  if (x.dim() < 2) op_error(op, "x needs H and W dims");
  const int64_t Hs = x.size(-2), Ws = x.size(-1);
  if (H > Hs || W > Ws || H < 0 || W < 0) op_error(op, "cannot crop " + x.shape().str() + " to larger extents");
  if (H == Hs && W == Ws) return x;
  const int64_t planes = x.numel() / std::max<int64_t>(Hs * Ws, 1);
  Shape ys = x.shape();
  ys[x.dim() - 2] = H;
  ys[x.dim() - 1] = W;
  const Backend& be = backend(x.device());
  Tensor y = Tensor::empty(ys, x.device());
  copy_planes(be, planes, H, W, x.data(), Hs, Ws, y.data(), H, W, false);
  if (!needs_record({&x})) return y;
  OpRecord r = make_record(op, {&x}, {&y});
  r.backward = [planes, H, W, Hs, Ws, &be](OpRecord& rec) {
    float* d = rec.grad_in_zeroed(0);
    copy_planes(be, planes, H, W, rec.grad_out(0).data(), H, W, d, Hs, Ws, true);
  };
  current_tape().push(std::move(r));
  return y;
}

Tensor crop_hw_at(const Tensor& x, const std::vector<std::array<int64_t, 2>>& origins, int64_t h, int64_t w) {
  const char* op = "crop_hw_at";
  detail::check_defined(op, x, "x");
  if (x.dim() < 3) op_error(op, "x needs a batch, H and W dims");
  const int64_t B = x.size(0), Hs = x.size(-2), Ws = x.size(-1);
  if (int64_t(origins.size()) != B) op_error(op, std::to_string(origins.size()) + " origins for a batch of " + std::to_string(B));
  for (const auto& o : origins)
    if (h < 0 || w < 0 || o[0] < 0 || o[1] < 0 || o[0] + h > Hs || o[1] + w > Ws)
      op_error(op, "box at (" + std::to_string(o[0]) + ", " + std::to_string(o[1]) + ") of " + std::to_string(h) +
                       " x " + std::to_string(w) + " is not inside " + x.shape().str());
  const int64_t planes = x.numel() / std::max<int64_t>(B * Hs * Ws, 1);  // planes per sample
  Shape ys = x.shape();
  ys[x.dim() - 2] = h;
  ys[x.dim() - 1] = w;
  const Backend& be = backend(x.device());
  Tensor y = Tensor::empty(ys, x.device());
  for (int64_t b = 0; b < B; ++b)
    be.copy_strided(planes, h, w, x.data() + (b * planes * Hs + origins[size_t(b)][0]) * Ws + origins[size_t(b)][1],
                    Hs * Ws, Ws, y.data() + b * planes * h * w, h * w, w, false);
  if (!needs_record({&x})) return y;
  OpRecord r = make_record(op, {&x}, {&y});
  r.backward = [origins, B, planes, h, w, Hs, Ws, &be](OpRecord& rec) {
    float* d = rec.grad_in_zeroed(0);
    const float* g = rec.grad_out(0).data();
    for (int64_t b = 0; b < B; ++b)
      be.copy_strided(planes, h, w, g + b * planes * h * w, h * w, w,
                      d + (b * planes * Hs + origins[size_t(b)][0]) * Ws + origins[size_t(b)][1], Hs * Ws, Ws, true);
  };
  current_tape().push(std::move(r));
  return y;
}

}  // namespace rf

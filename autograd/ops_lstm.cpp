// convlstm_cell: the pointwise cell update after the gate convolution. Backward
// keeps the gate pre-activations, c_prev and c (h is recomputed from them by
// the kernel), i.e. exactly the kernel's inputs.
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/saved.h"

namespace rf {

using detail::op_error;

LstmState convlstm_cell(const Tensor& gates, const Tensor& c_prev) {
  const char* op = "convlstm_cell";
  detail::check_defined(op, gates, "gates");
  if (gates.dim() < 2 || gates.size(1) % 4) op_error(op, "gates must be [B, 4Ch, ...], got " + gates.shape().str());
  Shape cs = gates.shape();
  cs[1] = gates.size(1) / 4;
  if (c_prev.defined()) detail::check_shape(op, c_prev, "c_prev", cs);
  const Backend& be = detail::device_backend(op, {&gates, &c_prev});
  kernels::ConvLstmShape s;
  s.B = int(gates.size(0)), s.Ch = int(cs[1]), s.HW = detail::extent_from(gates, 2);
  LstmState out{Tensor::empty(cs, gates.device()), Tensor::empty(cs, gates.device())};
  be.lstm_cell_forward(s, gates.data(), c_prev.defined() ? c_prev.data() : nullptr, out.c.data(), out.h.data());
  if (!needs_record({&gates, &c_prev})) return out;
  OpRecord r = make_record(op, {&gates, &c_prev}, {&out.h, &out.c});
  r.backward = [s, gs = Saved(gates), cps = Saved(c_prev), cs = Saved(out.c), &be](OpRecord& rec) {
    const Tensor g = gs.get(), cp = cps.get(), c = cs.get();
    const Tensor &dh = rec.grad_out(0), &dc = rec.grad_out(1);
    // The kernel overwrites its outputs: write straight into fresh slots, via a temporary otherwise.
    auto target = [&](size_t i, const Tensor& like, Tensor& tmp) -> float* {
      if (!rec.inputs[i]) return nullptr;
      if (!rec.inputs[i]->grad.defined()) return rec.grad_in(i).ptr;
      tmp = Tensor::empty(like.shape(), like.device());
      return tmp.data();
    };
    Tensor tg, tc;
    float* dg = target(0, g, tg);
    float* dcp = cp.defined() ? target(1, cp, tc) : nullptr;
    Tensor sink;
    if (!dg) {  // the kernel always writes dgates
      sink = Tensor::empty(g.shape(), g.device());
      dg = sink.data();
    }
    be.lstm_cell_backward(s, g.data(), cp.defined() ? cp.data() : nullptr, c.data(),
                          dh.defined() ? dh.data() : nullptr, dc.defined() ? dc.data() : nullptr, dg, dcp);
    if (tg.defined()) be.axpy(tg.numel(), 1.0f, tg.data(), rec.inputs[0]->grad.data());
    if (tc.defined()) be.axpy(tc.numel(), 1.0f, tc.data(), rec.inputs[1]->grad.data());
  };
  current_tape().push(std::move(r));
  return out;
}

}  // namespace rf

// conv3d_staged (ops.h): conv1 of fuse with the regrid gather fused into the
// GEMM's input staging. Forward only, so there is no tape record.
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/tape.h"

namespace rf {

Tensor conv3d_staged(const std::vector<kernels::StagedChannel>& channels, int64_t B, int64_t T, int64_t H,
                     int64_t W, const Tensor& w, const Tensor& bias, bool relu) {
  const char* op = "conv3d_staged";
  detail::check_dims(op, w, "weight", 5);
  const Backend& be = detail::device_backend(op, {&w, &bias});
  if (!be.conv_forward_staged) detail::op_error(op, std::string("the ") + be.name + " backend has no staged conv");
  if (grad_enabled() && (w.requires_grad() || (bias.defined() && bias.requires_grad())))
    detail::op_error(op, "inference only: run it under NoGradGuard");
  if (int64_t(channels.size()) != w.size(1) || channels.size() > size_t(kernels::kMaxStagedChannels))
    detail::op_error(op, std::to_string(channels.size()) + " staged channels for weight " + w.shape().str());
  if (bias.defined()) detail::check_shape(op, bias, "bias", Shape{w.size(0)});
  if (B < 1 || T < 1 || H < 1 || W < 1) detail::op_error(op, "empty input extent");
  kernels::ConvShape s;
  s.B = int(B), s.Cin = int(w.size(1)), s.Cout = int(w.size(0));
  s.T = int(T), s.H = int(H), s.W = int(W);
  s.kT = int(w.size(2)), s.kH = int(w.size(3)), s.kW = int(w.size(4));
  if (s.kT % 2 == 0 || s.kH % 2 == 0 || s.kW % 2 == 0) detail::op_error(op, "kernel sizes must be odd");
  Tensor y = Tensor::empty(Shape{B, w.size(0), T, H, W}, w.device());
  be.conv_forward_staged(s, channels.data(), w.data(), bias.defined() ? bias.data() : nullptr, y.data(),
                         relu ? kernels::Epilogue::ReLU : kernels::Epilogue::None);
  return y;
}

}  // namespace rf

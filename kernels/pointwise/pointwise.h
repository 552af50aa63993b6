// Linear layer applied per position on channels-first data (= 1x1 conv):
//   y[b, o, s] = sum_i w[o, i] * x[b, i, s] + bias[o]
// Layouts: x [B, Cin, S], w [Cout, Cin] (PyTorch Linear), bias [Cout] (nullable),
// y [B, Cout, S]; S is the flattened spatial/time extent (T*H*W or H*W).
// Used for attn.qkv, attn.proj, head.fc1, head.fc2.
#pragma once
#include <cstdint>

#include "kernels/conv/conv.h"  // Epilogue

namespace rf::kernels {

struct PointwiseShape {
  int B = 1, Cin = 1, Cout = 1;
  int64_t S = 1;
  double flops() const { return 2.0 * double(B) * S * Cin * Cout; }
};

void pointwise_forward_cpu(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                           Epilogue ep = Epilogue::None);
// dx = w^T dy  (accumulate: += instead of =)
void pointwise_backward_data_cpu(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                 bool accumulate);
// dw = sum_b dy x^T, dbias = sum_{b,s} dy  (dbias nullable)
void pointwise_backward_weight_cpu(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                   float* dbias, bool accumulate);

}  // namespace rf::kernels

// Windowed multi-head self-attention core (qh-ref's attn, Swin-style windows
// without shift). For every frame (b, t) the H x W plane is cut into
// non-overlapping win x win windows from the top-left corner (H, W multiples of
// win); the win*win tokens of a window, in row-major order, attend to each other.
//
//   qkv [B, 3C, T, H, W]: channels 0..C-1 = Q, C..2C-1 = K, 2C..3C-1 = V;
//                          head h owns channels h*D .. h*D+D-1 of each (D = C/heads)
//   out [B, C, T, H, W]:   out = softmax(Q K^T * scale) V per window and head,
//                          scale = 1/sqrt(D); softmax is the stable (max-subtracted) one.
//   lse [B, heads, T, H, W] (nullable): log-sum-exp of each query row's scaled
//                          scores, saved so backward recomputes P without storing it.
// Backward recomputes P from Q, K and lse (flash-attention style):
//   dV = P^T dO ; dP = dO V^T ; dS = P * (dP - rowsum(dO * O)) ; dQ = dS K * scale ; dK = dS^T Q * scale
#pragma once
#include <cstdint>

namespace rf::kernels {

struct WindowAttnShape {
  int B = 1, C = 32, T = 1, H = 8, W = 8;
  int heads = 4;
  int win = 8;
  int head_dim() const { return C / heads; }
  double flops() const {  // QK^T and PV, multiply-add = 2
    const double tokens = double(B) * T * H * W, n = double(win) * win;
    return 2.0 * 2.0 * tokens * n * C;
  }
};

void window_attention_forward_cpu(const WindowAttnShape& s, const float* qkv, float* out, float* lse);
// dqkv (+= when accumulate) from dout, given qkv, out and lse of the forward pass.
void window_attention_backward_cpu(const WindowAttnShape& s, const float* qkv, const float* out,
                                   const float* lse, const float* dout, float* dqkv, bool accumulate);

}  // namespace rf::kernels

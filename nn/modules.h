// Building blocks of fusion models. A module owns its parameters (leaf tensors
// that require grad), lists them by name in checkpoint order, and runs forward
// through the differentiable ops of autograd/ops.h.
// Init follows PyTorch's defaults (kaiming_uniform with a = sqrt(5), which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights, the same bound for biases;
// LayerNorm ones/zeros), drawn from a seeded Philox stream: reproducible on any
// machine, though not the same numbers as torch's generator.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/tensor.h"

namespace rf::nn {

// (name, tensor) pairs in checkpoint order; modules append prefix + name.
using ParamList = std::vector<NamedTensor>;

// Fills t with U(-bound, bound) from stream `seed` (t on the CPU).
void uniform_init(Tensor& t, float bound, uint64_t seed);
// A leaf parameter of this shape (zeros until init).
Tensor make_parameter(const Shape& shape, Device device);

// Conv3d (any odd kernel, stride 1, 'same' padding) with bias; kT = 1 for a
// Conv2d-shaped weight [Cout, Cin, kH, kW] when two_d.
struct Conv {
  Tensor weight, bias;
  bool two_d = false;
  Conv() = default;
  Conv(int cin, int cout, int kt, int kh, int kw, Device device);       // Conv3d
  Conv(int cin, int cout, int kh, int kw, Device device);               // Conv2d
  void init(uint64_t seed);
  Tensor forward(const Tensor& x, bool relu = false) const;
  void parameters(const std::string& prefix, ParamList& out) const;
};

// Linear over channels: weight [out, in], bias [out].
struct Linear {
  Tensor weight, bias;
  Linear() = default;
  Linear(int in, int out, Device device);
  void init(uint64_t seed);
  Tensor forward(const Tensor& x, bool relu = false) const;
  void parameters(const std::string& prefix, ParamList& out) const;
};

// LayerNorm over channels: weight (gamma) [C], bias (beta) [C].
struct LayerNorm {
  Tensor weight, bias;
  float eps = 1e-5f;
  LayerNorm() = default;
  LayerNorm(int channels, float eps, Device device);
  void init();
  Tensor forward(const Tensor& x) const;
  void parameters(const std::string& prefix, ParamList& out) const;
};

struct Dropout {
  float p = 0.0f;
  Tensor forward(const Tensor& x, bool training) const { return dropout(x, p, training); }
};

// Pre-norm windowed self-attention with residual (qh-ref's attn):
//   y = x + proj(MHSA(norm(x)))   on x [B, C, T, H, W], windows win x win.
// In no-grad mode it runs one time step at a time, so the 3C-wide qkv of the
// whole sequence never exists at once (inference memory).
struct WindowAttention {
  LayerNorm norm;
  Linear qkv, proj;
  int heads = 4, win = 8;
  WindowAttention() = default;
  WindowAttention(int channels, int heads, int win, float eps, Device device);
  void init(uint64_t seed);
  Tensor forward(const Tensor& x) const;
  void parameters(const std::string& prefix, ParamList& out) const;

 private:
  Tensor block(const Tensor& x) const;  // proj(MHSA(norm(x))) without the residual
};

// ConvLSTM cell (hidden Ch, kernel k x k, no peepholes): gates = conv2d([x_t ; h_{t-1}])
// with weight [4Ch, Cin+Ch, k, k], rows i, f, g, o. run() walks the steps
// t0, t0+dir, ..., t1 of x [B, Cin, T, H, W] and returns h at t1; only these
// steps are computed. h, c start at zero, so the first step convolves x_t alone
// (the h half of the weight would multiply zeros).
struct ConvLSTM {
  struct State {
    Tensor h, c;  // undefined = zero (before the first step)
  };
  Tensor weight, bias;
  int in_channels = 32, hidden = 32;
  ConvLSTM() = default;
  ConvLSTM(int in_channels, int hidden, int k, Device device);
  void init(uint64_t seed);
  Tensor run(const Tensor& x, int t0, int t1) const;
  // run() with the steps as recompute regions of `steps_per_region` steps
  // (autograd checkpoint, inputs x, h, c): backward holds one region's tape
  // at a time. Same result and gradients as run().
  Tensor run_checkpointed(const Tensor& x, int t0, int t1, int steps_per_region) const;
  void parameters(const std::string& prefix, ParamList& out) const;

 private:
  State steps(const Tensor& x, int t0, int t1, State s) const;  // the recorded steps t0..t1 from s
};

}  // namespace rf::nn

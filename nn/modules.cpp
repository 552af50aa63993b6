#include "nn/modules.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "autograd/tape.h"
#include "kernels/common/philox.h"

namespace rf::nn {

void uniform_init(Tensor& t, float bound, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (2.0f * philox_uniform(seed, i) - 1.0f) * bound;
  backend(t.device()).from_host(t.numel(), v.data(), t.data());
}

Tensor make_parameter(const Shape& shape, Device device) {
  Tensor t = Tensor::zeros(shape, device);
  t.set_requires_grad(true);
  return t;
}

namespace {
// Distinct, well-mixed streams for the weight and the bias of one module.
uint64_t mix(uint64_t seed, uint64_t k) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (k + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
// PyTorch's default for conv / linear: kaiming_uniform(a = sqrt(5)) gives
// bound = 1/sqrt(fan_in) for the weight; the bias uses the same bound.
void init_weight_bias(Tensor& w, Tensor& b, uint64_t seed) {
  const int64_t fan_in = w.numel() / w.size(0);
  const float bound = 1.0f / std::sqrt(float(fan_in));
  uniform_init(w, bound, mix(seed, 0));
  uniform_init(b, bound, mix(seed, 1));
}
}  // namespace

// ---- Conv ----------------------------------------------------------------------------
Conv::Conv(int cin, int cout, int kt, int kh, int kw, Device device)
    : weight(make_parameter(Shape{cout, cin, kt, kh, kw}, device)), bias(make_parameter(Shape{cout}, device)) {}
Conv::Conv(int cin, int cout, int kh, int kw, Device device)
    : weight(make_parameter(Shape{cout, cin, kh, kw}, device)), bias(make_parameter(Shape{cout}, device)),
      two_d(true) {}
void Conv::init(uint64_t seed) { init_weight_bias(weight, bias, seed); }
Tensor Conv::forward(const Tensor& x, bool relu) const {
  return two_d ? conv2d(x, weight, bias, relu) : conv3d(x, weight, bias, relu);
}
void Conv::parameters(const std::string& prefix, ParamList& out) const {
  out.push_back({prefix + "weight", weight});
  out.push_back({prefix + "bias", bias});
}

// ---- Linear --------------------------------------------------------------------------
Linear::Linear(int in, int out, Device device)
    : weight(make_parameter(Shape{out, in}, device)), bias(make_parameter(Shape{out}, device)) {}
void Linear::init(uint64_t seed) { init_weight_bias(weight, bias, seed); }
Tensor Linear::forward(const Tensor& x, bool relu) const { return linear_channels(x, weight, bias, relu); }
void Linear::parameters(const std::string& prefix, ParamList& out) const {
  out.push_back({prefix + "weight", weight});
  out.push_back({prefix + "bias", bias});
}

// ---- LayerNorm -----------------------------------------------------------------------
LayerNorm::LayerNorm(int channels, float e, Device device)
    : weight(make_parameter(Shape{channels}, device)), bias(make_parameter(Shape{channels}, device)), eps(e) {}
void LayerNorm::init() {
  weight.fill(1.0f);
  bias.fill(0.0f);
}
Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm_channels(x, weight, bias, eps); }
void LayerNorm::parameters(const std::string& prefix, ParamList& out) const {
  out.push_back({prefix + "weight", weight});
  out.push_back({prefix + "bias", bias});
}

// ---- WindowAttention -----------------------------------------------------------------
WindowAttention::WindowAttention(int channels, int h, int w, float eps, Device device)
    : norm(channels, eps, device), qkv(channels, 3 * channels, device), proj(channels, channels, device), heads(h),
      win(w) {}

void WindowAttention::init(uint64_t seed) {
  norm.init();
  qkv.init(seed * 2 + 0);
  proj.init(seed * 2 + 1);
}

Tensor WindowAttention::block(const Tensor& x) const {
  // Named steps, not one expression: without grad each input is freed as soon
  // as the next step has consumed it (temporaries would live to the end).
  Tensor q = qkv.forward(norm.forward(x));
  Tensor o = window_attention(q, heads, win);
  q = Tensor();
  return proj.forward(o);
}

Tensor WindowAttention::forward(const Tensor& x) const {
  if (grad_enabled() || x.dim() != 5 || x.size(2) == 1) return add(x, block(x));
  // Inference: one time step at a time, written into the output's slice.
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2), HW = x.size(3) * x.size(4);
  const Backend& be = backend(x.device());
  Tensor y = Tensor::empty(x.shape(), x.device());
  for (int64_t t = 0; t < T; ++t) {
    Tensor xt = narrow(x, 2, t, 1);
    Tensor yt = add(xt, block(xt));
    be.copy_strided(1, B * C, HW, yt.data(), 0, HW, y.data() + t * HW, 0, T * HW, false);
  }
  return y;
}

void WindowAttention::parameters(const std::string& prefix, ParamList& out) const {
  norm.parameters(prefix + "norm.", out);
  qkv.parameters(prefix + "qkv.", out);
  proj.parameters(prefix + "proj.", out);
}

// ---- ConvLSTM ------------------------------------------------------------------------
ConvLSTM::ConvLSTM(int in, int h, int k, Device device)
    : weight(make_parameter(Shape{4 * h, in + h, k, k}, device)), bias(make_parameter(Shape{4 * h}, device)),
      in_channels(in), hidden(h) {}

namespace {
// Inference with the fused step kernel: gate conv over [x_t ; h] read in
// place (x_t is a strided time slice of x, no concatenation) with the cell
// update in its epilogue, so the 4*hidden gate tensor is never written. h and c
// alternate between two buffers (a step reads h_prev around each position).
Tensor run_fused_steps(const ConvLSTM& m, const Backend& be, const Tensor& x, int t0, int t1, int dir) {
  const int64_t B = x.size(0), T = x.size(2), H = x.size(3), W = x.size(4), HW = H * W;
  kernels::ConvLstmShape s;
  s.B = int(B), s.Ch = m.hidden, s.HW = HW;
  const Shape hs{B, m.hidden, H, W};
  Tensor h[2] = {Tensor::empty(hs, x.device()), Tensor::empty(hs, x.device())};
  Tensor c[2] = {Tensor::empty(hs, x.device()), Tensor::empty(hs, x.device())};
  const int64_t state_batch = int64_t(m.hidden) * HW;
  int cur = 0;
  bool first = true;
  for (int t = t0;; t += dir) {
    const kernels::PlaneView xt{x.data() + t * HW, m.in_channels * T * HW, T * HW};
    const kernels::PlaneView hp{first ? nullptr : h[cur].data(), state_batch, HW};
    const kernels::PlaneView cp{first ? nullptr : c[cur].data(), state_batch, HW};
    be.lstm_step_forward(s, m.in_channels, int(H), int(W), xt, hp, cp, m.weight.data(), m.bias.data(),
                         {h[1 - cur].data(), state_batch, HW}, {c[1 - cur].data(), state_batch, HW});
    cur = 1 - cur;
    first = false;
    if (t == t1) break;
  }
  return h[cur];
}
}  // namespace

void ConvLSTM::init(uint64_t seed) { init_weight_bias(weight, bias, seed); }

Tensor ConvLSTM::run(const Tensor& x, int t0, int t1) const {
  if (x.dim() != 5 || x.size(1) != in_channels)
    throw std::runtime_error("ConvLSTM: x must be [B, " + std::to_string(in_channels) + ", T, H, W], got " +
                             x.shape().str());
  if (t0 < 0 || t1 < 0 || t0 >= x.size(2) || t1 >= x.size(2))
    throw std::runtime_error("ConvLSTM: steps out of range");
  const int dir = t1 >= t0 ? 1 : -1;
  const Backend& be = backend(x.device());
  if (!grad_enabled() && be.lstm_step_forward && device_options().fuse_convlstm && hidden % 16 == 0 &&
      weight.size(2) == 3 && weight.size(3) == 3)
    return run_fused_steps(*this, be, x, t0, t1, dir);
  return steps(x, t0, t1, State{}).h;
}

ConvLSTM::State ConvLSTM::steps(const Tensor& x, int t0, int t1, State s) const {
  const int dir = t1 >= t0 ? 1 : -1;
  // h_{-1} = 0: the first step needs only the x half of the gate weight.
  const Tensor w_x = s.h.defined() ? Tensor() : narrow(weight, 1, 0, in_channels);
  for (int t = t0;; t += dir) {
    Tensor gates = s.h.defined() ? conv2d(concat_channels({select_time(x, t), s.h}), weight, bias)
                                 : conv2d(select_time(x, t), w_x, bias);
    LstmState next = convlstm_cell(gates, s.c);
    gates = Tensor();
    s = State{next.h, next.c};
    if (t == t1) break;
  }
  return s;
}

Tensor ConvLSTM::run_checkpointed(const Tensor& x, int t0, int t1, int steps_per_region) const {
  if (!grad_enabled() || steps_per_region <= 0) return run(x, t0, t1);
  if (x.dim() != 5 || t0 < 0 || t1 < 0 || t0 >= x.size(2) || t1 >= x.size(2))
    throw std::runtime_error("ConvLSTM: steps out of range for " + x.shape().str());
  const int dir = t1 >= t0 ? 1 : -1, n = std::abs(t1 - t0) + 1;
  State s;
  for (int i = 0; i < n; i += steps_per_region) {
    const int a = t0 + dir * i, b = t0 + dir * std::min(n - 1, i + steps_per_region - 1);
    // Region inputs: x, then h and c once they exist; outputs h and c at step b.
    auto region = [this, a, b](const std::vector<Tensor>& in) {
      const State out = steps(in[0], a, b, in.size() > 1 ? State{in[1], in[2]} : State{});
      return std::vector<Tensor>{out.h, out.c};
    };
    const std::vector<Tensor> hc = checkpoint(region, s.h.defined() ? std::vector<Tensor>{x, s.h, s.c} : std::vector<Tensor>{x});
    s = State{hc[0], hc[1]};
  }
  return s.h;
}

void ConvLSTM::parameters(const std::string& prefix, ParamList& out) const {
  out.push_back({prefix + "weight", weight});
  out.push_back({prefix + "bias", bias});
}

}  // namespace rf::nn

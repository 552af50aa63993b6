#include "qh_ref_twin.h"

#include <cmath>
#include <stdexcept>

namespace F = torch::nn::functional;

namespace twin {

WindowAttentionImpl::WindowAttentionImpl(int64_t dim, int64_t heads, int64_t window)
    : dim(dim), heads(heads), window(window) {
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), T = x.size(2), H = x.size(3), W = x.size(4);
  const int64_t nh = H / window, nw = W / window, N = window * window, hd = dim / heads;
  auto tokens = x.permute({0, 2, 3, 4, 1});  // [B, T, H, W, C]
  // [B*T, nh, win, nw, win, C] -> [windows, N, C], tokens row-major in a window
  auto win = norm(tokens)
                 .reshape({B * T, nh, window, nw, window, dim})
                 .permute({0, 1, 3, 2, 4, 5})
                 .reshape({-1, N, dim});
  auto qkv_heads = qkv(win).reshape({-1, N, 3, heads, hd}).permute({2, 0, 3, 1, 4});  // [3, windows, heads, N, hd]
  auto q = qkv_heads[0], k = qkv_heads[1], v = qkv_heads[2];
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(hd));
  auto out = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({-1, N, dim});
  out = proj(out)
            .reshape({B * T, nh, nw, window, window, dim})
            .permute({0, 1, 3, 2, 4, 5})
            .reshape({B, T, H, W, dim});
  return (tokens + out).permute({0, 4, 1, 2, 3}).contiguous();  // [B, C, T, H, W]
}

ConvLSTMCellImpl::ConvLSTMCellImpl(int64_t in_channels, int64_t hidden) : hidden(hidden) {
  weight = register_parameter("weight", torch::empty({4 * hidden, in_channels + hidden, 3, 3}));
  bias = register_parameter("bias", torch::empty({4 * hidden}));
  // torch.nn.Conv2d's default initialisation.
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  const double bound = 1.0 / std::sqrt(double((in_channels + hidden) * 9));
  bias.uniform_(-bound, bound);
}

std::pair<torch::Tensor, torch::Tensor> ConvLSTMCellImpl::forward(const torch::Tensor& x, const torch::Tensor& h,
                                                                  const torch::Tensor& c) {
  auto gates = F::conv2d(torch::cat({x, h}, 1), weight, F::Conv2dFuncOptions().bias(bias).padding(1)).chunk(4, 1);
  auto c_next = torch::sigmoid(gates[1]) * c + torch::sigmoid(gates[0]) * torch::tanh(gates[2]);
  auto h_next = torch::sigmoid(gates[3]) * torch::tanh(c_next);
  return {h_next, c_next};
}

HeadImpl::HeadImpl(int64_t in_channels, int64_t hidden, double dropout) {
  fc1 = register_module("fc1", torch::nn::Linear(in_channels, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, 1));
  drop = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor HeadImpl::forward(const torch::Tensor& x) {
  auto y = x.permute({0, 2, 3, 1});  // channels last for the linears
  y = fc2(drop(torch::relu(fc1(y))));
  return y.permute({0, 3, 1, 2}).contiguous();
}

QhRefImpl::QhRefImpl() {
  conv1 = register_module("conv1", torch::nn::Conv3d(torch::nn::Conv3dOptions(8, 32, 3).padding(1)));
  conv2 = register_module("conv2", torch::nn::Conv3d(torch::nn::Conv3dOptions(32, 32, 3).padding(1)));
  attn = register_module("attn", WindowAttention(32, 4, kWindow));
  lstm_fwd = register_module("lstm_fwd", ConvLSTMCell(32, 32));
  lstm_bwd = register_module("lstm_bwd", ConvLSTMCell(32, 32));
  head = register_module("head", Head(64, 32, 0.2));
}

torch::Tensor QhRefImpl::forward(torch::Tensor x) {
  const int64_t H = x.size(3), W = x.size(4);
  const int64_t ph = (kWindow - H % kWindow) % kWindow, pw = (kWindow - W % kWindow) % kWindow;
  if (ph || pw) x = F::pad(x, F::PadFuncOptions({0, pw, 0, ph}));  // zeros at the bottom/right

  x = torch::relu(conv1(x));
  x = torch::relu(conv2(x));
  x = attn(x);  // [B, 32, T, H', W']

  auto zeros = torch::zeros({x.size(0), lstm_fwd->hidden, x.size(3), x.size(4)}, x.options());
  torch::Tensor h_fwd = zeros, c_fwd = zeros, h_bwd = zeros, c_bwd = zeros;
  for (int64_t t = 0; t <= kCentre; ++t) std::tie(h_fwd, c_fwd) = lstm_fwd(x.select(2, t), h_fwd, c_fwd);
  for (int64_t t = kTimeSteps - 1; t >= kCentre; --t) std::tie(h_bwd, c_bwd) = lstm_bwd(x.select(2, t), h_bwd, c_bwd);

  auto y = head(torch::cat({h_fwd, h_bwd}, 1));
  return y.slice(2, 0, H).slice(3, 0, W);
}

void load_parameters(QhRef& model, const std::map<std::string, torch::Tensor>& state) {
  auto params = model->named_parameters();
  if (state.size() != params.size())
    throw std::runtime_error("state has " + std::to_string(state.size()) + " tensors, the twin " +
                             std::to_string(params.size()));
  torch::NoGradGuard no_grad;
  for (auto& p : params) {
    auto it = state.find(p.key());
    if (it == state.end()) throw std::runtime_error("state lacks parameter '" + p.key() + "'");
    if (!it->second.sizes().equals(p.value().sizes()))
      throw std::runtime_error("parameter '" + p.key() + "' has the wrong shape");
    p.value().copy_(it->second);
  }
}

std::map<std::string, torch::Tensor> parameter_map(const QhRef& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out.emplace(p.key(), p.value());
  return out;
}

}  // namespace twin

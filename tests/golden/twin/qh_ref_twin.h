// The LibTorch twin of qh-ref (docs/engine.md), written the
// way a LibTorch user would: torch::nn modules whose named_parameters() are
// exactly the checkpoint names of the spec (conv1.weight, attn.qkv.bias,
// lstm_fwd.weight, head.fc1.weight, ...). It is the reference the golden tests
// and the model benchmark compare the engine against; it uses no engine code.
//
//   X [B, 8, 7, H, W]  ->  Y [B, 1, H, W]
//
// Padding rule (same as the engine): if H or W is not a multiple of 8, X is
// zero-padded at the bottom/right to the next multiple of 8 and Y is cropped.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

namespace twin {

// Pre-norm multi-head self-attention inside non-overlapping window x window
// tiles of every time step, with a residual: y = x + proj(MHSA(norm(x))).
// Windows start at the top-left corner, tokens are row-major inside a window,
// head h owns channels hd*h .. hd*h+hd-1 of Q, K and V (qkv rows: Q | K | V).
struct WindowAttentionImpl : torch::nn::Module {
  WindowAttentionImpl(int64_t dim, int64_t heads, int64_t window);
  torch::Tensor forward(const torch::Tensor& x);  // [B, C, T, H, W] -> same

  int64_t dim, heads, window;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(WindowAttention);

// ConvLSTM cell: gates = conv2d([x ; h], weight, bias, pad 1) split i, f, g, o;
// c' = sig(f) c + sig(i) tanh(g), h' = sig(o) tanh(c').
struct ConvLSTMCellImpl : torch::nn::Module {
  ConvLSTMCellImpl(int64_t in_channels, int64_t hidden);
  // x [B, in, H, W], h and c [B, hidden, H, W] -> (h', c')
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& h,
                                                  const torch::Tensor& c);

  int64_t hidden;
  torch::Tensor weight, bias;  // [4 hidden, in + hidden, 3, 3], [4 hidden]
};
TORCH_MODULE(ConvLSTMCell);

// Per-pixel MLP on [h_fwd ; h_bwd]: fc1 -> ReLU -> Dropout -> fc2.
struct HeadImpl : torch::nn::Module {
  HeadImpl(int64_t in_channels, int64_t hidden, double dropout);
  torch::Tensor forward(const torch::Tensor& x);  // [B, in, H, W] -> [B, 1, H, W]

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(Head);

struct QhRefImpl : torch::nn::Module {
  QhRefImpl();
  torch::Tensor forward(torch::Tensor x);  // [B, 8, 7, H, W] -> [B, 1, H, W]

  static constexpr int64_t kTimeSteps = 7, kCentre = 3, kWindow = 8;
  torch::nn::Conv3d conv1{nullptr}, conv2{nullptr};
  WindowAttention attn{nullptr};
  ConvLSTMCell lstm_fwd{nullptr}, lstm_bwd{nullptr};
  Head head{nullptr};
};
TORCH_MODULE(QhRef);

// Copies `state` into the model's parameters. The names must be exactly the
// model's and the shapes equal; throws std::runtime_error otherwise.
void load_parameters(QhRef& model, const std::map<std::string, torch::Tensor>& state);
std::map<std::string, torch::Tensor> parameter_map(const QhRef& model);

}  // namespace twin

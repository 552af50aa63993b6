#include "twin_checkpoint.h"

#include <map>
#include <memory>

namespace twin {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Checkpoint : torch::autograd::Function<Checkpoint> {
  // args = the segment's inputs, then its parameters (flattened by LibTorch).
  static variable_list forward(AutogradContext* ctx, std::shared_ptr<TorchSegment> segment, int64_t n_inputs,
                               at::TensorList args) {
    std::vector<torch::Tensor> inputs(args.begin(), args.begin() + n_inputs);
    ctx->save_for_backward(variable_list(args.begin(), args.end()));
    ctx->saved_data["n_inputs"] = n_inputs;
    // saved_data holds IValues only: the segment waits for backward in a map by context.
    segments()[ctx] = segment;
    torch::NoGradGuard no_grad;
    return (*segment)(inputs);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const int64_t n_inputs = ctx->saved_data["n_inputs"].toInt();
    variable_list saved = ctx->get_saved_variables();
    const std::shared_ptr<TorchSegment> segment = segments()[ctx];
    segments().erase(ctx);
    std::vector<torch::Tensor> inputs, wrt;
    std::vector<int64_t> where;  // index in saved of each wrt entry
    for (int64_t i = 0; i < int64_t(saved.size()); ++i) {
      torch::Tensor t = i < n_inputs ? saved[size_t(i)].detach().requires_grad_(saved[size_t(i)].requires_grad())
                                     : saved[size_t(i)];
      if (i < n_inputs) inputs.push_back(t);
      if (t.requires_grad()) wrt.push_back(t), where.push_back(i);
    }
    std::vector<torch::Tensor> outputs;
    {
      torch::AutoGradMode grad_on(true);
      outputs = (*segment)(inputs);
    }
    std::vector<torch::Tensor> outs, grads;
    for (size_t i = 0; i < outputs.size(); ++i)
      if (grad_out[i].defined() && outputs[i].requires_grad()) outs.push_back(outputs[i]), grads.push_back(grad_out[i]);
    variable_list result(saved.size() + 2);  // segment, n_inputs: no gradient
    if (outs.empty() || wrt.empty()) return result;
    variable_list g = torch::autograd::grad(outs, wrt, grads, /*retain_graph=*/false, /*create_graph=*/false,
                                            /*allow_unused=*/true);
    for (size_t k = 0; k < where.size(); ++k) result[size_t(where[k]) + 2] = g[k];
    return result;
  }

  static std::map<AutogradContext*, std::shared_ptr<TorchSegment>>& segments() {
    static std::map<AutogradContext*, std::shared_ptr<TorchSegment>> m;
    return m;
  }
};

}  // namespace

std::vector<torch::Tensor> torch_checkpoint(const TorchSegment& segment, const std::vector<torch::Tensor>& inputs,
                                            const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> args(inputs);
  args.insert(args.end(), params.begin(), params.end());
  return Checkpoint::apply(std::make_shared<TorchSegment>(segment), int64_t(inputs.size()), at::TensorList(args));
}

torch::Tensor forward_checkpointed(QhRef& m, torch::Tensor x) {
  using V = std::vector<torch::Tensor>;
  const int64_t H = x.size(3), W = x.size(4), win = QhRefImpl::kWindow;
  const int64_t ph = (win - H % win) % win, pw = (win - W % win) % win;
  if (ph || pw) x = torch::nn::functional::pad(x, torch::nn::functional::PadFuncOptions({0, pw, 0, ph}));
  auto params = [](const std::vector<torch::nn::Module*>& ms) {
    V p;
    for (auto* mod : ms)
      for (auto& t : mod->parameters()) p.push_back(t);
    return p;
  };
  x = torch_checkpoint([&](const V& in) { return V{torch::relu(m->conv2(torch::relu(m->conv1(in[0]))))}; }, {x},
                       params({m->conv1.get(), m->conv2.get()}))[0];
  x = torch_checkpoint([&](const V& in) { return V{m->attn(in[0])}; }, {x}, params({m->attn.get()}))[0];
  auto direction = [&](ConvLSTMCell& cell, int64_t t0, int64_t dir) {
    return torch_checkpoint(
        [&cell, t0, dir](const V& in) {
          auto z = torch::zeros({in[0].size(0), cell->hidden, in[0].size(3), in[0].size(4)}, in[0].options());
          torch::Tensor h = z, c = z;
          for (int64_t t = t0;; t += dir) {
            std::tie(h, c) = cell(in[0].select(2, t), h, c);
            if (t == QhRefImpl::kCentre) break;
          }
          return V{h};
        },
        {x}, params({cell.get()}))[0];
  };
  const torch::Tensor hf = direction(m->lstm_fwd, 0, 1), hb = direction(m->lstm_bwd, QhRefImpl::kTimeSteps - 1, -1);
  return m->head(torch::cat({hf, hb}, 1)).slice(2, 0, H).slice(3, 0, W);
}

}  // namespace twin

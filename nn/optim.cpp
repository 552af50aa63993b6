#include "nn/optim.h"

#include "autograd/backend.h"

namespace rf::nn {

Adam::Adam(std::vector<Tensor> params, const kernels::AdamParams& hyper) : params_(std::move(params)), hyper_(hyper) {
  for (const Tensor& p : params_) {
    m_.push_back(Tensor::zeros(p.shape(), p.device()));
    v_.push_back(Tensor::zeros(p.shape(), p.device()));
  }
}

void Adam::step() {
  ++step_;
  hyper_.step = step_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = params_[i].grad();
    if (!g.defined()) continue;
    backend(params_[i].device()).adam_step(params_[i].numel(), hyper_, params_[i].data(), g.data(), m_[i].data(),
                                           v_[i].data());
  }
}

void Adam::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

}  // namespace rf::nn

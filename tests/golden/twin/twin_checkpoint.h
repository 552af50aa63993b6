// torch.utils.checkpoint for LibTorch C++ (the Python helper has no C++
// counterpart): the segment runs without keeping its graph; backward reruns it
// with grad on and differentiates the rerun. The parameters the segment uses
// are passed beside its inputs so that they receive their gradients. What a
// LibTorch user who needs the memory writes; the rival of our recompute plans.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "qh_ref_twin.h"

namespace twin {

using TorchSegment = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&)>;

std::vector<torch::Tensor> torch_checkpoint(const TorchSegment& segment, const std::vector<torch::Tensor>& inputs,
                                            const std::vector<torch::Tensor>& params);

// The twin's forward with torch_checkpoint around each block a LibTorch user
// would checkpoint: conv1+conv2, the attention, each ConvLSTM direction (the
// head, with its dropout, stays plain). Same values and gradients.
torch::Tensor forward_checkpointed(QhRef& model, torch::Tensor x);

}  // namespace twin

// One optimisation step of a model on a batch: zero the gradients, forward,
// masked MSE (mask undefined = every pixel), backward, Adam. Returns the loss.
// A loss or gradient that is not finite leaves the weights unchanged and
// throws NonFiniteError (autograd/tape.h) naming the first op that made a NaN
// or inf, found by rerunning the step with every op checked.
#pragma once
#include "autograd/tensor.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"

namespace rf::nn {

// Forward, masked MSE and backward under the model's recompute plan;
// gradients accumulate (+=) into the parameters. With plan band_rows > 0 the
// loss sum m (y-t)^2 / max(1, sum m) is split over bands of rows: each band
// runs QhRef::forward_rows and backward with its share of the normaliser, so
// one band's tape is alive at a time and the gradients are those of the whole
// grid. Returns the loss.
float loss_backward(const QhRef& model, const Tensor& x, const Tensor& target, const Tensor& mask = Tensor(),
                    bool training = true);

float train_step(const QhRef& model, Adam& opt, const Tensor& x, const Tensor& target, const Tensor& mask = Tensor(),
                 bool training = true);
// The same with the loss at one pixel per sample (QhRef::forward_anchored):
// target and mask are [B, 1, 1, 1].
float train_step(const QhRef& model, Adam& opt, const Tensor& x, const QhRef::Anchors& anchors, const Tensor& target,
                 const Tensor& mask, bool training = true);

}  // namespace rf::nn

// Every differentiable op, checked against central finite differences through
// the tape on random inputs of small odd shapes.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tests/autograd/testing.h"

namespace rf {
namespace {

using testutil::gradcheck;
using testutil::random_tensor;

// Fused ReLU ops: the plain op against finite differences, the fused one against
// relu(plain op) (finite differences across ReLU kinks are unreliable).
TEST(OpsGradcheck, Conv3dBiasRelu) {
  std::vector<Tensor> in = {random_tensor({2, 3, 3, 5, 7}, 1), random_tensor({4, 3, 3, 3, 3}, 2, -0.3f, 0.3f),
                            random_tensor({4}, 3)};
  gradcheck([](const std::vector<Tensor>& v) { return conv3d(v[0], v[1], v[2]); }, in, {0, 1, 2});
  testutil::same_grads([](const std::vector<Tensor>& v) { return conv3d(v[0], v[1], v[2], true); },
                      [](const std::vector<Tensor>& v) { return relu(conv3d(v[0], v[1], v[2])); }, in);
}

TEST(OpsGradcheck, Conv2d) {
  std::vector<Tensor> in = {random_tensor({2, 5, 6, 3}, 4), random_tensor({3, 5, 3, 3}, 5, -0.3f, 0.3f),
                            random_tensor({3}, 6)};
  gradcheck([](const std::vector<Tensor>& v) { return conv2d(v[0], v[1], v[2]); }, in, {0, 1, 2});
  testutil::same_grads([](const std::vector<Tensor>& v) { return conv2d(v[0], v[1], v[2], true); },
                      [](const std::vector<Tensor>& v) { return relu(conv2d(v[0], v[1], v[2])); }, in);
}

TEST(OpsGradcheck, Conv3dWithoutBias) {
  auto f = [](const std::vector<Tensor>& in) { return conv3d(in[0], in[1], Tensor()); };
  gradcheck(f, {random_tensor({1, 2, 2, 4, 3}, 7), random_tensor({3, 2, 3, 3, 3}, 8)}, {0, 1});
}

TEST(OpsGradcheck, LinearChannels) {
  std::vector<Tensor> in = {random_tensor({3, 5, 2, 3, 3}, 9), random_tensor({7, 5}, 10), random_tensor({7}, 11)};
  gradcheck([](const std::vector<Tensor>& v) { return linear_channels(v[0], v[1], v[2]); }, in, {0, 1, 2});
  testutil::same_grads([](const std::vector<Tensor>& v) { return linear_channels(v[0], v[1], v[2], true); },
                      [](const std::vector<Tensor>& v) { return relu(linear_channels(v[0], v[1], v[2])); }, in);
}

TEST(OpsGradcheck, LayerNormChannels) {
  auto f = [](const std::vector<Tensor>& in) { return layer_norm_channels(in[0], in[1], in[2], 1e-5f); };
  gradcheck(f, {random_tensor({2, 6, 3, 5}, 12, -2.0f, 2.0f), random_tensor({6}, 13), random_tensor({6}, 14)},
            {0, 1, 2});
}

TEST(OpsGradcheck, WindowAttention) {
  // C = 8, 2 heads of 4, windows 4x4 on an 8 x 4 frame, 2 time steps.
  auto f = [](const std::vector<Tensor>& in) { return window_attention(in[0], 2, 4); };
  gradcheck(f, {random_tensor({2, 24, 2, 8, 4}, 15, -1.5f, 1.5f)}, {0});
}

TEST(OpsGradcheck, ConvLstmCell) {
  auto f = [](const std::vector<Tensor>& in) {
    LstmState s = convlstm_cell(in[0], in[1]);
    return concat_channels({s.h, s.c});  // both outputs carry gradient
  };
  gradcheck(f, {random_tensor({2, 12, 3, 5}, 16, -2.0f, 2.0f), random_tensor({2, 3, 3, 5}, 17)}, {0, 1});
  auto first = [](const std::vector<Tensor>& in) { return convlstm_cell(in[0], Tensor()).h; };
  gradcheck(first, {random_tensor({1, 8, 4, 3}, 18, -2.0f, 2.0f)}, {0});
}

TEST(OpsGradcheck, ReluAddSum) {
  auto f = [](const std::vector<Tensor>& in) { return relu(add(in[0], in[1])); };
  gradcheck(f, {random_tensor({3, 4, 5}, 19), random_tensor({3, 4, 5}, 20)}, {0, 1});
  // add hands its output gradient to the first input; later ops must not disturb it.
  auto res = [](const std::vector<Tensor>& in) {
    return add(in[0], linear_channels(add(in[0], in[1]), in[2], Tensor()));
  };
  gradcheck(res, {random_tensor({2, 3, 5}, 37), random_tensor({2, 3, 5}, 38), random_tensor({3, 3}, 39)}, {0, 1, 2});
  auto g = [](const std::vector<Tensor>& in) { return sum(add(in[0], in[0])); };
  gradcheck(g, {random_tensor({2, 3}, 21)}, {0});
}

TEST(OpsGradcheck, DropoutReplaysItsMask) {
  auto f = [](const std::vector<Tensor>& in) {
    rng_state() = RngState{1234, 56};  // same mask on every call of f
    return dropout(in[0], 0.3f, true);
  };
  gradcheck(f, {random_tensor({2, 3, 7, 5}, 22)}, {0});
  // Some elements are dropped, the rest scaled by 1/(1-p).
  rng_state() = RngState{1234, 56};
  Tensor x = Tensor::full({1000}, 1.0f);
  const auto y = dropout(x, 0.3f, true).to_vector();
  int zeros = 0;
  for (float v : y) {
    if (v == 0.0f) {
      ++zeros;
    } else {
      EXPECT_NEAR(v, 1.0f / 0.7f, 1e-6);
    }
  }
  EXPECT_GT(zeros, 220);
  EXPECT_LT(zeros, 380);
  EXPECT_EQ(dropout(x, 0.3f, false).data(), x.data());  // eval: identity
}

TEST(OpsGradcheck, MaskedMse) {
  Tensor target = random_tensor({2, 1, 4, 5}, 23);
  std::vector<float> m(40);
  for (size_t i = 0; i < m.size(); ++i) m[i] = (i * 7 % 3) ? 1.0f : 0.0f;
  Tensor mask = Tensor::from_vector({2, 1, 4, 5}, m);
  auto f = [&](const std::vector<Tensor>& in) { return mse_loss(in[0], target, mask); };
  gradcheck(f, {random_tensor({2, 1, 4, 5}, 24)}, {0}, 1e-2f, 1e-2, 40);
  // The value: sum m (y - t)^2 / sum m.
  Tensor y = random_tensor({2, 1, 4, 5}, 25);
  const auto yv = y.to_vector(), tv = target.to_vector();
  double s = 0, c = 0;
  for (size_t i = 0; i < 40; ++i) s += m[i] * (yv[i] - tv[i]) * (yv[i] - tv[i]), c += m[i];
  EXPECT_NEAR(mse_loss(y, target, mask).to_vector()[0], s / c, 1e-5);
}

TEST(OpsGradcheck, ShapeOps) {
  auto cat = [](const std::vector<Tensor>& in) { return concat_channels({in[0], in[1], in[0]}); };
  gradcheck(cat, {random_tensor({2, 3, 2, 5}, 26), random_tensor({2, 1, 2, 5}, 27)}, {0, 1});
  for (int dim : {0, 2}) {
    auto cat_d = [dim](const std::vector<Tensor>& in) { return concat({in[0], in[1]}, dim); };
    gradcheck(cat_d, {random_tensor({2, 3, 2, 5}, 60 + dim), random_tensor({2, 3, 2, 5}, 61 + dim)}, {0, 1});
  }
  for (int dim = 0; dim < 4; ++dim) {
    auto nar = [dim](const std::vector<Tensor>& in) { return narrow(in[0], dim, 1, 2); };
    gradcheck(nar, {random_tensor({3, 4, 5, 3}, 28 + dim)}, {0});
  }
  auto sel = [](const std::vector<Tensor>& in) { return select_time(in[0], 2); };
  gradcheck(sel, {random_tensor({2, 3, 4, 3, 2}, 33)}, {0});
  auto pad = [](const std::vector<Tensor>& in) { return pad_hw(in[0], 8, 6); };
  gradcheck(pad, {random_tensor({2, 3, 5, 3}, 34)}, {0});
  auto crop = [](const std::vector<Tensor>& in) { return crop_hw(in[0], 3, 2); };
  gradcheck(crop, {random_tensor({2, 3, 5, 4}, 35)}, {0});
  // Per-sample boxes, one against the edge; overlapping boxes of one sample
  // would not occur (one box per sample).
  auto crop_at = [](const std::vector<Tensor>& in) { return crop_hw_at(in[0], {{0, 1}, {2, 0}}, 3, 3); };
  gradcheck(crop_at, {random_tensor({2, 2, 5, 4}, 37)}, {0});
  EXPECT_THROW(crop_hw_at(random_tensor({2, 2, 5, 4}, 38), {{3, 0}, {0, 0}}, 3, 3), std::runtime_error);
  EXPECT_THROW(crop_hw_at(random_tensor({2, 2, 5, 4}, 38), {{0, 0}}, 3, 3), std::runtime_error);
  auto view = [](const std::vector<Tensor>& in) { return reshape(in[0], {6, 10}); };
  gradcheck(view, {random_tensor({2, 3, 5, 2}, 36)}, {0});
}

// A chain like qh-ref's: conv3d+relu -> layer norm -> qkv -> attention ->
// residual -> ConvLSTM steps -> head -> masked MSE, all parameters checked.
TEST(OpsGradcheck, ComposedChain) {
  Tensor target = random_tensor({1, 1, 4, 4}, 40);
  auto f = [&](const std::vector<Tensor>& in) {
    Tensor a = conv3d(in[0], in[1], in[2], true);                                  // [1,8,3,4,4]
    Tensor q = linear_channels(layer_norm_channels(a, in[3], in[4]), in[5], in[6]);  // [1,24,3,4,4]
    a = add(a, window_attention(q, 2, 4));
    Tensor h, c;
    for (int t = 0; t < 3; ++t) {
      Tensor xt = select_time(a, t);
      Tensor g = conv2d(h.defined() ? concat_channels({xt, h}) : concat_channels({xt, Tensor::zeros(xt.shape())}),
                        in[7], in[8]);
      LstmState s = convlstm_cell(g, c);
      h = s.h, c = s.c;
    }
    return mse_loss(linear_channels(h, in[9], in[10]), target);
  };
  gradcheck(f,
            {random_tensor({1, 2, 3, 4, 4}, 41), random_tensor({8, 2, 3, 3, 3}, 42, -0.4f, 0.4f),
             random_tensor({8}, 43, -0.2f, 0.2f), random_tensor({8}, 44), random_tensor({8}, 45),
             random_tensor({24, 8}, 46), random_tensor({24}, 47), random_tensor({32, 16, 3, 3}, 48, -0.2f, 0.2f),
             random_tensor({32}, 49), random_tensor({1, 8}, 50), random_tensor({1}, 51)},
            {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1e-3f, 2e-2);
}

}  // namespace
}  // namespace rf

// The qh-ref model: exact parameter names/shapes/count, init, the padding
// rule, exact tiled inference, gradients reaching every parameter, training.
#include "nn/qh_ref.h"

#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/optim.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

using rf::testutil::random_tensor;

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, double(std::abs(va[i] - vb[i])));
  return m;
}

TEST(QhRef, ParameterNamesShapesAndCount) {
  QhRef model;
  const std::vector<std::pair<std::string, Shape>> spec = {
      {"conv1.weight", {32, 8, 3, 3, 3}}, {"conv1.bias", {32}},
      {"conv2.weight", {32, 32, 3, 3, 3}}, {"conv2.bias", {32}},
      {"attn.norm.weight", {32}},         {"attn.norm.bias", {32}},
      {"attn.qkv.weight", {96, 32}},      {"attn.qkv.bias", {96}},
      {"attn.proj.weight", {32, 32}},     {"attn.proj.bias", {32}},
      {"lstm_fwd.weight", {128, 64, 3, 3}}, {"lstm_fwd.bias", {128}},
      {"lstm_bwd.weight", {128, 64, 3, 3}}, {"lstm_bwd.bias", {128}},
      {"head.fc1.weight", {32, 64}},      {"head.fc1.bias", {32}},
      {"head.fc2.weight", {1, 32}},       {"head.fc2.bias", {1}},
  };
  const auto params = model.named_parameters();
  ASSERT_EQ(params.size(), spec.size());
  for (size_t i = 0; i < spec.size(); ++i) {
    EXPECT_EQ(params[i].name, spec[i].first);
    EXPECT_EQ(params[i].tensor.shape(), spec[i].second) << spec[i].first;
    EXPECT_TRUE(params[i].tensor.requires_grad() && params[i].tensor.is_leaf());
  }
  EXPECT_EQ(model.num_parameters(), 188737);
  auto count = [&](const std::string& prefix) {
    int64_t n = 0;
    for (auto& p : params)
      if (p.name.rfind(prefix, 0) == 0) n += p.tensor.numel();
    return n;
  };
  EXPECT_EQ(count("conv1."), 6944);
  EXPECT_EQ(count("conv2."), 27680);
  EXPECT_EQ(count("attn."), 4288);
  EXPECT_EQ(count("lstm_fwd."), 73856);
  EXPECT_EQ(count("lstm_bwd."), 73856);
  EXPECT_EQ(count("head."), 2113);
  EXPECT_THROW(model.parameter("conv3.weight"), std::runtime_error);
  EXPECT_THROW(QhRefConfig::by_name("qh-big"), std::runtime_error);
}

TEST(QhRef, InitIsSeededAndFollowsPytorchBounds) {
  QhRef a, b, c;
  a.init(5);
  b.init(5);
  c.init(6);
  for (const auto& [name, t] : a.named_parameters()) {
    EXPECT_EQ(t.to_vector(), b.parameter(name).to_vector()) << name;
    const auto v = t.to_vector();
    if (name == "attn.norm.weight" || name == "attn.norm.bias") {
      for (float x : v) {
        EXPECT_EQ(x, name == "attn.norm.weight" ? 1.0f : 0.0f);
      }
      continue;
    }
    EXPECT_NE(v, c.parameter(name).to_vector()) << name;
    const Tensor w = a.parameter(name.substr(0, name.rfind('.')) + ".weight");
    const double bound = 1.0 / std::sqrt(double(w.numel() / w.size(0)));
    double sq = 0;
    for (float x : v) {
      EXPECT_LE(std::abs(x), bound);
      sq += double(x) * x;
    }
    if (v.size() >= 256) {
      EXPECT_NEAR(std::sqrt(sq / v.size()), bound / std::sqrt(3.0), 0.1 * bound) << name;
    }
  }
}

TEST(QhRef, PadsTheInputWithZerosAndCropsTheOutput) {
  QhRef model;
  model.init(1);
  NoGradGuard no_grad;
  Tensor x = random_tensor({2, 8, 7, 11, 13}, 3);
  Tensor y = model.forward(x, false);
  EXPECT_EQ(y.shape(), Shape({2, 1, 11, 13}));
  // The same as running on the explicitly zero-padded 16 x 16 input, then cropping.
  Tensor y_pad = model.forward(pad_hw(x, 16, 16), false);
  EXPECT_EQ(y_pad.shape(), Shape({2, 1, 16, 16}));
  EXPECT_LT(max_abs_diff(crop_hw(y_pad, 11, 13), y), 1e-6);
  EXPECT_THROW(model.forward(random_tensor({1, 7, 7, 8, 8}, 4), false), std::runtime_error);
  EXPECT_THROW(model.forward(random_tensor({1, 8, 6, 8, 8}, 4), false), std::runtime_error);
}

TEST(QhRef, TiledForwardEqualsWholeForward) {
  QhRef model;
  model.init(2);
  NoGradGuard no_grad;
  // 2 x 3 tiles of 16 px; then an odd grid (padded to 24 x 32 inside), 2 x 2 tiles.
  for (auto [H, W] : {std::pair<int64_t, int64_t>{32, 48}, {19, 27}}) {
    Tensor x = random_tensor({1, 8, 7, H, W}, 5);
    Tensor whole = model.forward(x, false);
    Tensor tiled = model.forward_tiled(x, /*tile=*/16, /*halo=*/16);
    ASSERT_EQ(tiled.shape(), whole.shape());
    EXPECT_LT(max_abs_diff(tiled, whole), 2e-5) << H << "x" << W;
  }
  Tensor x = random_tensor({1, 8, 7, 16, 16}, 6);
  EXPECT_THROW(model.forward_tiled(x, 8, 8), std::runtime_error);   // halo too small
  EXPECT_THROW(model.forward_tiled(x, 8, 20), std::runtime_error);  // not window-aligned
}

// qh-fuse: qh-ref's layers on 11 channels, the output a correction to channel
// 10 at the centre day. With head.fc2 at zero the model IS the prior; tiled
// inference stays exact; the residual passes the loss gradient to every layer.
TEST(QhFuse, ResidualOverThePriorChannel) {
  QhRef model(QhRefConfig::by_name("qh-fuse"));
  EXPECT_EQ(model.num_parameters(), 188737 + 32 * 3 * 27);  // conv1 takes 3 more channels
  model.init(3);
  Tensor x = random_tensor({2, 11, 7, 19, 27}, 10);
  const std::vector<float> xv = x.to_vector();
  {
    NoGradGuard no_grad;
    Tensor whole = model.forward(x, false);
    Tensor tiled = model.forward_tiled(x, /*tile=*/16, /*halo=*/16);
    EXPECT_LT(max_abs_diff(tiled, whole), 2e-5);
    QhRef zero(QhRefConfig::by_name("qh-fuse"));
    zero.init(3);
    for (const char* n : {"head.fc2.weight", "head.fc2.bias"}) {
      Tensor t = zero.parameter(n);
      t.copy_from(Tensor::zeros(t.shape()));
    }
    const std::vector<float> y = zero.forward(x, false).to_vector(), yt = zero.forward_tiled(x, 16, 16).to_vector();
    const int64_t plane = 19 * 27;
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t q = 0; q < plane; ++q) {
        const float prior = xv[size_t(((b * 11 + 10) * 7 + 3) * plane + q)];
        ASSERT_EQ(y[size_t(b * plane + q)], prior);
        ASSERT_EQ(yt[size_t(b * plane + q)], prior);
      }
  }
  Tensor t = random_tensor({2, 1, 19, 27}, 11);
  backward(mse_loss(model.forward(x, true), t));
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    double g = 0;
    for (float v : p.grad().to_vector()) g += std::abs(v);
    EXPECT_GT(g, 0.0) << name;
  }
  EXPECT_THROW(model.forward(random_tensor({1, 8, 7, 8, 8}, 4), false), std::runtime_error);
  EXPECT_THROW(QhRefConfig::by_name("qh-nothing"), std::runtime_error);
}

// forward_anchored: Y at one pixel per sample, with the ConvLSTMs and the
// head on the anchor's 9 x 9 box only. Same values and the same parameter
// gradients as the whole patch's forward with the loss at those pixels:
// anchors in the middle, against every edge, and in a patch padded inside
// (19 x 21 -> 24 x 24); with and without recompute regions.
TEST(QhFuse, AnchoredForwardEqualsWholePatchAtTheAnchors) {
  omp_set_num_threads(2);
  QhRef model(QhRefConfig::by_name("qh-fuse"));
  model.init(12);
  for (auto [H, W] : {std::pair<int64_t, int64_t>{16, 16}, {19, 21}}) {
    const QhRef::Anchors anchors = {{8, 8}, {0, 0}, {H - 1, W - 1}, {3, W - 2}, {H - 1, 5}};
    const int64_t B = int64_t(anchors.size());
    Tensor x = random_tensor({B, 11, 7, H, W}, 13);
    std::vector<float> tv(size_t(B * H * W)), mv(tv.size(), 0.0f), ta(static_cast<size_t>(B));
    for (size_t i = 0; i < tv.size(); ++i) tv[i] = float(i % 7) * 0.1f;
    for (int64_t b = 0; b < B; ++b) {
      const size_t q = size_t((b * H + anchors[size_t(b)][0]) * W + anchors[size_t(b)][1]);
      mv[q] = 1.0f;
      ta[size_t(b)] = tv[q];
    }
    const Tensor t = Tensor::from_vector(Shape{B, 1, H, W}, tv), m = Tensor::from_vector(Shape{B, 1, H, W}, mv);
    const Tensor t1 = Tensor::from_vector(Shape{B, 1, 1, 1}, ta);
    {
      NoGradGuard no_grad;
      const std::vector<float> whole = model.forward(x, false).to_vector(), at = model.forward_anchored(x, anchors, false).to_vector();
      ASSERT_EQ(at.size(), size_t(B));
      for (int64_t b = 0; b < B; ++b)
        EXPECT_NEAR(at[size_t(b)], whole[size_t((b * H + anchors[size_t(b)][0]) * W + anchors[size_t(b)][1])], 2e-5)
            << H << "x" << W << " anchor " << b;
    }
    // Gradients (eval mode: dropout off, so both see the same head).
    for (int recompute : {0, 2}) {
      model.set_recompute(recompute);
      std::vector<std::vector<float>> g[2];
      for (int k = 0; k < 2; ++k) {
        model.zero_grad();
        backward(k == 0 ? mse_loss(model.forward(x, false), t, m) : mse_loss(model.forward_anchored(x, anchors, false), t1));
        for (const Tensor& p : model.parameters()) g[k].push_back(p.grad().to_vector());
      }
      for (size_t i = 0; i < g[0].size(); ++i)
        EXPECT_LT(rf::testutil::rel_l2(g[1][i], g[0][i]), 1e-4) << H << "x" << W << " parameter " << i << " recompute " << recompute;
    }
    model.set_recompute(0);
  }
  Tensor x = random_tensor({1, 11, 7, 16, 16}, 14);
  EXPECT_THROW(model.forward_anchored(x, {{16, 0}}, false), std::runtime_error);
  EXPECT_THROW(model.forward_anchored(x, {{0, 0}, {1, 1}}, false), std::runtime_error);
}

TEST(QhRef, DropoutOnlyInTraining) {
  QhRef model;
  model.init(3);
  NoGradGuard no_grad;
  Tensor x = random_tensor({1, 8, 7, 8, 8}, 7);
  Tensor e1 = model.forward(x, false), e2 = model.forward(x, false);
  EXPECT_EQ(e1.to_vector(), e2.to_vector());
  Tensor t1 = model.forward(x, true), t2 = model.forward(x, true);
  EXPECT_GT(max_abs_diff(t1, e1), 1e-4);
  EXPECT_GT(max_abs_diff(t1, t2), 1e-4);  // the stream advances: a new mask per call
}

TEST(QhRef, EveryParameterGetsAGradient) {
  QhRef model;
  model.init(4);
  Tensor x = random_tensor({2, 8, 7, 8, 16}, 8);
  Tensor t = random_tensor({2, 1, 8, 16}, 9);
  backward(mse_loss(model.forward(x, true), t));
  EXPECT_EQ(tape_size(), 0u);
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    double s = 0;
    for (float g : p.grad().to_vector()) {
      ASSERT_TRUE(std::isfinite(g)) << name;
      s += std::abs(g);
    }
    EXPECT_GT(s, 0.0) << name;
  }
  model.zero_grad();
  EXPECT_FALSE(model.parameter("conv1.weight").grad().defined());
}

// Recompute regions per batch chunk: same gradients, far lower peak. The
// shape makes activations (A = 4.1 MB per 32-channel sequence) dominate the
// kernels' scratch (<= 4 MiB a thread, 2 threads here).
TEST(QhRef, RecomputeGivesSameGradientsWithLowerPeak) {
  omp_set_num_threads(2);
  QhRef model;
  model.init(5);
  Tensor x = random_tensor({4, 8, 7, 32, 32}, 10);
  Tensor t = random_tensor({4, 1, 32, 32}, 11);
  std::vector<std::vector<float>> grads[2];
  int64_t peak[2];
  for (int r = 0; r < 2; ++r) {
    model.set_recompute(r == 1 ? 1 : 0);
    model.zero_grad();
    const int64_t base = mem_stats(Device::CPU).live_bytes;
    mem_reset_peak(Device::CPU);
    rng_state() = RngState{3, 0};  // same dropout masks in both runs
    backward(mse_loss(model.forward(x, true), t));
    peak[r] = mem_stats(Device::CPU).peak_bytes - base;
    for (const Tensor& p : model.parameters()) grads[r].push_back(p.grad().to_vector());
  }
  for (size_t i = 0; i < grads[0].size(); ++i) EXPECT_LT(rf::testutil::rel_l2(grads[1][i], grads[0][i]), 1e-5) << i;
  EXPECT_LT(peak[1], peak[0] / 2) << peak[1] << " vs " << peak[0];
  RecordProperty("peak_plain_MiB", int(peak[0] >> 20));
  RecordProperty("peak_recompute_MiB", int(peak[1] >> 20));
}

// Smoke test: the target is a smooth function of the centre day's channels
// and its neighbours; a few dozen Adam steps must cut the loss clearly.
TEST(QhRef, TrainingReducesTheLoss) {
  QhRef model;
  model.init(11);
  const int64_t B = 2, H = 8, W = 8;
  Tensor x = random_tensor({B, 8, 7, H, W}, 12);
  std::vector<float> xv = x.to_vector(), tv(size_t(B * H * W));
  auto at = [&](int64_t b, int64_t c, int64_t t, int64_t h, int64_t w) {
    return xv[size_t((((b * 8 + c) * 7 + t) * H + h) * W + w)];
  };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        tv[size_t((b * H + h) * W + w)] =
            0.8f * at(b, 1, 3, h, w) - 0.5f * at(b, 0, 3, h, w) + 0.3f * at(b, 3, 2, h, w) + 0.2f;
  Tensor target = Tensor::from_vector({B, 1, H, W}, tv);
  kernels::AdamParams hp;
  hp.lr = 3e-3f;
  Adam opt(model.parameters(), hp);
  float first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    opt.zero_grad();
    Tensor loss = mse_loss(model.forward(x, /*training=*/false), target);
    backward(loss);
    opt.step();
    last = loss.to_vector()[0];
    if (step == 0) first = last;
  }
  EXPECT_EQ(opt.steps(), 50);
  EXPECT_LT(last, 0.25f * first) << "loss " << first << " -> " << last;
}

}  // namespace
}  // namespace rf::nn

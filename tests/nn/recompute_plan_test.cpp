// Recompute plans (nn/recompute_plan.h): every plan gives the plain step's
// loss and gradients (fp32 summation order aside), bands and regions lower the
// peak, and the planner (nn/memory_plan.h) predicts peaks it then meets.
#include "nn/recompute_plan.h"

#include <gtest/gtest.h>

#include <omp.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/memory_plan.h"
#include "nn/qh_ref.h"
#include "nn/train_step.h"
#include "tests/autograd/testing.h"
#include "tests/nn/plan_testing.h"

namespace rf::nn {
namespace {

using rf::testutil::random_tensor;
using Regions = RecomputePlan::Regions;

TEST(RecomputePlan, TextRoundTripsAndBadTextIsNamed) {
  for (const char* s : {"none", "layers", "layers+steps1", "layers+steps2", "sequence/4", "bands64", "bands16+layers",
                        "bands32+layers+steps1", "bands8+sequence/1"})
    EXPECT_EQ(RecomputePlan::parse(s).str(), s);
  EXPECT_EQ(RecomputePlan::parse("bands64").band_rows, 64);
  EXPECT_EQ(RecomputePlan::parse("layers+steps2").lstm_steps, 2);
  for (const char* s : {"", "band64", "bands", "bands-8", "layers+steps0", "sequence/x", "bands64+fast"}) {
    try {
      RecomputePlan::parse(s);
      ADD_FAILURE() << "'" << s << "' parsed";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + s + "'"), std::string::npos) << e.what();
    }
  }
  QhRef model;
  EXPECT_THROW(model.set_recompute_plan(RecomputePlan::parse("bands12")), std::runtime_error);  // not a multiple of 8
}

// forward_rows: the band's rows of the whole forward, for bands at the top,
// inside and at the bottom of a grid whose height is not a multiple of 8, for
// qh-ref and for the residual qh-fuse.
TEST(RecomputePlan, ForwardRowsEqualsTheWholeForwardsRows) {
  omp_set_num_threads(2);
  for (const char* name : {"qh-ref", "qh-fuse"}) {
    QhRef model(QhRefConfig::by_name(name));
    model.init(3);
    const int64_t B = 2, H = 53, W = 21;
    const Tensor x = random_tensor({B, model.config().in_channels, 7, H, W}, 4);
    NoGradGuard no_grad;
    const std::vector<float> whole = model.forward(x, false).to_vector();
    for (auto [r0, r1] : {std::pair<int64_t, int64_t>{0, 8}, {8, 24}, {16, 40}, {40, 53}, {48, 50}, {0, 53}}) {
      const Tensor y = model.forward_rows(x, r0, r1, false);
      ASSERT_EQ(y.shape(), Shape({B, 1, r1 - r0, W}));
      const std::vector<float> v = y.to_vector();
      double worst = 0;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = 0; c < W; ++c)
            worst = std::max(worst, double(std::abs(v[size_t((b * (r1 - r0) + r - r0) * W + c)] -
                                                    whole[size_t((b * H + r) * W + c)])));
      EXPECT_LT(worst, 2e-5) << name << " rows [" << r0 << ", " << r1 << ")";
    }
    EXPECT_THROW(model.forward_rows(x, 4, 12, false), std::runtime_error);  // r0 not on the window grid
    EXPECT_THROW(model.forward_rows(x, 48, 54, false), std::runtime_error);
  }
}

using plantest::loss_and_grads;
using plantest::Step;

// Every plan: the plain step's loss and gradients. Dropout off (eval mode), as
// bands draw their masks per band; the mask is sparse like gauges, with rows
// that have none (a band with no loss pixel adds no gradient).
TEST(RecomputePlan, EveryPlanGivesThePlainGradients) {
  omp_set_num_threads(2);
  QhRef model(QhRefConfig::by_name("qh-fuse"));
  model.init(5);
  const int64_t B = 2, H = 45, W = 19;
  const Tensor x = random_tensor({B, 11, 7, H, W}, 6);
  const Tensor t = random_tensor({B, 1, H, W}, 7);
  std::vector<float> mv(size_t(B * H * W), 0.0f);
  for (size_t i = 0; i < mv.size(); ++i)
    if (i % 7 == 0 && (i / size_t(W)) % size_t(H) >= 12) mv[i] = 1.0f;  // rows 0-11 have no gauge
  const Tensor m = Tensor::from_vector(Shape{B, 1, H, W}, mv);
  for (const Tensor& mask : {m, Tensor()}) {
    const Step plain = loss_and_grads(model, RecomputePlan(), x, t, mask);
    for (const char* text : {"layers", "layers+steps1", "layers+steps3", "sequence/1", "bands8", "bands16",
                             "bands8+layers+steps1", "bands16+sequence/1"}) {
      const Step s = loss_and_grads(model, RecomputePlan::parse(text), x, t, mask);
      EXPECT_NEAR(s.loss, plain.loss, 1e-5 * std::abs(plain.loss)) << text;
      for (size_t i = 0; i < plain.grads.size(); ++i)
        EXPECT_LT(rf::testutil::rel_l2(s.grads[i], plain.grads[i]), 1e-4)
            << text << " parameter " << model.named_parameters()[i].name << (mask.defined() ? " masked" : "");
    }
  }
  // The anchored loss (the trainer's) under region plans, exact; with bf16
  // storage within its bound (tests/nn/bf16_storage_test.cpp).
  const QhRef::Anchors anchors = {{20, 3}, {44, 18}};
  const Tensor ta = random_tensor({B, 1, 1, 1}, 8);
  auto anchored_grads = [&](const char* plan) {
    model.set_recompute_plan(RecomputePlan::parse(plan));
    model.zero_grad();
    backward(mse_loss(model.forward_anchored(x, anchors, false), ta));
    std::vector<std::vector<float>> g;
    for (const Tensor& p : model.parameters()) g.push_back(p.grad().to_vector());
    return g;
  };
  const auto plain_anchored = anchored_grads("none");
  for (const auto& [plan, tol] : {std::pair<const char*, double>{"layers+steps2", 1e-4}, {"layers+bf16", 5e-3}}) {
    const auto g = anchored_grads(plan);
    for (size_t i = 0; i < g.size(); ++i)
      EXPECT_LT(rf::testutil::rel_l2(g[i], plain_anchored[i]), tol) << "anchored, " << plan << ", " << i;
  }
}

// Bands train, and so do regions with bf16 storage: with dropout on, a few
// Adam steps lower the loss.
TEST(RecomputePlan, BandedAndBf16TrainingStepsLowerTheLoss) {
  omp_set_num_threads(2);
  for (const char* plan : {"bands16+layers", "layers+bf16"}) {
    QhRef model;
    model.init(9);
    model.set_recompute_plan(RecomputePlan::parse(plan));
    kernels::AdamParams hyper;
    hyper.lr = 3e-3f;
    Adam opt(model.parameters(), hyper);
    const Tensor x = random_tensor({1, 8, 7, 48, 16}, 10), t = Tensor::full(Shape{1, 1, 48, 16}, 0.5f);
    const float first = train_step(model, opt, x, t);
    float last = first;
    for (int i = 0; i < 15; ++i) last = train_step(model, opt, x, t);
    EXPECT_LT(last, 0.5f * first) << plan << ": first " << first << " last " << last;
  }
}

// Peaks: bands hold one band's tape, regions one region's; the planner's
// predicted peak (four small grids, extrapolated) is met at a larger grid.
TEST(RecomputePlan, BandsAndRegionsLowerThePeakAsPredicted) {
  omp_set_num_threads(2);
  const QhRefConfig cfg;
  const StepShape shape{1, 256, 96, false};
  int64_t peak[4];
  const char* plans[4] = {"none", "layers+steps1", "bands16", "bands16+layers+steps1"};
  for (int i = 0; i < 4; ++i) peak[i] = measure_step_peak(cfg, RecomputePlan::parse(plans[i]), shape);
  // Measured here (B/px): none 14,968; layers+steps1 11,276 (the attention
  // region's rerun is the peak); bands16 2,400; bands16+layers+steps1 1,899.
  EXPECT_LT(peak[1], 0.85 * peak[0]) << peak[1] << " vs " << peak[0];
  EXPECT_LT(peak[2], 0.2 * peak[0]) << peak[2] << " vs " << peak[0];
  EXPECT_LT(peak[3], 0.9 * peak[2]) << peak[3] << " vs " << peak[2];
  for (int i : {0, 2}) {
    const int64_t predicted = predict_step_peak(cfg, RecomputePlan::parse(plans[i]), shape);
    EXPECT_NEAR(double(predicted), double(peak[i]), 0.05 * double(peak[i])) << plans[i];
    RecordProperty(std::string("peak_MiB_") + plans[i], int(peak[i] >> 20));
  }
}

TEST(MemoryPlan, PicksTheFastestPlanThatFitsAndSaysWhenNoneDoes) {
  omp_set_num_threads(2);
  const QhRefConfig cfg;
  const StepShape shape{1, 128, 64, false};
  const PlannedStep roomy = plan_for_budget(cfg, shape, parse_bytes("8GiB"));
  EXPECT_EQ(roomy.plan, RecomputePlan());
  EXPECT_DOUBLE_EQ(roomy.predicted_time, 1.0);
  const int64_t plain = roomy.predicted_peak;
  const PlannedStep tight = plan_for_budget(cfg, shape, plain / 3);
  EXPECT_LE(tight.predicted_peak, plain / 3);
  EXPECT_GT(tight.predicted_time, 1.0);
  EXPECT_LE(measure_step_peak(cfg, tight.plan, shape), int64_t(1.05 * double(plain / 3))) << tight.plan.str();
  try {
    plan_for_budget(cfg, shape, parse_bytes("1MiB"));
    ADD_FAILURE() << "1 MiB fitted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no recompute plan fits"), std::string::npos) << e.what();
  }
  // The candidates come fastest first; the plain plan is the fastest.
  const auto c = candidate_plans(cfg, shape);
  for (size_t i = 1; i < c.size(); ++i) EXPECT_GE(c[i].predicted_time, c[i - 1].predicted_time);
}

TEST(MemoryPlan, ParsesSizes) {
  EXPECT_EQ(parse_bytes("4GiB"), int64_t(4) << 30);
  EXPECT_EQ(parse_bytes("512 MiB"), int64_t(512) << 20);
  EXPECT_EQ(parse_bytes("1.5G"), int64_t(3) << 29);
  EXPECT_EQ(parse_bytes("2GB"), int64_t(2000000000));
  EXPECT_EQ(parse_bytes("1000"), 1000);
  for (const char* bad : {"", "four GiB", "4XB", "-1GiB", "0"}) EXPECT_THROW(parse_bytes(bad), std::runtime_error) << bad;
  EXPECT_EQ(format_bytes(int64_t(3) << 30), "3.00 GiB");
}

}  // namespace
}  // namespace rf::nn

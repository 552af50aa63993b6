// bf16 activation storage as a recompute plan (RecomputePlan::bf16,
// autograd/saved.h): the plan text, gradients within the bf16 step of the
// fp32 plan's (and not equal to them: the packs are used), a lower peak, and
// a planner that picks such plans when told (training under layers+bf16:
// recompute_plan_test.cpp).
#include <gtest/gtest.h>

#include <omp.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "nn/memory_plan.h"
#include "nn/qh_ref.h"
#include "nn/recompute_plan.h"
#include "tests/autograd/testing.h"
#include "tests/nn/plan_testing.h"

namespace rf::nn {
namespace {

using rf::testutil::random_tensor;

TEST(Bf16Storage, PlanText) {
  for (const char* s : {"bf16", "layers+bf16", "layers+steps1+bf16", "bands64+bf16", "bands16+layers+bf16",
                        "sequence/2+bf16"}) {
    const RecomputePlan p = RecomputePlan::parse(s);
    EXPECT_TRUE(p.bf16) << s;
    EXPECT_EQ(p.str(), s);
  }
  EXPECT_EQ(RecomputePlan::parse("bands64+layers+bf16").band_rows, 64);
  EXPECT_FALSE(RecomputePlan::parse("bands64+layers").bf16);
  for (const char* s : {"+bf16", "bf16+layers", "layers+bf", "bf16+bf16"})
    EXPECT_THROW(RecomputePlan::parse(s), std::runtime_error) << s;
}

using plantest::loss_and_grads;

// The measured difference (docs/memory.md): every parameter's gradient within
// a relative L2 of 5e-3 of the fp32 plain step's (measured: 1.1e-3 to 1.3e-3),
// for whole-grid, banded and region plans (the anchored loss:
// recompute_plan_test.cpp).
TEST(Bf16Storage, GradientsWithinTheBf16StepOfFp32) {
  omp_set_num_threads(2);
  QhRef model(QhRefConfig::by_name("qh-fuse"));
  model.init(21);
  const int64_t B = 2, H = 40, W = 24;
  const Tensor x = random_tensor({B, 11, 7, H, W}, 22), t = random_tensor({B, 1, H, W}, 23);
  std::vector<float> mv(size_t(B * H * W), 0.0f);
  for (size_t i = 0; i < mv.size(); i += 5) mv[i] = 1.0f;
  const Tensor m = Tensor::from_vector(Shape{B, 1, H, W}, mv);
  const auto plain = loss_and_grads(model, RecomputePlan(), x, t, m).grads;
  for (const char* plan : {"bf16", "layers+bf16", "bands16+layers+steps1+bf16"}) {
    const auto g = loss_and_grads(model, RecomputePlan::parse(plan), x, t, m).grads;
    double worst = 0;
    for (size_t i = 0; i < plain.size(); ++i) {
      const double e = rf::testutil::rel_l2(g[i], plain[i]);
      EXPECT_LT(e, 5e-3) << plan << " " << model.named_parameters()[i].name;
      worst = std::max(worst, e);
    }
    EXPECT_GT(worst, 1e-5) << plan << ": no difference from fp32, so nothing was stored in bf16";
    RecordProperty(std::string("worst_rel_l2_") + plan, std::to_string(worst));
  }
  // The anchored loss under layers+bf16: recompute_plan_test.cpp.
}

// Peaks: bf16 halves what the tape holds, but the step's peak also holds the
// backward's fp32 working set (gradients, the unpacked inputs of the op being
// differentiated: the attention's qkv, the ConvLSTM gates), so each plan's
// peak falls by less (measured here: none 0.79, layers 0.89, bands16 0.77;
// docs/memory.md). The planner's prediction holds for a bf16 plan too.
TEST(Bf16Storage, LowersThePeakOfEveryPlan) {
  omp_set_num_threads(2);
  const QhRefConfig cfg;
  const StepShape shape{1, 128, 64, false};
  const std::pair<const char*, double> limits[] = {{"none", 0.85}, {"layers", 0.95}, {"bands16", 0.85}};
  for (const auto& [plan, limit] : limits) {
    const RecomputePlan p32 = RecomputePlan::parse(plan);
    RecomputePlan p16 = p32;
    p16.bf16 = true;
    const int64_t a = measure_step_peak(cfg, p32, shape), b = measure_step_peak(cfg, p16, shape);
    EXPECT_LT(double(b), limit * double(a)) << plan << ": " << b << " vs " << a;
    RecordProperty(std::string("peak_ratio_") + plan, std::to_string(double(b) / double(a)));
  }
  RecomputePlan p = RecomputePlan::parse("bands16+bf16");
  const StepShape big{1, 256, 96, false};
  const int64_t measured = measure_step_peak(cfg, p, big), predicted = predict_step_peak(cfg, p, big);
  EXPECT_NEAR(double(predicted), double(measured), 0.05 * double(measured));
}

// Allowed bf16, the planner fits a budget the fp32 plans cannot meet at the
// same speed: the plain plan in bf16 where fp32 needs regions or bands.
TEST(Bf16Storage, PlannerPicksBf16PlansWhenAllowed) {
  omp_set_num_threads(2);
  const QhRefConfig cfg;
  const StepShape shape{1, 128, 64, false};
  const int64_t plain = measure_step_peak(cfg, RecomputePlan(), shape);
  const int64_t budget = int64_t(0.85 * double(plain));
  const PlannedStep fp32 = plan_for_budget(cfg, shape, budget), bf16 = plan_for_budget(cfg, shape, budget, true);
  EXPECT_FALSE(fp32.plan.bf16);
  EXPECT_GT(fp32.predicted_time, 1.0) << fp32.plan.str();
  EXPECT_EQ(bf16.plan.str(), "bf16");
  EXPECT_DOUBLE_EQ(bf16.predicted_time, 1.0);
  EXPECT_NE(describe(bf16).find("bf16"), std::string::npos);
}

}  // namespace
}  // namespace rf::nn

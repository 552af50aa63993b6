// A training step that goes non-finite (nn::train_step, autograd FiniteCheck):
// the weights are left as they were and the error names the first op that made
// or received the NaN or inf, with the tensor's shape.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "autograd/tape.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"
#include "nn/train_step.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

using rf::testutil::random_tensor;

// The message of the NonFiniteError the step throws ("" if it did not), and
// whether the weights are unchanged.
std::string failing_step(QhRef& model, const Tensor& x, const Tensor& t, const RecomputePlan& plan, bool* unchanged) {
  model.set_recompute_plan(plan);
  Adam opt(model.parameters(), kernels::AdamParams{});
  std::vector<std::vector<float>> before;
  for (const Tensor& p : model.parameters()) before.push_back(p.to_vector());
  std::string what;
  try {
    train_step(model, opt, x, t);
  } catch (const NonFiniteError& e) {
    what = e.what();
  }
  *unchanged = true;
  const auto params = model.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    const std::vector<float> now = params[i].to_vector();
    for (size_t k = 0; k < now.size(); ++k)
      *unchanged = *unchanged && (now[k] == before[i][k] || (std::isnan(now[k]) && std::isnan(before[i][k])));
  }
  EXPECT_EQ(tape_size(), 0u);
  return what;
}

TEST(NonFiniteStep, NamesTheFirstOpAndLeavesTheWeights) {
  QhRef model;
  model.init(2);
  const Tensor t = random_tensor({2, 1, 16, 16}, 3);
  bool unchanged = false;
  for (const char* plan : {"none", "layers", "bands8"}) {
    SCOPED_TRACE(plan);
    // conv1's bias and one weight at 3e38 (finite): their sums overflow, so
    // conv1 makes the inf from finite inputs.
    model.init(2);
    model.parameter("conv1.bias").data()[0] = 3e38f;
    model.parameter("conv1.weight").data()[13] = 3e38f;  // the centre tap of input channel 0
    Tensor x = random_tensor({2, 8, 7, 16, 16}, 4, 0.5f, 1.0f);
    std::string e = failing_step(model, x, t, RecomputePlan::parse(plan), &unchanged);
    EXPECT_NE(e.find("the loss is"), std::string::npos) << e;
    EXPECT_NE(e.find("conv3d: output 0 [2, 32, 7, "), std::string::npos) << e;
    EXPECT_NE(e.find("its inputs are finite"), std::string::npos) << e;
    EXPECT_NE(e.find("the weights were not updated"), std::string::npos) << e;
    EXPECT_TRUE(unchanged);

    // A NaN in the data: conv1 receives it.
    model.init(2);
    x.data()[100] = std::numeric_limits<float>::quiet_NaN();
    e = failing_step(model, x, t, RecomputePlan::parse(plan), &unchanged);
    EXPECT_NE(e.find("conv3d: input 0 [2, 8, 7, 16, 16] has 1 non-finite value"), std::string::npos) << e;
    EXPECT_TRUE(unchanged);
  }
  // A poisoned weight: the head's first linear layer receives it.
  model.init(2);
  const Tensor x = random_tensor({2, 8, 7, 16, 16}, 4);
  model.parameter("head.fc1.weight").data()[5] = std::numeric_limits<float>::infinity();
  const std::string e = failing_step(model, x, t, RecomputePlan(), &unchanged);
  EXPECT_NE(e.find("linear: input 1 [32, 64] has 1 non-finite value"), std::string::npos) << e;
  EXPECT_TRUE(unchanged);
  // A finite step still trains.
  model.init(2);
  Adam opt(model.parameters(), kernels::AdamParams{});
  EXPECT_TRUE(std::isfinite(train_step(model, opt, x, t)));
}

}  // namespace
}  // namespace rf::nn

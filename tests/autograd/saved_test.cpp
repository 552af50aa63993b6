// Saved activations (autograd/saved.h): kept as they are in fp32 storage;
// under bf16 storage an op's output is packed once however many records save
// it, to the round-to-nearest-even bf16 of its values, while parameters and
// data are never packed; a checkpoint region reruns under its forward's mode.
#include "autograd/saved.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/bf16.h"
#include "kernels/common/memory.h"
#include "tests/autograd/testing.h"

namespace rf {
namespace {

using testutil::random_tensor;

// An activation: the output of a recorded op (it carries a non-leaf grad slot).
Tensor activation(const Shape& shape, uint32_t seed) {
  Tensor x = random_tensor(shape, seed);
  x.set_requires_grad(true);
  return relu(add(x, x));  // 2x, then half of it zero: signs matter to a mask
}

TEST(Saved, Fp32KeepsTheTensorItself) {
  const Tensor a = activation(Shape{4, 512}, 1);
  const Saved s(a);
  EXPECT_FALSE(s.packed());
  EXPECT_TRUE(s.get().same_storage(a));
  tape_clear();
}

TEST(Saved, Bf16PacksAnActivationOnceAndRoundsToNearestEven) {
  const Tensor a = activation(Shape{4, 512}, 2);
  const std::vector<float> v = a.to_vector();
  ActivationStorageGuard bf16(ActivationStorage::bf16);
  const int64_t before = mem_stats(Device::CPU).live_bytes;
  const Saved s1(a), s2(a), s3(a.reshape(Shape{2048}));  // one storage, three records
  EXPECT_TRUE(s1.packed() && s2.packed() && s3.packed());
  EXPECT_EQ(mem_stats(Device::CPU).live_bytes - before, a.numel() * 2) << "packed more than once";
  const std::vector<float> got = s2.get().to_vector();
  ASSERT_EQ(got.size(), v.size());
  int64_t changed = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(got[i], bf16::to_float(bf16::from_float(v[i]))) << i;
    ASSERT_EQ(got[i] > 0, v[i] > 0) << i;  // a ReLU mask read from it is exact
    ASSERT_LE(std::abs(got[i] - v[i]), std::abs(v[i]) * (1.0f / 256)) << i;
    changed += got[i] != v[i];
  }
  EXPECT_GT(changed, int64_t(v.size()) / 4) << "values were not rounded to bf16";
  EXPECT_FALSE(s2.get().same_storage(s2.get()));  // a fresh float32 copy per get()
  EXPECT_EQ(s3.get().shape(), Shape{2048});        // each its own shape, one pack
  EXPECT_EQ(s1.get().shape(), a.shape());
  tape_clear();
}

TEST(Saved, ParametersDataAndSmallTensorsAreNotPacked) {
  ActivationStorageGuard bf16(ActivationStorage::bf16);
  Tensor w = random_tensor(Shape{64, 64}, 3);
  w.set_requires_grad(true);                        // a parameter: alive anyway
  const Tensor data = random_tensor(Shape{4096}, 4);  // the input: the caller holds it
  const Tensor small = activation(Shape{1000}, 5);   // below the packing size
  EXPECT_FALSE(Saved(w).packed());
  EXPECT_FALSE(Saved(data).packed());
  EXPECT_FALSE(Saved(small).packed());
  EXPECT_FALSE(Saved(Tensor()).defined());
  tape_clear();
}

// A chain conv -> relu -> layer norm -> linear: under bf16 storage the
// gradients move by about the bf16 step (not zero: the packs were used), the
// tape holds fewer bytes once the forward's own references are dropped, and
// with the tail as a checkpoint region the gradients stay as close.
struct ChainResult {
  std::vector<std::vector<float>> grads;
  int64_t tape_bytes = 0;
};

ChainResult run_chain(ActivationStorage mode, bool region) {
  Tensor x = random_tensor(Shape{2, 4, 3, 16, 16}, 6);
  Tensor w1 = random_tensor(Shape{8, 4, 3, 3, 3}, 7, -0.3f, 0.3f), b1 = random_tensor(Shape{8}, 8);
  Tensor g = random_tensor(Shape{8}, 9, 0.5f, 1.5f), beta = random_tensor(Shape{8}, 10);
  Tensor w2 = random_tensor(Shape{3, 8}, 11), b2 = random_tensor(Shape{3}, 12);
  std::vector<Tensor> params = {w1, b1, g, beta, w2, b2};
  for (Tensor& p : params) p.set_requires_grad(true);
  const int64_t live0 = mem_stats(Device::CPU).live_bytes;
  Tensor y;
  {
    ActivationStorageGuard storage(mode);
    Tensor h = conv3d(x, w1, b1, /*relu=*/true);
    auto tail = [&](const std::vector<Tensor>& in) {
      return std::vector<Tensor>{linear_channels(layer_norm_channels(in[0], g, beta), w2, b2)};
    };
    y = region ? checkpoint(tail, {h})[0] : tail({h})[0];
  }
  ChainResult r;
  r.tape_bytes = mem_stats(Device::CPU).live_bytes - live0 - y.numel() * 4;
  backward(y, random_tensor(y.shape(), 13));
  for (const Tensor& p : params) r.grads.push_back(p.grad().to_vector());
  return r;
}

TEST(Saved, Bf16GradientsAreCloseAndTheTapeSmaller) {
  const ChainResult fp32 = run_chain(ActivationStorage::fp32, false);
  const ChainResult bf16 = run_chain(ActivationStorage::bf16, false);
  double worst = 0;
  for (size_t i = 0; i < fp32.grads.size(); ++i) {
    const double e = testutil::rel_l2(bf16.grads[i], fp32.grads[i]);
    EXPECT_LT(e, 1e-2) << "parameter " << i;
    worst = std::max(worst, e);
  }
  EXPECT_GT(worst, 1e-5) << "bf16 storage changed nothing: were the activations packed?";
  // conv's output h (kept by the conv's ReLU mask and by the layer norm) and
  // the layer norm's output (kept by the linear): two activations, half the bytes.
  EXPECT_LT(double(bf16.tape_bytes), 0.6 * double(fp32.tape_bytes)) << bf16.tape_bytes << " vs " << fp32.tape_bytes;
  // The region under bf16: its rerun packs as the forward did.
  const ChainResult region = run_chain(ActivationStorage::bf16, true);
  for (size_t i = 0; i < fp32.grads.size(); ++i)
    EXPECT_LT(testutil::rel_l2(region.grads[i], bf16.grads[i]), 1e-2) << "parameter " << i;
  EXPECT_EQ(activation_storage(), ActivationStorage::fp32);
}

// backward runs outside the forward's guard; the region's rerun must still
// save in bf16, as its forward did.
TEST(Saved, CheckpointRerunsUnderItsForwardsStorage) {
  std::vector<ActivationStorage> seen;
  Tensor y;
  {
    ActivationStorageGuard bf16(ActivationStorage::bf16);
    y = checkpoint(
        [&seen](const std::vector<Tensor>& in) {
          seen.push_back(activation_storage());
          return std::vector<Tensor>{relu(in[0])};
        },
        {activation(Shape{2048}, 14)})[0];
  }
  backward(sum(y));
  ASSERT_EQ(seen.size(), 2u);  // the forward and the rerun
  EXPECT_EQ(seen[1], ActivationStorage::bf16);
  EXPECT_EQ(activation_storage(), ActivationStorage::fp32);
}

}  // namespace
}  // namespace rf

// In the AddressSanitizer build (RAINFUSE_SANITIZE=ON), an out-of-bounds index
// in a simulated kernel is reported: global memory (host buffers) and dynamic
// shared memory (a heap block per simulated block) have red zones.
#include "kernels/common/launch.h"
#include "tests/sim/sim_harness.h"

namespace {

__global__ void read_one_past(int n, const float* x, float* y) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i + 1];  // bug: reads x[n]
}

#if defined(__SANITIZE_ADDRESS__)
__global__ void dynamic_shared_one_past(float* y) {
  float* s = rf::dyn_shared<float>();
  s[threadIdx.x] = 1.0f;
  __syncthreads();
  y[threadIdx.x] = s[threadIdx.x + 1];  // bug: reads s[blockDim.x]
}

TEST(SimSanitizer, OutOfBoundsGlobalReadIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [] {
    std::vector<float> x(100, 1.0f), y(100);
    rf::launch(read_one_past, 4, 32, 0, nullptr, 100, x.data(), y.data());
  };
  EXPECT_DEATH(run(), "heap-buffer-overflow");
}

TEST(SimSanitizer, OutOfBoundsDynamicSharedReadIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [] {
    std::vector<float> y(64);
    rf::launch(dynamic_shared_one_past, 1, 64, 64 * sizeof(float), nullptr, y.data());
  };
  EXPECT_DEATH(run(), "heap-buffer-overflow");
}
#else
TEST(SimSanitizer, CorrectKernelsRunWithoutSanitizer) {
  std::vector<float> x(101, 1.0f), y(100);
  rf::launch(read_one_past, 4, 32, 0, nullptr, 100, x.data(), y.data());  // x has the extra element here
  EXPECT_EQ(y[99], 1.0f);
}
#endif

}  // namespace

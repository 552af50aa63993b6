// Self-tests of the kernel simulator: barrier semantics, shared memory, warp
// collectives, atomics, dynamic shared memory, and that what it must report
// (races, barrier divergence, bad masks, bad launches) is reported.
#include "kernels/common/launch.h"
#include "tests/sim/sim_harness.h"

namespace {

using rf::launch;
using rf::simtest::race_checked;
using rf::simtest::random_vec;

// ---- kernels under test ------------------------------------------------------------
constexpr int kTile = 16;

// C[M,N] = A[M,K] B[K,N], shared-memory tiles, two barriers per tile, edge guards.
__global__ void matmul_tiled(int M, int N, int K, const float* A, const float* B, float* C) {
  __shared__ float As[kTile][kTile + 1];
  __shared__ float Bs[kTile][kTile + 1];
  const int r = blockIdx.y * kTile + threadIdx.y, c = blockIdx.x * kTile + threadIdx.x;
  float acc = 0.0f;
  for (int k0 = 0; k0 < K; k0 += kTile) {
    const int ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
    As[threadIdx.y][threadIdx.x] = (r < M && ka < K) ? A[r * K + ka] : 0.0f;
    Bs[threadIdx.y][threadIdx.x] = (kb < K && c < N) ? B[kb * N + c] : 0.0f;
    __syncthreads();
    for (int k = 0; k < kTile; ++k) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    __syncthreads();
  }
  if (r < M && c < N) C[r * N + c] = acc;
}

// Missing barrier between the write of s[] and the read of a neighbour's slot.
__global__ void racy_neighbour(const float* x, float* y) {
  __shared__ float s[64];
  s[threadIdx.x] = x[threadIdx.x];
  y[threadIdx.x] = s[(threadIdx.x + 1) % 64];
}

// Same with the barrier: race-free.
__global__ void synced_neighbour(const float* x, float* y) {
  __shared__ float s[64];
  s[threadIdx.x] = x[threadIdx.x];
  __syncthreads();
  y[threadIdx.x] = s[(threadIdx.x + 1) % 64];
}

// Warp collectives: per warp, sum by xor-butterfly, sum by shfl_down, broadcast
// of lane 3, a rotation within groups of 16, a ballot, any/all, shfl_up.
__global__ void warp_ops(const float* x, float* out, unsigned* votes) {
  const int t = threadIdx.x, lane = t % 32;
  const float v = x[blockIdx.x * blockDim.x + t];
  float a = v, b = v;
  for (int o = 16; o > 0; o >>= 1) a += __shfl_xor_sync(0xffffffffu, a, o);
  for (int o = 16; o > 0; o >>= 1) b += __shfl_down_sync(0xffffffffu, b, o);
  const float bc = __shfl_sync(0xffffffffu, v, 3);
  const float rot = __shfl_sync(0xffffffffu, v, lane + 1, 16);
  const float up = __shfl_up_sync(0xffffffffu, v, 1);
  const unsigned ballot = __ballot_sync(0xffffffffu, v > 0.0f);
  const int any = __any_sync(0xffffffffu, v > 0.9f), all = __all_sync(0xffffffffu, v > -2.0f);
  __syncwarp();
  float* o = out + 5 * (blockIdx.x * blockDim.x + t);
  o[0] = a;
  o[1] = lane == 0 ? b : 0.0f;
  o[2] = bc;
  o[3] = rot;
  o[4] = up;
  if (lane == 0) {
    votes[3 * (blockIdx.x * blockDim.x + t) / 32 + 0] = ballot;
    votes[3 * (blockIdx.x * blockDim.x + t) / 32 + 1] = unsigned(any);
    votes[3 * (blockIdx.x * blockDim.x + t) / 32 + 2] = unsigned(all);
  }
}

// Block sum: warp shuffles, then one value per warp through shared memory.
__global__ void block_sum(int n, const float* x, float* out) {
  __shared__ float warp_sums[32];
  float s = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
  for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
  if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = s;
  __syncthreads();
  if (threadIdx.x < 32) {
    s = threadIdx.x < blockDim.x / 32 ? warp_sums[threadIdx.x] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
    if (threadIdx.x == 0) *out = s;
  }
}

__global__ void early_exit(float* y) {
  if (threadIdx.x < 5) return;
  __syncthreads();
  y[threadIdx.x] = 1.0f;
}

// Odd and even threads wait at two different barrier calls (UB in CUDA).
[[gnu::noinline]] __device__ void barrier_then_store(float* y, float v) {
  __syncthreads();
  y[threadIdx.x] = v;
}
[[gnu::noinline]] __device__ void store_then_barrier(float* y, float v) {
  y[threadIdx.x] = v;
  __syncthreads();
}
__global__ void split_barriers(float* y) {
  if (threadIdx.x % 2) {
    barrier_then_store(y, 1.0f);
  } else {
    store_then_barrier(y, 2.0f);
  }
}

__global__ void shuffle_with_exited_lane(float* y) {
  if (threadIdx.x == 7) return;
  y[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.0f, 1);
}

__global__ void shuffle_not_in_mask(float* y) {
  y[threadIdx.x] = __shfl_sync(0x0000ffffu, 1.0f, 0);
}

__global__ void full_mask_partial_warp(float* y) {
  y[threadIdx.x] = __shfl_sync(0xffffffffu, 1.0f, 0);
}

__global__ void count_threads(int* counter, unsigned* max_block) {
  atomicAdd(counter, 1);
  atomicMax(max_block, blockIdx.x + gridDim.x * blockIdx.y);
}

__global__ void reverse_dynamic(int n, const float* x, float* y) {
  float* s = rf::dyn_shared<float>();
  for (int i = threadIdx.x; i < n; i += blockDim.x) s[i] = x[blockIdx.x * n + i];
  __syncthreads();
  for (int i = threadIdx.x; i < n; i += blockDim.x) y[blockIdx.x * n + i] = s[n - 1 - i];
}

__global__ void count_positive(const float* x, int* out) {
  const int c = __syncthreads_count(x[threadIdx.x] > 0.0f);
  const int any = __syncthreads_or(x[threadIdx.x] > 0.99f);
  if (threadIdx.x == 0) {
    out[0] = c;
    out[1] = any;
  }
}

// ---- tests ---------------------------------------------------------------------------------

TEST(Simulator, TiledMatmulMatchesCpuAtOddSizes) {
  const int M = 37, N = 29, K = 45;
  const auto A = random_vec(size_t(M) * K, 1), B = random_vec(size_t(K) * N, 2);
  std::vector<float> want(size_t(M) * N);
  for (int r = 0; r < M; ++r)
    for (int c = 0; c < N; ++c) {
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) acc += A[r * K + k] * B[k * N + c];
      want[r * N + c] = acc;
    }
  const auto got = race_checked([&] {
    std::vector<float> C(size_t(M) * N, -7.0f);
    launch(matmul_tiled, dim3((N + kTile - 1) / kTile, (M + kTile - 1) / kTile), dim3(kTile, kTile), 0, nullptr,
           M, N, K, A.data(), B.data(), C.data());
    return C;
  });
  rf::simtest::expect_close(got, want, 1e-5, 0.1, "matmul");
}

TEST(Simulator, RaceCheckFindsAMissingBarrier) {
  const auto x = random_vec(64, 3);
  auto run = [&](auto kernel) {
    std::vector<std::vector<float>> outs;
    for (uint64_t s : {11u, 12u, 13u}) {
      rf::sim::set_seed(s);
      std::vector<float> y(64);
      launch(kernel, 1, 64, 0, nullptr, x.data(), y.data());
      outs.push_back(y);
    }
    rf::sim::set_seed(0);
    return !(rf::simtest::same_bits(outs[0], outs[1]) && rf::simtest::same_bits(outs[1], outs[2]));
  };
  EXPECT_TRUE(run(racy_neighbour)) << "the racy kernel gave the same result under three thread orders";
  EXPECT_FALSE(run(synced_neighbour));
}

TEST(Simulator, WarpCollectives) {
  const int blocks = 3, threads = 64;
  const auto x = random_vec(size_t(blocks) * threads, 4);
  std::vector<float> out(5 * x.size());
  std::vector<unsigned> votes(3 * x.size() / 32);
  rf::sim::set_seed(77);
  launch(warp_ops, blocks, threads, 0, nullptr, x.data(), out.data(), votes.data());
  rf::sim::set_seed(0);
  for (size_t w = 0; w < x.size() / 32; ++w) {
    const float* v = x.data() + 32 * w;
    double sum = 0.0;
    unsigned ballot = 0;
    bool any = false, all = true;
    for (int l = 0; l < 32; ++l) {
      sum += v[l];
      ballot |= unsigned(v[l] > 0.0f) << l;
      any |= v[l] > 0.9f;
      all &= v[l] > -2.0f;
    }
    for (int l = 0; l < 32; ++l) {
      const float* o = out.data() + 5 * (32 * w + l);
      EXPECT_NEAR(o[0], sum, 1e-5) << "xor butterfly, lane " << l;
      if (l == 0) {
        EXPECT_NEAR(o[1], sum, 1e-5) << "shfl_down";
      }
      EXPECT_EQ(o[2], v[3]);
      EXPECT_EQ(o[3], v[(l & ~15) + ((l + 1) & 15)]) << "width 16 rotation, lane " << l;
      EXPECT_EQ(o[4], l >= 1 ? v[l - 1] : v[l]) << "shfl_up, lane " << l;
    }
    EXPECT_EQ(votes[3 * w], ballot);
    EXPECT_EQ(votes[3 * w + 1], unsigned(any));
    EXPECT_EQ(votes[3 * w + 2], unsigned(all));
  }
}

TEST(Simulator, BlockReductionWithShuffles) {
  const int n = 1000;
  const auto x = random_vec(n, 5);
  double want = 0.0;
  for (float v : x) want += v;
  for (int threads : {32, 96, 256, 1024}) {
    const auto got = race_checked([&] {
      std::vector<float> out(1);
      launch(block_sum, 1, threads, 0, nullptr, n, x.data(), out.data());
      return out;
    });
    EXPECT_NEAR(got[0], want, 1e-4) << threads << " threads";
  }
}

template <class K>
std::string launch_error(K kernel, int threads) {
  std::vector<float> y(size_t(threads), 0.0f);
  try {
    launch(kernel, 2, threads, 0, nullptr, y.data());
  } catch (const rf::sim::SimError& e) {
    return e.what();
  }
  return "";
}

TEST(Simulator, ReportsBarrierDivergence) {
  EXPECT_NE(launch_error(early_exit, 64).find("barrier divergence"), std::string::npos);
  EXPECT_NE(launch_error(split_barriers, 64).find("different __syncthreads"), std::string::npos);
}

TEST(Simulator, ReportsBadWarpMasks) {
  EXPECT_NE(launch_error(shuffle_with_exited_lane, 32).find("exited"), std::string::npos);
  EXPECT_NE(launch_error(shuffle_not_in_mask, 32).find("does not name the calling lane"), std::string::npos);
  EXPECT_NE(launch_error(full_mask_partial_warp, 40).find("partial warp"), std::string::npos);
  EXPECT_EQ(launch_error(full_mask_partial_warp, 64), "");
}

TEST(Simulator, ReportsInvalidLaunches) {
  std::vector<float> y(4);
  EXPECT_THROW(launch(synced_neighbour, 1, 2048, 0, nullptr, y.data(), y.data()), rf::sim::SimError);
  EXPECT_THROW(launch(reverse_dynamic, 1, 32, 64 * 1024, nullptr, 4, y.data(), y.data()), rf::sim::SimError);
}

TEST(Simulator, AtomicsAcrossBlocksOnSeveralOsThreads) {
  rf::sim::set_os_threads(4);
  int counter = 0;
  unsigned max_block = 0;
  launch(count_threads, dim3(7, 5), dim3(33, 3), 0, nullptr, &counter, &max_block);
  rf::sim::set_os_threads(0);
  EXPECT_EQ(counter, 7 * 5 * 33 * 3);
  EXPECT_EQ(max_block, 34u);
}

TEST(Simulator, DynamicSharedMemory) {
  const int n = 300, blocks = 3;
  const auto x = random_vec(size_t(n) * blocks, 6);
  const auto got = race_checked([&] {
    std::vector<float> y(x.size());
    launch(reverse_dynamic, blocks, 64, n * sizeof(float), nullptr, n, x.data(), y.data());
    return y;
  });
  for (int b = 0; b < blocks; ++b)
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[b * n + i], x[b * n + n - 1 - i]);
}

TEST(Simulator, SyncthreadsCountAndOr) {
  const auto x = random_vec(96, 7);
  int want = 0;
  bool any = false;
  for (float v : x) {
    want += v > 0.0f;
    any |= v > 0.99f;
  }
  int out[2] = {-1, -1};
  launch(count_positive, 1, 96, 0, nullptr, x.data(), out);
  EXPECT_EQ(out[0], want);
  EXPECT_EQ(out[1], int(any));
}

}  // namespace

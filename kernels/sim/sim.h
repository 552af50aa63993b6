// The CUDA dialect for the host compiler: lets a .cu file compiled with g++
// (under RF_SIM) run on the CPU through the simulator (sim_runtime.cpp).
//
// Model: a grid runs block by block (blocks spread over a few OS threads, one
// block at a time per OS thread); the threads of a block are fibers that run
// until they reach a barrier (__syncthreads, a warp collective) or end. So
//   - threadIdx / blockIdx / blockDim / gridDim are thread_local globals the
//     scheduler sets before it resumes a fiber;
//   - __shared__ is `static thread_local` (one block per OS thread at a time);
//   - dynamic shared memory comes from rf::dyn_shared<T>() (kernels/common/launch.h);
//   - warp collectives are barriers among the lanes named by the mask;
//   - atomics are std::atomic_ref.
// Everything the scheduler detects (barrier divergence, a mask naming an exited
// or missing lane, masks that disagree, bad launch configurations) is thrown as
// rf::sim::SimError from the launch.
#pragma once
#if defined(__CUDACC__)
#error "kernels/sim/sim.h is the host compiler's CUDA dialect; nvcc must not include it"
#endif

#include <vector_functions.h>  // make_float4, ...
#include <vector_types.h>      // uint3, dim3, float4 (plain structs on the host)

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "kernels/common/cuda_stream.h"

// CUDA's host_defines.h gave these attribute meanings g++ does not know.
// (__noinline__ stays undefined: libstdc++ spells __attribute__((__noinline__)).)
#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#undef __constant__
#undef __forceinline__
#undef __noinline__
#undef __launch_bounds__
#define __global__
#define __device__
#define __host__
#define __shared__ static thread_local
#define __forceinline__ inline
#define __launch_bounds__(...)


// Built-in variables: set by the scheduler for the running fiber. (__thread,
// not thread_local: trivial types need no TLS init wrapper, which UBSan
// misreads as a null access.)
extern __thread uint3 threadIdx;
extern __thread uint3 blockIdx;
extern __thread uint3 blockDim;
extern __thread uint3 gridDim;
inline constexpr int warpSize = 32;

namespace rf::sim {

struct SimError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Seed of the thread order (0 = the default order). Tests run a kernel under
// two seeds: results that differ reveal a race.
void set_seed(uint64_t seed);
uint64_t seed();
// OS threads that run blocks (default: RAINFUSE_SIM_THREADS or 2).
void set_os_threads(int n);

enum class WarpOp : uint8_t { Shfl, Ballot, Sync };
enum class BlockOp : uint8_t { Sync, Count, And, Or };

// Block barrier; returns the reduction of `pred` over the block for Count/And/Or.
[[gnu::noinline]] int block_barrier(BlockOp op, int pred);
// Warp collective of the calling lane. Shfl: returns the value sent by lane
// `src` (src < 0: the caller's own value). Ballot: returns the mask of lanes
// whose value is non-zero.
uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int src);
int lane_id();
void* dynamic_shared();  // this block's dynamic shared memory (smem_bytes of the launch)

// Runs `body` as every thread of every block (body calls the kernel).
struct ThreadBody {
  void (*fn)(const void*);
  const void* ctx;
};
void run_grid(dim3 grid, dim3 block, size_t smem_bytes, ThreadBody body);

template <class T>
uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
  uint64_t u = 0;
  std::memcpy(&u, &v, sizeof(T));
  return u;
}
template <class T>
T from_bits(uint64_t u) {
  T v;
  std::memcpy(&v, &u, sizeof(T));
  return v;
}

}  // namespace rf::sim

// ---- barriers ------------------------------------------------------------------
#define __syncthreads() ((void)::rf::sim::block_barrier(::rf::sim::BlockOp::Sync, 0))
#define __syncthreads_count(p) ::rf::sim::block_barrier(::rf::sim::BlockOp::Count, (p) ? 1 : 0)
#define __syncthreads_and(p) ::rf::sim::block_barrier(::rf::sim::BlockOp::And, (p) ? 1 : 0)
#define __syncthreads_or(p) ::rf::sim::block_barrier(::rf::sim::BlockOp::Or, (p) ? 1 : 0)
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }

// ---- warp collectives (width = power of two <= 32, as in CUDA) -------------------
inline void __syncwarp(unsigned mask = 0xffffffffu) {
  ::rf::sim::warp_collective(::rf::sim::WarpOp::Sync, mask, 0, -1);
}
template <class T>
T __shfl_sync(unsigned mask, T v, int src, int width = warpSize) {
  const int lane = ::rf::sim::lane_id();
  const int s = (lane & ~(width - 1)) + (src & (width - 1));
  return ::rf::sim::from_bits<T>(
      ::rf::sim::warp_collective(::rf::sim::WarpOp::Shfl, mask, ::rf::sim::to_bits(v), s));
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = warpSize) {
  const int lane = ::rf::sim::lane_id();
  const int s = lane ^ lane_mask;
  const bool inside = (s & ~(width - 1)) == (lane & ~(width - 1));
  return ::rf::sim::from_bits<T>(
      ::rf::sim::warp_collective(::rf::sim::WarpOp::Shfl, mask, ::rf::sim::to_bits(v), inside ? s : -1));
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
  const int lane = ::rf::sim::lane_id();
  const bool inside = (lane & (width - 1)) + int(delta) < width;
  return ::rf::sim::from_bits<T>(::rf::sim::warp_collective(::rf::sim::WarpOp::Shfl, mask, ::rf::sim::to_bits(v),
                                                            inside ? lane + int(delta) : -1));
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
  const int lane = ::rf::sim::lane_id();
  const bool inside = (lane & (width - 1)) >= int(delta);
  return ::rf::sim::from_bits<T>(::rf::sim::warp_collective(::rf::sim::WarpOp::Shfl, mask, ::rf::sim::to_bits(v),
                                                            inside ? lane - int(delta) : -1));
}
inline unsigned __ballot_sync(unsigned mask, int pred) {
  return unsigned(::rf::sim::warp_collective(::rf::sim::WarpOp::Ballot, mask, pred ? 1 : 0, -1));
}
inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
inline int __all_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) == mask; }

// ---- atomics ---------------------------------------------------------------------
template <class T>
T atomicAdd(T* p, T v) {
  return std::atomic_ref<T>(*p).fetch_add(v);
}
template <class T>
T atomicSub(T* p, T v) {
  return std::atomic_ref<T>(*p).fetch_sub(v);
}
template <class T>
T atomicExch(T* p, T v) {
  return std::atomic_ref<T>(*p).exchange(v);
}
template <class T>
T atomicCAS(T* p, T expected, T desired) {
  std::atomic_ref<T>(*p).compare_exchange_strong(expected, desired);
  return expected;  // the old value either way
}
template <class T>
T atomicMax(T* p, T v) {
  std::atomic_ref<T> a(*p);
  T old = a.load();
  while (old < v && !a.compare_exchange_weak(old, v)) {
  }
  return old;
}
template <class T>
T atomicMin(T* p, T v) {
  std::atomic_ref<T> a(*p);
  T old = a.load();
  while (v < old && !a.compare_exchange_weak(old, v)) {
  }
  return old;
}

// ---- math intrinsics (fast-math variants computed exactly on the host) -------------
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return std::sqrt(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline unsigned __float_as_uint(float x) { return std::bit_cast<unsigned>(x); }
inline float __uint_as_float(unsigned x) { return std::bit_cast<float>(x); }
inline int __float_as_int(float x) { return std::bit_cast<int>(x); }
inline float __int_as_float(int x) { return std::bit_cast<float>(x); }
inline int __popc(unsigned x) { return std::popcount(x); }
inline int __ffs(int x) { return x == 0 ? 0 : std::countr_zero(unsigned(x)) + 1; }
template <class T>
T __ldg(const T* p) {
  return *p;
}

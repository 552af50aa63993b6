// The memory-bound CPU kernels, each at the size of one qh-ref activation of
// the `patch` batch (B 16, C 32, T 7, 32 x 32 = 3.67 M floats, 14.7 MB: past
// the L2 and the L3 of the 2-core machines here, so memory-bound as in
// training): ReLU forward/backward, add, axpy, fill, dropout forward/backward,
// masked MSE forward/backward, Adam (qh-ref's 188,737 parameters, in cache:
// the one op here that is not), bf16 pack/unpack of saved activations, and
// the regrid gather and weighted sum (a 0.25 deg source to the 0.01 deg
// province grid, one field: 856 x 1392 targets). The physical limit is the
// same machine's streaming bandwidth: `copy` (memcpy of the same bytes, read
// + write) beside them. Each reports the bytes it must move (bytes_per_second)
// so the table in docs/performance.md reads as a fraction of `copy`.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/dropout/dropout.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/loss/loss.h"
#include "kernels/optim/adam.h"
#include "kernels/regrid/regrid.h"
#include "tests/kernels/kernel_testing.h"

namespace {

using rf::kerneltest::random_vec;
namespace k = rf::kernels;

constexpr int64_t kN = int64_t(16) * 32 * 7 * 32 * 32;
constexpr int64_t kF = sizeof(float);

// `bytes` moved per call, counted as the kernel must read and write them.
template <class Fn>
void run(benchmark::State& st, int64_t bytes, Fn&& fn) {
  for (auto _ : st) {
    fn();
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * bytes);
}

void BM_Copy(benchmark::State& st) {
  const auto x = random_vec(kN, 1);
  std::vector<float> y(kN);
  run(st, 2 * kN * kF, [&] { std::memcpy(y.data(), x.data(), size_t(kN * kF)); });
}

void BM_Relu(benchmark::State& st) {
  const auto x = random_vec(kN, 1);
  std::vector<float> y(kN);
  run(st, 2 * kN * kF, [&] { k::relu_forward_cpu(kN, x.data(), y.data()); });
}

void BM_ReluBackward(benchmark::State& st) {
  const auto y = random_vec(kN, 1), dy = random_vec(kN, 2);
  std::vector<float> dx(kN);
  run(st, 3 * kN * kF, [&] { k::relu_backward_cpu(kN, y.data(), dy.data(), dx.data(), false); });
}

void BM_Add(benchmark::State& st) {
  const auto a = random_vec(kN, 1), b = random_vec(kN, 2);
  std::vector<float> y(kN);
  run(st, 3 * kN * kF, [&] { k::add_cpu(kN, a.data(), b.data(), y.data()); });
}

void BM_Axpy(benchmark::State& st) {
  const auto x = random_vec(kN, 1);
  auto y = random_vec(kN, 2);
  run(st, 3 * kN * kF, [&] { k::axpy_cpu(kN, 1e-3f, x.data(), y.data()); });
}

void BM_Fill(benchmark::State& st) {
  std::vector<float> y(kN);
  run(st, kN * kF, [&] { k::fill_cpu(kN, 0.5f, y.data()); });
}

void BM_DropoutForward(benchmark::State& st) {
  const auto x = random_vec(kN, 1);
  std::vector<float> y(kN);
  k::DropoutParams d;
  run(st, 2 * kN * kF, [&] { k::dropout_forward_cpu(kN, d, x.data(), y.data()); });
}

void BM_DropoutBackward(benchmark::State& st) {
  const auto dy = random_vec(kN, 1);
  std::vector<float> dx(kN);
  k::DropoutParams d;
  run(st, 2 * kN * kF, [&] { k::dropout_backward_cpu(kN, d, dy.data(), dx.data(), false); });
}

void BM_MseForward(benchmark::State& st) {
  const auto y = random_vec(kN, 1), t = random_vec(kN, 2), m = random_vec(kN, 3, 0.0f, 1.0f);
  double count = 0;
  run(st, 3 * kN * kF,
      [&] { benchmark::DoNotOptimize(k::masked_mse_forward_cpu(kN, y.data(), t.data(), m.data(), &count)); });
}

void BM_MseBackward(benchmark::State& st) {
  const auto y = random_vec(kN, 1), t = random_vec(kN, 2), m = random_vec(kN, 3, 0.0f, 1.0f);
  std::vector<float> dy(kN);
  run(st, 4 * kN * kF,
      [&] { k::masked_mse_backward_cpu(kN, y.data(), t.data(), m.data(), 1e5, 1.0f, dy.data(), false); });
}

void BM_Adam(benchmark::State& st) {
  const int64_t n = 188737;  // qh-ref's parameters
  auto p = random_vec(n, 1), m = random_vec(n, 3, 0.0f, 0.1f), v = random_vec(n, 4, 0.0f, 0.1f);
  const auto g = random_vec(n, 2);
  k::AdamParams a;
  run(st, 7 * n * kF, [&] { k::adam_step_cpu(n, a, p.data(), g.data(), m.data(), v.data()); });
}

void BM_ToBf16(benchmark::State& st) {
  const auto x = random_vec(kN, 1);
  std::vector<uint16_t> h(kN);
  run(st, kN * (kF + 2), [&] { k::to_bf16_cpu(kN, x.data(), h.data()); });
}

void BM_FromBf16(benchmark::State& st) {
  std::vector<uint16_t> h(kN);
  k::to_bf16_cpu(kN, random_vec(kN, 1).data(), h.data());
  std::vector<float> y(kN);
  run(st, kN * (kF + 2), [&] { k::from_bf16_cpu(kN, h.data(), y.data()); });
}

// A 56 x 35 source (0.25 deg over the province) to its 1392 x 856 grid: nearest
// gathers one value per target, bilinear four with double weights.
constexpr int64_t kSrcX = 56, kSrcY = 35, kDstX = 1392, kDstY = 856, kDst = kDstX * kDstY;
int64_t src_index(int64_t d, int64_t di, int64_t dj) {
  const int64_t x = std::min(kSrcX - 1, (d % kDstX) * kSrcX / kDstX + di);
  const int64_t y = std::min(kSrcY - 1, (d / kDstX) * kSrcY / kDstY + dj);
  return y * kSrcX + x;
}

void BM_RegridGather(benchmark::State& st) {
  const auto src = random_vec(kSrcX * kSrcY, 1, 0.0f, 20.0f);
  std::vector<int64_t> index(kDst);
  for (int64_t d = 0; d < kDst; ++d) index[size_t(d)] = src_index(d, 0, 0);
  std::vector<float> dst(kDst);
  run(st, kDst * (8 + kF),
      [&] { k::regrid_gather_cpu(src.data(), kSrcX * kSrcY, index.data(), kDst, dst.data(), 1); });
}

void BM_RegridWeighted(benchmark::State& st) {
  const auto src = random_vec(kSrcX * kSrcY, 1, 0.0f, 20.0f);
  std::vector<int64_t> index(4 * kDst);
  std::vector<double> weight(4 * kDst, 0.25);
  for (int64_t d = 0; d < kDst; ++d)
    for (int t = 0; t < 4; ++t) index[size_t(4 * d + t)] = src_index(d, t % 2, t / 2);
  std::vector<float> dst(kDst);
  run(st, kDst * (4 * (8 + 8) + kF), [&] {
    k::regrid_weighted_cpu(src.data(), kSrcX * kSrcY, 1, index.data(), weight.data(), 4, kDst, dst.data(), 1);
  });
}

BENCHMARK(BM_Copy)->UseRealTime();
BENCHMARK(BM_Relu)->UseRealTime();
BENCHMARK(BM_ReluBackward)->UseRealTime();
BENCHMARK(BM_Add)->UseRealTime();
BENCHMARK(BM_Axpy)->UseRealTime();
BENCHMARK(BM_Fill)->UseRealTime();
BENCHMARK(BM_DropoutForward)->UseRealTime();
BENCHMARK(BM_DropoutBackward)->UseRealTime();
BENCHMARK(BM_MseForward)->UseRealTime();
BENCHMARK(BM_MseBackward)->UseRealTime();
BENCHMARK(BM_Adam)->UseRealTime();
BENCHMARK(BM_ToBf16)->UseRealTime();
BENCHMARK(BM_FromBf16)->UseRealTime();
BENCHMARK(BM_RegridGather)->UseRealTime();
BENCHMARK(BM_RegridWeighted)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

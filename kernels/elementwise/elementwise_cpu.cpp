// Elementwise ops: memory-bound streams, split over threads, vectorised inner loops.
#include "kernels/elementwise/elementwise.h"

#include <algorithm>
#include <vector>

#include "kernels/common/bf16.h"

namespace rf::kernels {

namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;
}  // namespace

void relu_forward_cpu(int64_t n, const float* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

// dy is loaded unconditionally, then selected: `y > 0 ? dy[i] : 0` reads dy[i]
// only on one side, which the baseline ISA cannot vectorise (no masked loads),
// and half the signs of an activation are a coin flip for a branch: 20x slower
// (bench/kernels/memory_bound_bench.cpp).
void relu_backward_cpu(int64_t n, const float* y, const float* dy, float* dx, bool accumulate) {
  if (accumulate) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      const float g = dy[i];
      dx[i] += y[i] > 0.0f ? g : 0.0f;
    }
  } else {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      const float g = dy[i];
      dx[i] = y[i] > 0.0f ? g : 0.0f;
    }
  }
}

void add_cpu(int64_t n, const float* a, const float* b, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void axpy_cpu(int64_t n, float alpha, const float* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void fill_cpu(int64_t n, float value, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = value;
}

// Deterministic: fixed blocks summed in block order (an OpenMP reduction combines
// the threads' partials in arrival order, which changes the last bits run to run).
double sum_cpu(int64_t n, const float* x) {
  constexpr int64_t kBlock = 1 << 14;
  const int64_t nb = (n + kBlock - 1) / kBlock;
  std::vector<double> part(size_t(std::max<int64_t>(nb, 1)), 0.0);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t b = 0; b < nb; ++b) {
    double s = 0.0;
    const int64_t e = std::min(n, (b + 1) * kBlock);
#pragma omp simd reduction(+ : s)
    for (int64_t i = b * kBlock; i < e; ++i) s += x[i];
    part[size_t(b)] = s;
  }
  double s = 0.0;
  for (double v : part) s += v;
  return s;
}

void to_bf16_cpu(int64_t n, const float* x, uint16_t* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = bf16::from_float(x[i]);
}

void from_bf16_cpu(int64_t n, const uint16_t* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = bf16::to_float(x[i]);
}

}  // namespace rf::kernels

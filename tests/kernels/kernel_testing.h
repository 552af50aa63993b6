// Shared by the kernel, simulator and GPU tests and the kernel benchmarks:
// seeded uniform data and the double copies the references compute in.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace rf::kerneltest {

// n floats uniform in [lo, hi) from mt19937_64(seed), never exactly zero (a
// zero hides a missing term).
inline std::vector<float> random_vec(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) {
    do x = u(rng);
    while (x == 0.0f);
  }
  return v;
}

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace rf::kerneltest

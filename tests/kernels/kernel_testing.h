// Shared by the kernel tests and benchmarks: seeded uniform data and the
// double copies the references compute in. (The simulator tests have their
// own in tests/sim/sim_harness.h, with the same generator.)
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace rf::kerneltest {

// n floats uniform in [lo, hi) from mt19937_64(seed).
inline std::vector<float> random_vec(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace rf::kerneltest

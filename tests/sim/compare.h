// Comparison helpers shared by the sim and gpu tests: random inputs (never
// zero) and tolerance checks against the CPU backend.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/kernels/kernel_testing.h"

namespace rf::simtest {

using kerneltest::random_vec;  // uniform in [lo, hi), never exactly zero

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// max_i |got - want| / (|want| + floor) <= tol, reporting the worst element.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, double tol,
                         double floor = 1e-3, const std::string& what = "") {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0.0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::fabs(double(got[i]) - double(want[i])) / (std::fabs(double(want[i])) + floor);
    if (!(e <= worst)) {  // catches NaN
      worst = e;
      at = i;
      if (std::isnan(e)) break;
    }
  }
  EXPECT_LE(worst, tol) << what << ": worst at " << at << ": got " << got[at] << " want " << want[at];
}

}  // namespace rf::simtest

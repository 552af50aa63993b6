// The per-value transform of the source channels (reference-model.md Input):
// log1p of the daily total, clamped at 0 first (a bicubic regrid may overshoot
// below 0; precipitation never is), so NormStats and assemble_input agree.
//
// Branch-free so the row loops vectorise: std::log1p is a libm call per value
// and was ~85 % of a whole-grid assemble_input. log1p(x) = log(u) * x / (u - 1)
// with u = 1 + x rounded (Goldberg's correction for the rounding of u), log(u)
// by Cephes' logf polynomial (relative error < 1e-7 on [sqrt(1/2), sqrt(2))).
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>

#include "kernels/common/vmath.h"

namespace rf::pipe {

// log(u) for finite u >= 1.
inline float log_ge1(float u) {
  const uint32_t b = std::bit_cast<uint32_t>(u);
  const bool low = (b & 0x007fffffu) < 0x003504f3u;  // mantissa of [1, sqrt 2): use [sqrt(1/2), 1) * 2^(e+1)
  const float m = std::bit_cast<float>((b & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  const float e = float(int((b >> 23) & 0xffu) - 126 - int(low));
  const float x = low ? m + m - 1.0f : m - 1.0f;  // m' - 1 with m' in [sqrt(1/2), sqrt 2)
  const float z = x * x;
  float y = vmath::kLogPoly[0];
  for (int k = 1; k < 9; ++k) y = y * x + vmath::kLogPoly[k];
  y = y * x * z - 2.12194440e-4f * e - 0.5f * z;
  return x + y + 0.693359375f * e;
}

inline float log1p_mm(float mm) {
  const float x = std::max(mm, 0.0f), u = 1.0f + x;
  // Both sides computed, then selected (a conditional division would keep the
  // loop from vectorising); u - 1 is 0 only when x < 2^-24, where log1p(x) = x.
  const float corrected = log_ge1(u) * (x / std::max(u - 1.0f, 1e-30f));
  return u == 1.0f ? x : corrected;
}

}  // namespace rf::pipe

// Branch-free fp32 exp / sigmoid / tanh (and log's coefficients) that GCC and Clang auto-vectorise
// (std::exp and std::tanh are library calls that block vectorisation without
// -ffast-math). Cephes-style range reduction + minimax polynomials:
//   exp:  |rel err| < 2e-7 on [-87.3, 88]; saturates to e^-87.3 / e^88 outside.
//   tanh: |rel err| < 3e-7 (odd polynomial on |x| < 0.625, exp form beyond).
// The rounding trick below relies on IEEE evaluation order: no -ffast-math.
#pragma once
#include <bit>
#include <cstdint>

#include "kernels/common/hd.h"

namespace rf::vmath {

RF_HD int32_t float_to_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_int(f);
#else
  return std::bit_cast<int32_t>(f);
#endif
}

RF_HD float bits_to_float(int32_t i) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(i);
#else
  return std::bit_cast<float>(i);
#endif
}

// e^x. x = n ln2 + r, |r| <= ln2/2; e^r by a degree-6 polynomial; 2^n by exponent bits.
// n is rounded with the 1.5*2^23 trick (t = x log2e + magic holds n in its low
// mantissa bits): no float->int conversion, which GCC will not if-convert and
// vectorise under the default -ftrapping-math.
RF_HD float exp(float x) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23, bit pattern 0x4B400000
  x = x > 88.0f ? 88.0f : x;  // keeps 2^n finite (n <= 127)
  x = x < -87.3365447505531f ? -87.3365447505531f : x;
  const float t = x * 1.44269504088896341f + kMagic;
  const float n = t - kMagic;
  float r = x - n * 0.693359375f;   // ln2 split in a short high part ...
  r = r - n * -2.12194440e-4f;      // ... and the remainder (Cody-Waite)
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  return p * bits_to_float((float_to_bits(t) - 0x4B400000 + 127) << 23);
}

RF_HD float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

// Cephes logf's polynomial P(f), f = m - 1 for a mantissa m in
// [sqrt(1/2), sqrt 2): log m = f - f^2/2 + f^3 P(f) (relative error < 1e-7).
// Its coefficients, highest power first; the callers evaluate P by Horner
// (p = c[0]; p = p f + c[k]) in their own type, scalar or a CPU level's
// vector (a function taking a level's vector would cross the level's target
// attribute: clang refuses that), split m and the exponent e their own way,
// and add e ln 2 in two parts (0.693359375 - 2.12194440e-4), as exp() does.
inline constexpr float kLogPoly[9] = {7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,
                                      -1.2420140846E-1f, 1.4249322787E-1f,  -1.6668057665E-1f,
                                      2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f};

RF_HD float tanh(float x) {
  const float ax = x < 0.0f ? -x : x;
  // large |x|: 1 - 2 / (e^{2|x|} + 1), sign restored below
  const float big = 1.0f - 2.0f / (exp(2.0f * ax) + 1.0f);
  // small |x|: x + x^3 P(x^2)
  const float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  const float small = p * z * x + x;
  const float signed_big = x < 0.0f ? -big : big;
  return ax < 0.625f ? small : signed_big;
}

}  // namespace rf::vmath

// bfloat16 as storage: the top 16 bits of an IEEE float32 (sign, 8-bit
// exponent, 7-bit mantissa), so a float's range is kept and ~3 significant
// digits (relative step 2^-8). One host/device body for the CPU backend, nvcc
// and the simulator. Rounding is to nearest, ties to even, as
// __float2bfloat16_rn; a NaN stays a NaN (quiet), infinities stay infinite.
#pragma once
#include <cstdint>

#include "kernels/common/vmath.h"

namespace rf::bf16 {

RF_HD uint16_t from_float(float f) {
  const uint32_t u = uint32_t(vmath::float_to_bits(f));
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x0040u);  // NaN: keep it quiet
  // Adding 0x7fff plus the kept part's lowest bit rounds half to even; a carry
  // out of the mantissa steps the exponent (the largest finite values become inf).
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

RF_HD float to_float(uint16_t h) { return vmath::bits_to_float(int32_t(uint32_t(h) << 16)); }

}  // namespace rf::bf16

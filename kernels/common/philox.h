// Philox4x32-10 counter-based RNG (Salmon, Moraes, Dror, Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011), bit-identical to Random123's
// philox4x32 with 10 rounds (the generator behind cuRAND's Philox and PyTorch's
// CUDA RNG). One RF_HD body serves the CPU backend and the CUDA kernels.
//
// Stream used by rainfuse (dropout and anything else that needs per-element
// uniforms). For a 64-bit seed and a 64-bit element index g (g = offset + i):
//   key     = { lo32(seed), hi32(seed) }
//   counter = { lo32(g / 4), hi32(g / 4), 0, 0 }
//   lane    = g % 4                      -> r = philox4x32_10(counter, key)[lane]
//   u       = (r >> 8) * 2^-24           -> uniform float in [0, 1), exact in fp32
// So each Philox call yields the uniforms of four consecutive indices; a CUDA
// thread handling indices 4q..4q+3 makes one call. The value of element g never
// depends on how the work is split, so any backend reproduces it.
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"

namespace rf {

struct Philox4 {
  uint32_t v[4];
};

namespace philox_detail {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
}  // namespace philox_detail

// counter (4 x 32 bits), key (2 x 32 bits) -> 4 x 32 random bits.
RF_HD Philox4 philox4x32_10(Philox4 ctr, uint32_t k0, uint32_t k1) {
  using namespace philox_detail;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(kM0) * ctr.v[0];
    const uint64_t p1 = uint64_t(kM1) * ctr.v[2];
    const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    const uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    ctr = Philox4{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kW0;
    k1 += kW1;
  }
  return ctr;
}

// 32 random bits -> uniform float in [0, 1) (24 bits of mantissa, never 1.0f).
RF_HD float philox_to_unit_float(uint32_t r) { return float(r >> 8) * (1.0f / 16777216.0f); }

// The four uniforms of indices 4q .. 4q+3 of the stream (seed).
RF_HD Philox4 philox_block(uint64_t seed, uint64_t q) {
  return philox4x32_10(Philox4{{uint32_t(q), uint32_t(q >> 32), 0u, 0u}}, uint32_t(seed), uint32_t(seed >> 32));
}

// Uniform of element g of the stream (seed): one Philox call per element; loops
// over consecutive g should call philox_block once per 4 elements instead.
RF_HD float philox_uniform(uint64_t seed, uint64_t g) {
  return philox_to_unit_float(philox_block(seed, g >> 2).v[g & 3]);
}

}  // namespace rf

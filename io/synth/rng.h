// Counter-based random numbers for the synthetic twin: every value is a pure
// function of (seed, stream, index), so results do not depend on thread count
// or on the order in which days and files are produced (same seed -> same bytes).
// Hash: splitmix64 finaliser (Steele, Lea, Flood 2014) of a mixed key.
#pragma once
#include <cmath>
#include <cstdint>

namespace rf::io::synth {

inline uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A stream key from a seed and up to three small integers (product, day, purpose...).
inline uint64_t stream_key(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  return mix64(mix64(mix64(seed ^ 0x5851F42D4C957F2Dull) ^ a) ^ (b * 0x2545F4914F6CDD1Dull)) ^ mix64(c + 0x632BE59BD9B4E019ull);
}

// Uniform in (0, 1), never 0 or 1 (53-bit mantissa, offset by half an ulp).
inline double uniform(uint64_t key, uint64_t i) {
  return (double(mix64(key ^ mix64(i)) >> 11) + 0.5) * 0x1.0p-53;
}

// Standard normal by Box-Muller from two independent uniforms of element i.
inline double normal(uint64_t key, uint64_t i) {
  const double u1 = uniform(key, 2 * i), u2 = uniform(key, 2 * i + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace rf::io::synth

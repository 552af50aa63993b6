// The trainer's random stream: SplitMix64 (one 64-bit word of state, so a
// checkpoint stores it exactly and a resumed run draws the same numbers; the
// C++ library's distributions are implementation-defined, these are not).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace rf::pipe {

struct Rng {
  uint64_t state = 0;
  explicit Rng(uint64_t seed = 0) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform integer in [0, n) (n > 0; multiply-shift, bias < n / 2^64).
  int64_t below(int64_t n) { return int64_t((unsigned __int128)next() * uint64_t(n) >> 64); }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  template <class T>
  void shuffle(std::vector<T>& v) {  // Fisher-Yates
    for (int64_t i = int64_t(v.size()) - 1; i > 0; --i) std::swap(v[size_t(i)], v[size_t(below(i + 1))]);
  }
};

// An independent seed for a named sub-stream (fold, set, purpose).
inline uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  Rng r(seed ^ 0x243F6A8885A308D3ULL);
  r.state ^= r.next() + a * 0x9E3779B97F4A7C15ULL;
  r.state ^= r.next() + b * 0xC2B2AE3D27D4EB4FULL;
  r.state ^= r.next() + c * 0x165667B19E3779F9ULL;
  return r.next();
}

}  // namespace rf::pipe

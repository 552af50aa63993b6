#include "io/cf/row_deflate.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>

namespace rf::io {

namespace {

// LSB-first bit writer (deflate bit order).
struct Bits {
  uint8_t* out;
  uint64_t acc = 0;
  int n = 0;
  void put(uint32_t v, int nbits) {
    acc |= uint64_t(v) << n;
    n += nbits;
    while (n >= 8) {
      *out++ = uint8_t(acc);
      acc >>= 8;
      n -= 8;
    }
  }
  void flush() {
    if (n > 0) *out++ = uint8_t(acc);
    acc = 0;
    n = 0;
  }
};

uint32_t reverse(uint32_t v, int nbits) {
  uint32_t r = 0;
  for (int i = 0; i < nbits; ++i) r |= ((v >> i) & 1u) << (nbits - 1 - i);
  return r;
}

// Fixed Huffman code of a literal/length symbol (RFC 1951 3.2.6), bit-reversed.
struct LitCode {
  uint16_t code;
  uint8_t bits;
};
struct Tables {
  LitCode lit[288];
  uint8_t len_sym[259];    // match length 3..258 -> symbol - 257
  uint8_t len_extra[29];
  uint16_t len_base[29];
  uint16_t dist_base[30];
  uint8_t dist_extra[30];
  Tables() {
    for (int s = 0; s < 288; ++s) {
      int bits, code;
      if (s < 144) bits = 8, code = 0x30 + s;
      else if (s < 256) bits = 9, code = 0x190 + (s - 144);
      else if (s < 280) bits = 7, code = s - 256;
      else bits = 8, code = 0xC0 + (s - 280);
      lit[s] = {uint16_t(reverse(uint32_t(code), bits)), uint8_t(bits)};
    }
    const uint16_t lb[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                             35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    const uint8_t le[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    for (int i = 0; i < 29; ++i) len_base[i] = lb[i], len_extra[i] = le[i];
    for (int len = 3; len <= 258; ++len) {
      int i = 28;
      while (lb[i] > len) --i;
      len_sym[len] = uint8_t(i);
    }
    const uint16_t db[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                             257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    for (int i = 0; i < 30; ++i) dist_base[i] = db[i], dist_extra[i] = uint8_t(i < 4 ? 0 : (i - 2) / 2);
  }
};
const Tables kT;

void literal(Bits& b, uint8_t v) { b.put(kT.lit[v].code, kT.lit[v].bits); }

void match(Bits& b, size_t len, size_t dist) {
  const int li = kT.len_sym[len];
  const LitCode& c = kT.lit[257 + li];
  b.put(c.code, c.bits);
  if (kT.len_extra[li]) b.put(uint32_t(len - kT.len_base[li]), kT.len_extra[li]);
  int di = 29;
  while (kT.dist_base[di] > dist) --di;
  b.put(reverse(uint32_t(di), 5), 5);
  if (kT.dist_extra[di]) b.put(uint32_t(dist - kT.dist_base[di]), kT.dist_extra[di]);
}

// Length of the common prefix of a and b (at most max), 8 bytes at a time.
size_t common(const uint8_t* a, const uint8_t* b, size_t max) {
  size_t k = 0;
  while (k + 8 <= max) {
    uint64_t x, y;
    std::memcpy(&x, a + k, 8);
    std::memcpy(&y, b + k, 8);
    if (x != y) return k + size_t(__builtin_ctzll(x ^ y) >> 3);
    k += 8;
  }
  while (k < max && a[k] == b[k]) ++k;
  return k;
}

}  // namespace

size_t row_deflate_bound(size_t n) { return n + n / 8 + 64; }

size_t row_deflate_zlib(const uint8_t* src, size_t n, size_t row, size_t step, uint8_t* dst) {
  dst[0] = 0x78;  // CMF: deflate, 32 KiB window
  dst[1] = 0x01;  // FLG: (0x7801 % 31 == 0), no dictionary
  Bits b{dst + 2};
  b.put(1, 1);  // BFINAL
  b.put(1, 2);  // BTYPE = 01, fixed Huffman
  const size_t dists[3] = {1, row, step};
  size_t p = 0;
  while (p < n) {
    size_t best = 0, best_dist = 0;
    for (size_t d : dists) {
      if (d == 0 || d > p || d > 32768) continue;
      const size_t len = common(src + p, src + p - d, std::min<size_t>(258, n - p));
      if (len > best) best = len, best_dist = d;
      if (best == 258) break;
    }
    if (best >= 3) {
      match(b, best, best_dist);
      p += best;
    } else {
      literal(b, src[p++]);
    }
  }
  b.put(kT.lit[256].code, kT.lit[256].bits);  // end of block
  b.flush();
  uint8_t* o = b.out;
  const uint32_t a = libdeflate_adler32(1, src, n);
  o[0] = uint8_t(a >> 24), o[1] = uint8_t(a >> 16), o[2] = uint8_t(a >> 8), o[3] = uint8_t(a);
  return size_t(o + 4 - dst);
}

}  // namespace rf::io

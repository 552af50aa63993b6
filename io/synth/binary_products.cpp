#include "io/synth/binary_products.h"

#include <bzlib.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "io/synth/paths.h"

namespace rf::io::synth {

static_assert(std::endian::native == std::endian::little, "the binary products are written little-endian");

namespace {

std::string date_parts(UnixSeconds t, const char* fmt) {
  const DayNumber d = DayNumber((t - ((t % 86400) + 86400) % 86400) / 86400);
  int y, m, dd;
  ymd_from_day(d, y, m, dd);
  const int h = int(((t % 86400) + 86400) % 86400 / 3600);
  char b[64];
  std::snprintf(b, sizeof b, fmt, y, m, dd, h);
  return b;
}

void write_file(const std::string& path, const std::string& bytes) {
  make_parent_dirs(path);
  const std::string tmp = path + ".part";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot create");
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error(path + ": write failed");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": rename failed");
}

// Global float32 records in storage order: `undef` everywhere but the window,
// which holds mm * scale (each record [nj][ni]). Streamed a row at a time.
void write_unpacked(const std::string& path, const NativeWindow& w, float undef, std::initializer_list<const float*> records,
                    float scale) {
  make_parent_dirs(path);
  const std::string tmp = path + ".part";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot create");
  std::vector<float> row(size_t(w.lon_n));
  bool ok = true;
  for (const float* mm : records)
    for (int r = 0; r < w.lat_n && ok; ++r) {
      std::fill(row.begin(), row.end(), undef);
      if (r >= w.j0 && r < w.j0 + w.nj)
        for (int i = 0; i < w.ni; ++i) row[size_t(w.i0 + i)] = mm[size_t(r - w.j0) * w.ni + i] * scale;
      ok = std::fwrite(row.data(), 4, row.size(), f) == row.size();
    }
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error(path + ": write failed");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": rename failed");
}

void put_le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xFF));
}

// ---- gzip pieces -------------------------------------------------------------
// Raw deflate of `n` bytes ending with Z_FULL_FLUSH (byte aligned, dictionary reset).
void deflate_flush(z_stream& z, const void* data, size_t n, std::string& out) {
  z.next_in = (Bytef*)data;
  z.avail_in = uInt(n);
  unsigned char buf[1 << 16];
  do {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    if (deflate(&z, Z_FULL_FLUSH) == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    out.append((const char*)buf, sizeof buf - z.avail_out);
  } while (z.avail_out == 0);
}

CompressedRun deflate_const(float v, uint64_t n) {
  std::vector<float> data(n, v);
  CompressedRun r;
  r.length = n * 4;
  r.crc = uint32_t(crc32(0L, (const Bytef*)data.data(), uInt(r.length)));
  if (n == 0) return r;
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  deflate_flush(z, data.data(), r.length, r.bytes);
  deflateEnd(&z);
  return r;
}

// ---- bzip2 pieces ------------------------------------------------------------
// libbz2 allocates ~1.1 MB per stream (block, sort arrays, ftab); a per-thread
// bump arena reused for every stream avoids an mmap/munmap and page faults per
// stream (a CMORPH file has ~600 streams).
struct BzArena {
  std::vector<char> mem = std::vector<char>(size_t(12) << 20);
  size_t used = 0;
  static void* alloc(void* self, int n, int m) {
    auto* a = static_cast<BzArena*>(self);
    const size_t bytes = (size_t(n) * size_t(m) + 63) & ~size_t(63);
    if (a->used + bytes > a->mem.size()) return nullptr;
    void* p = a->mem.data() + a->used;
    a->used += bytes;
    return p;
  }
  static void release(void*, void*) {}
};

std::string bz2_stream(const void* data, size_t n, int level) {
  thread_local BzArena arena;
  arena.used = 0;
  bz_stream s{};
  s.bzalloc = BzArena::alloc;
  s.bzfree = BzArena::release;
  s.opaque = &arena;
  if (BZ2_bzCompressInit(&s, level, 0, 0) != BZ_OK) throw std::runtime_error("BZ2_bzCompressInit failed");
  std::string out(n + n / 100 + 1024, '\0');
  s.next_in = (char*)data;
  s.avail_in = unsigned(n);
  s.next_out = out.data();
  s.avail_out = unsigned(out.size());
  const int rc = BZ2_bzCompress(&s, BZ_FINISH);
  const size_t len = out.size() - s.avail_out;
  BZ2_bzCompressEnd(&s);
  if (rc != BZ_STREAM_END) throw std::runtime_error("bzip2 compression failed (" + std::to_string(rc) + ")");
  out.resize(len);
  return out;
}

// A constant run as repeated identical bzip2 streams of `chunk` (a multiple of 4
// bytes, one full 900k block) plus a remainder stream: compressed once, copied.
struct Bz2Const {
  static constexpr size_t kChunkFloats = 224995;  // 899,980 bytes <= a level-9 block
  float v;
  std::string chunk;
  explicit Bz2Const(float value) : v(value) {
    std::vector<float> data(kChunkFloats, v);
    chunk = bz2_stream(data.data(), data.size() * 4, 9);
  }
  CompressedRun run(uint64_t n) const {
    CompressedRun r;
    r.length = n * 4;
    for (uint64_t k = 0; k < n / kChunkFloats; ++k) r.bytes += chunk;
    const uint64_t rem = n % kChunkFloats;
    if (rem) {
      std::vector<float> data(rem, v);
      r.bytes += bz2_stream(data.data(), rem * 4, 9);
    }
    return r;
  }
};

}  // namespace

GsmapWriter::GsmapWriter(const NativeWindow& w, bool unpacked) : w_(w), unpacked_(unpacked) {
  if (unpacked_) return;
  const uint64_t nx = uint64_t(w.lon_n), ny = uint64_t(w.lat_n);
  prefix_ = deflate_const(kUndef, uint64_t(w.j0) * nx + w.i0);
  gap_ = deflate_const(kUndef, nx - w.ni);
  suffix_ = deflate_const(kUndef, (nx - w.i0 - w.ni) + (ny - w.j0 - w.nj) * nx);
}

std::string GsmapWriter::write(const std::string& dir, UnixSeconds start, const float* mm) const {
  const std::string path = dir + date_parts(start, "/%04d/%02d/%02d/") +
                           date_parts(start, "gsmap_gauge.%04d%02d%02d.%02d00.v8.0000.1.dat") + (unpacked_ ? "" : ".gz");
  if (unpacked_) {
    write_unpacked(path, w_, kUndef, {mm}, 1.0f);  // mm over one hour == mm/hr
    return path;
  }
  thread_local z_stream z{};
  thread_local bool init = false;
  if (!init) {
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
    init = true;
  }
  deflateReset(&z);
  static const char kHeader[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};  // no name, mtime 0: reproducible
  std::string out(kHeader, sizeof kHeader);
  out.reserve(prefix_.bytes.size() + suffix_.bytes.size() + w_.size() * 4);
  out += prefix_.bytes;
  uLong crc = prefix_.crc;
  uint64_t len = prefix_.length;
  const size_t row_bytes = size_t(w_.ni) * 4;
  for (int j = 0; j < w_.nj; ++j) {
    const float* row = mm + size_t(j) * w_.ni;  // mm over one hour == mm/hr
    deflate_flush(z, row, row_bytes, out);
    crc = crc32_combine(crc, crc32(0L, (const Bytef*)row, uInt(row_bytes)), z_off_t(row_bytes));
    len += row_bytes;
    const CompressedRun& c = j + 1 < w_.nj ? gap_ : suffix_;
    out += c.bytes;
    crc = crc32_combine(crc, c.crc, z_off_t(c.length));
    len += c.length;
  }
  out.push_back('\x03');  // final empty fixed-Huffman block
  out.push_back('\x00');
  put_le32(out, uint32_t(crc));
  put_le32(out, uint32_t(len));
  write_file(path, out);
  return path;
}

CmorphWriter::CmorphWriter(const NativeWindow& w, bool unpacked) : w_(w), unpacked_(unpacked) {
  if (unpacked_) return;
  const Bz2Const c(kUndef);
  const uint64_t nx = uint64_t(w.lon_n), ny = uint64_t(w.lat_n);
  const uint64_t after = (nx - w.i0 - w.ni) + (ny - w.j0 - w.nj) * nx, before = uint64_t(w.j0) * nx + w.i0;
  prefix_ = c.run(before);
  gap_ = c.run(nx - w.ni);
  between_ = c.run(after + before);
  suffix_ = c.run(after);
  const std::vector<float> zeros(size_t(w.ni), 0.0f);
  zero_row_ = bz2_stream(zeros.data(), zeros.size() * 4, 1);
}

std::string CmorphWriter::write(const std::string& dir, UnixSeconds t, const float* first, const float* second) const {
  int y, m, d;
  ymd_from_day(DayNumber((t - ((t % 86400) + 86400) % 86400) / 86400), y, m, d);
  char sub[32];
  std::snprintf(sub, sizeof sub, "/%04d/%04d%02d/", y, y, m);
  const std::string path = dir + sub + date_parts(t, "CMORPH_V1.0_ADJ_8km-30min_%04d%02d%02d%02d") + (unpacked_ ? "" : ".bz2");
  if (unpacked_) {
    write_unpacked(path, w_, kUndef, {first, second}, 2.0f);  // mm per 30 min -> mm/hr
    return path;
  }
  std::string out = prefix_.bytes;
  std::vector<float> row(w_.ni);
  for (int rec = 0; rec < 2; ++rec) {
    const float* mm = rec == 0 ? first : second;
    for (int j = 0; j < w_.nj; ++j) {
      bool dry = true;
      for (int i = 0; i < w_.ni; ++i) {
        row[i] = mm[size_t(j) * w_.ni + i] * 2.0f;  // mm per 30 min -> mm/hr
        dry = dry && row[i] == 0.0f && !std::signbit(row[i]);
      }
      out += dry ? zero_row_ : bz2_stream(row.data(), row.size() * 4, 1);  // dry rows: the cached stream
      out += j + 1 < w_.nj ? gap_.bytes : rec == 0 ? between_.bytes : suffix_.bytes;
    }
  }
  write_file(path, out);
  return path;
}

std::string gunzip_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  const std::string in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string out;
  z_stream z{};
  if (inflateInit2(&z, 16 + 15) != Z_OK) throw std::runtime_error("inflateInit2");
  z.next_in = (Bytef*)in.data();
  z.avail_in = uInt(in.size());
  std::vector<char> buf(1 << 20);
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = (Bytef*)buf.data();
    z.avail_out = uInt(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw std::runtime_error(path + ": gzip data error");
    }
    out.append(buf.data(), buf.size() - z.avail_out);
  }
  const bool trailing = z.avail_in != 0;
  inflateEnd(&z);
  if (trailing) throw std::runtime_error(path + ": bytes after the gzip member");
  return out;
}

std::string bunzip2_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  const std::string in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string out;
  std::vector<char> buf(1 << 20);
  size_t pos = 0;
  while (pos < in.size()) {  // one bzip2 stream after another
    bz_stream s{};
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) throw std::runtime_error("BZ2_bzDecompressInit");
    s.next_in = (char*)in.data() + pos;
    s.avail_in = unsigned(in.size() - pos);
    int rc = BZ_OK;
    while (rc != BZ_STREAM_END) {
      s.next_out = buf.data();
      s.avail_out = unsigned(buf.size());
      rc = BZ2_bzDecompress(&s);
      if (rc != BZ_OK && rc != BZ_STREAM_END) {
        BZ2_bzDecompressEnd(&s);
        throw std::runtime_error(path + ": bzip2 data error at byte " + std::to_string(pos));
      }
      out.append(buf.data(), buf.size() - s.avail_out);
      if (rc == BZ_OK && s.avail_in == 0 && s.avail_out != 0) {
        BZ2_bzDecompressEnd(&s);
        throw std::runtime_error(path + ": truncated bzip2 stream");
      }
    }
    pos = in.size() - s.avail_in;
    BZ2_bzDecompressEnd(&s);
  }
  return out;
}

}  // namespace rf::io::synth

#include "io/grads/byte_source.h"

#include <bzlib.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace rf::io {
namespace {

class PlainSource : public ByteSource {
 public:
  explicit PlainSource(const std::string& p) : path_(p), f_(std::fopen(p.c_str(), "rb")) {
    if (!f_) throw std::runtime_error(p + ": cannot open");
  }
  ~PlainSource() override { std::fclose(f_); }
  void read(void* dst, size_t n) override {
    if (std::fread(dst, 1, n, f_) != n) throw std::runtime_error(path_ + ": truncated file (fewer bytes than the descriptor implies)");
  }
  // An unpacked global file is read for its window rows only; a seek past the
  // end shows as a truncated file at the next read.
  void skip(size_t n) override {
    if (fseeko(f_, off_t(n), SEEK_CUR) != 0) throw std::runtime_error(path_ + ": cannot seek (" + std::strerror(errno) + ")");
  }

 private:
  std::string path_;
  std::FILE* f_;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(const std::string& p) : path_(p), g_(gzopen(p.c_str(), "rb")) {
    if (!g_) throw std::runtime_error(p + ": cannot open");
    gzbuffer(g_, 1 << 18);
  }
  ~GzipSource() override { gzclose(g_); }
  void read(void* dst, size_t n) override {
    auto* d = static_cast<char*>(dst);
    while (n) {
      const unsigned chunk = unsigned(std::min<size_t>(n, 1u << 30));
      const int got = gzread(g_, d, chunk);
      if (got <= 0) {
        int err = 0;
        const char* msg = gzerror(g_, &err);
        throw std::runtime_error(path_ + ": " + (err != Z_OK && err != Z_BUF_ERROR ? std::string("corrupt gzip data: ") + msg
                                                                                   : std::string("truncated file (gzip data ends early)")));
      }
      d += got;
      n -= size_t(got);
    }
  }

 private:
  std::string path_;
  gzFile g_;
};

class Bzip2Source : public ByteSource {
 public:
  explicit Bzip2Source(const std::string& p) : path_(p), f_(std::fopen(p.c_str(), "rb")), in_(1 << 18) {
    if (!f_) throw std::runtime_error(p + ": cannot open");
    start_stream();
  }
  ~Bzip2Source() override {
    if (open_) BZ2_bzDecompressEnd(&s_);
    std::fclose(f_);
  }
  void read(void* dst, size_t n) override {
    s_.next_out = static_cast<char*>(dst);
    s_.avail_out = 0;
    while (n) {
      const unsigned chunk = unsigned(std::min<size_t>(n, 1u << 30));
      s_.avail_out = chunk;
      while (s_.avail_out) {
        if (!open_) {
          // Concatenated streams: a new one starts after BZ_STREAM_END while input remains.
          if (s_.avail_in == 0 && !refill()) truncated();
          start_stream();
        }
        if (s_.avail_in == 0 && !refill()) truncated();
        const int rc = BZ2_bzDecompress(&s_);
        if (rc == BZ_STREAM_END) {
          BZ2_bzDecompressEnd(&s_);
          open_ = false;
        } else if (rc != BZ_OK) {
          throw std::runtime_error(path_ + ": corrupt bzip2 data (libbz2 error " + std::to_string(rc) + ")");
        }
      }
      n -= chunk;
    }
  }

 private:
  void start_stream() {
    char* keep_in = s_.next_in;
    const unsigned keep_avail = s_.avail_in;
    char* keep_out = s_.next_out;
    const unsigned keep_out_avail = s_.avail_out;
    std::memset(&s_, 0, sizeof s_);
    if (BZ2_bzDecompressInit(&s_, 0, 0) != BZ_OK) throw std::runtime_error(path_ + ": bzip2 init failed");
    s_.next_in = keep_in, s_.avail_in = keep_avail, s_.next_out = keep_out, s_.avail_out = keep_out_avail;
    open_ = true;
  }
  bool refill() {
    const size_t got = std::fread(in_.data(), 1, in_.size(), f_);
    s_.next_in = in_.data();
    s_.avail_in = unsigned(got);
    return got > 0;
  }
  [[noreturn]] void truncated() { throw std::runtime_error(path_ + ": truncated file (bzip2 data ends early)"); }
  std::string path_;
  std::FILE* f_;
  std::vector<char> in_;
  bz_stream s_{};
  bool open_ = false;
};

}  // namespace

void ByteSource::skip(size_t n) {
  char buf[1 << 16];
  while (n) {
    const size_t k = std::min(n, sizeof buf);
    read(buf, k);
    n -= k;
  }
}

std::unique_ptr<ByteSource> ByteSource::open(const std::string& path) {
  unsigned char magic[3] = {0, 0, 0};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open");
  const size_t got = std::fread(magic, 1, 3, f);
  std::fclose(f);
  if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return std::make_unique<GzipSource>(path);
  if (got == 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') return std::make_unique<Bzip2Source>(path);
  return std::make_unique<PlainSource>(path);
}

}  // namespace rf::io

// Sequential reading of a plain, gzip (any number of members) or bzip2 (any
// number of concatenated streams, as pbzip2 and the synthetic twin write) file,
// chosen by the file's magic bytes (1F 8B gzip, "BZh" bzip2, anything else
// plain), never by its name. Decompression goes through Debian's zlib and
// libbz2; only the bytes up to the last one needed are ever decompressed.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace rf::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads exactly n bytes (throws naming the file when it ends early or is corrupt).
  virtual void read(void* dst, size_t n) = 0;
  // Passes over n bytes (a plain file seeks; compressed data is decompressed).
  virtual void skip(size_t n);
  static std::unique_ptr<ByteSource> open(const std::string& path);
};

}  // namespace rf::io

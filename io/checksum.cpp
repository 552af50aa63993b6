#include "io/checksum.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace rf::io {

uint32_t crc32_of(const void* data, size_t n, uint32_t crc) {
  return uint32_t(::crc32_z(crc, static_cast<const Bytef*>(data), n));
}

FileCrc file_crc32(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  FileCrc r;
  std::vector<unsigned char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    r.crc = crc32_of(buf.data(), n, r.crc);
    r.size += n;
  }
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw std::runtime_error(path + ": read error");
  return r;
}

}  // namespace rf::io

// CRC-32 (zlib's polynomial) of bytes and of files: what the prepare cache's
// manifest and the training checkpoints record, so that a truncated or
// bit-flipped file is detected instead of loaded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace rf::io {

uint32_t crc32_of(const void* data, size_t n, uint32_t crc = 0);  // crc: of the bytes before (chaining)
// The file's CRC-32 and size; throws naming the file when it cannot be read.
struct FileCrc {
  uint32_t crc = 0;
  uint64_t size = 0;
};
FileCrc file_crc32(const std::string& path);

}  // namespace rf::io

// Shared by the fuzz targets: the readers that take a path get the input as a
// file in a per-process scratch folder, and targets that need several strings
// (a file and its --set overrides, a time string and a value) split the input
// at NUL bytes, so the fuzzer mutates every part as text.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rf::fuzz {

// $TMPDIR/rainfuse-fuzz-<pid>: created on first use; scripts/fuzz points
// TMPDIR into build-fuzz/ so a crashed run leaves nothing in /tmp.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("rainfuse-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes `bytes` to scratch_dir()/name (replacing it) and returns the path.
inline std::string scratch_file(const std::string& name, const std::string& bytes) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

inline std::string as_string(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// The input split at NUL bytes into at most `max_parts` parts (the last keeps any further NULs).
inline std::vector<std::string> nul_parts(const uint8_t* data, size_t size, size_t max_parts) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && parts.size() < max_parts) parts.emplace_back();
    else parts.back() += char(data[i]);
  }
  return parts;
}

}  // namespace rf::fuzz

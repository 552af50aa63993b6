// File-system helper of the twin's writers.
#pragma once
#include <filesystem>
#include <string>

namespace rf::io::synth {

// Creates the parent directories of a file path.
inline void make_parent_dirs(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

}  // namespace rf::io::synth

// A fresh directory under /tmp for one test, removed with everything in it.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace rf::testing {

struct TmpDir {
  std::filesystem::path path;
  explicit TmpDir(const std::string& tag = "test") {
    std::string t = "/tmp/rainfuse-" + tag + "-XXXXXX";
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed for " + t);
    path = t;
  }
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;
};

}  // namespace rf::testing

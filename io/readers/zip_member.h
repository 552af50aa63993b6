// Members of a zip archive (the new CDS delivers requests mixing accumulated
// and instantaneous fields as one), read in place with libzip. A member is
// copied to a temporary file rather than opened in memory (nc_open_mem):
// netCDF-C and ecCodes both open paths, so netCDF and GRIB members take the
// same code path as plain files, and the copy lives no longer than its TempFile.
#pragma once
#include <cstddef>
#include <string>
#include <utility>

struct zip;

namespace rf::io {

// A file created with mkstemp under $TMPDIR (default /tmp), removed when destroyed.
class TempFile {
 public:
  TempFile();
  ~TempFile();
  TempFile(TempFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path);  // throws naming the file when it is no readable zip
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;
  size_t size() const { return n_; }
  std::string name(size_t k) const;
  TempFile extract(size_t k) const;  // throws naming archive and member on a damaged member

 private:
  std::string path_;
  struct zip* z_ = nullptr;
  size_t n_ = 0;
};

}  // namespace rf::io

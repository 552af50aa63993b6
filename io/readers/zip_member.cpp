#include "io/readers/zip_member.h"

#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace rf::io {

TempFile::TempFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/rainfuse-zip-XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file " + tmpl);
  close(fd);
  path_ = tmpl;
}

TempFile::~TempFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

ZipArchive::ZipArchive(const std::string& path) : path_(path) {
  int err = 0;
  z_ = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z_) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    const std::string msg = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw std::runtime_error(path + ": not a readable zip archive (" + msg + ")");
  }
  n_ = size_t(zip_get_num_entries(z_, 0));
}

ZipArchive::~ZipArchive() { zip_discard(z_); }

std::string ZipArchive::name(size_t k) const {
  const char* n = zip_get_name(z_, zip_uint64_t(k), 0);
  return n ? n : "";
}

TempFile ZipArchive::extract(size_t k) const {
  const std::string what = path_ + ": member '" + name(k) + "'";
  zip_file_t* f = zip_fopen_index(z_, zip_uint64_t(k), 0);
  if (!f) throw std::runtime_error(what + " cannot be opened (" + zip_strerror(z_) + ")");
  TempFile t;
  FILE* out = std::fopen(t.path().c_str(), "wb");
  std::vector<char> buf(1 << 20);
  bool ok = out != nullptr;
  for (zip_int64_t n; ok && (n = zip_fread(f, buf.data(), buf.size())) != 0;)
    ok = n > 0 && std::fwrite(buf.data(), 1, size_t(n), out) == size_t(n);
  const std::string zerr = zip_file_strerror(f);
  zip_fclose(f);
  if (out && std::fclose(out) != 0) ok = false;
  if (!ok) throw std::runtime_error(what + " cannot be extracted to " + t.path() + " (" + zerr + ")");
  return t;
}

}  // namespace rf::io

#include "io/synth/zip_writer.h"

#include <zip.h>

#include <stdexcept>

namespace rf::io::synth {

void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error(path + ": cannot create zip (libzip error " + std::to_string(err) + ")");
  for (const auto& [name, file] : members) {
    zip_source_t* s = zip_source_file(z, file.c_str(), 0, -1);
    const zip_int64_t k = s ? zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
    if (k < 0) {
      if (s) zip_source_free(s);
      const std::string msg = zip_strerror(z);
      zip_discard(z);
      throw std::runtime_error(path + ": cannot add " + file + " (" + msg + ")");
    }
    zip_file_set_mtime(z, zip_uint64_t(k), 315532800, 0);  // 1980-01-01, the DOS epoch
  }
  if (zip_close(z) != 0) {
    const std::string msg = zip_strerror(z);
    zip_discard(z);
    throw std::runtime_error(path + ": cannot write zip (" + msg + ")");
  }
}

}  // namespace rf::io::synth

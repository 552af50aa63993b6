#include "io/readers/era5.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "io/readers/accumulation.h"
#include "io/readers/era5_fields.h"
#include "io/readers/zip_member.h"

namespace rf::io {
namespace {

enum class Kind { NetCDF, Grib, Zip, Unknown };

// The format from the first bytes; `head` gets them in hex for the error message.
Kind sniff(const std::string& path, const std::string& shown, std::string& head) {
  unsigned char b[8] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(shown + ": cannot open");
  const size_t n = std::fread(b, 1, sizeof b, f);
  std::fclose(f);
  if (n == 0) throw std::runtime_error(shown + ": empty file");
  for (size_t k = 0; k < n && k < 4; ++k) {
    char x[4];
    std::snprintf(x, sizeof x, "%s%02x", k ? " " : "", b[k]);
    head += x;
  }
  if (n >= 4 && std::memcmp(b, "PK\x03\x04", 4) == 0) return Kind::Zip;
  if (n >= 4 && std::memcmp(b, "GRIB", 4) == 0) return Kind::Grib;
  if (n >= 4 && std::memcmp(b, "CDF", 3) == 0 && (b[3] == 1 || b[3] == 2 || b[3] == 5)) return Kind::NetCDF;
  if (n >= 8 && std::memcmp(b, "\x89HDF\r\n\x1a\n", 8) == 0) return Kind::NetCDF;
  return Kind::Unknown;
}

Era5Fields read_fields(const std::string& path, const std::string& shown, const ReaderOptions& opt, bool in_zip) {
  std::string head;
  switch (sniff(path, shown, head)) {
    case Kind::NetCDF: return read_era5_nc(path, shown, opt);
    case Kind::Grib: return read_era5_grib(path, shown, opt);
    case Kind::Unknown:
      throw std::runtime_error(shown + ": neither netCDF, GRIB nor zip (first bytes " + head +
                               "; an HTML error page or a truncated download?)");
    case Kind::Zip: break;
  }
  if (in_zip) throw std::runtime_error(shown + ": a zip inside a zip is not read");
  // The member holding tp: the accumulated-fields one, whatever it is named.
  const ZipArchive z(path);
  std::optional<TempFile> picked;
  std::string picked_name, names;
  for (size_t k = 0; k < z.size(); ++k) {
    const std::string name = z.name(k);
    if (name.empty() || name.back() == '/') continue;
    names += (names.empty() ? "" : ", ") + name;
    TempFile t = z.extract(k);
    std::string member_head;
    const Kind kind = sniff(t.path(), path + ":" + name, member_head);
    const bool tp = kind == Kind::NetCDF ? nc_has_tp(t.path()) : kind == Kind::Grib && grib_has_tp(t.path());
    if (!tp) continue;
    if (picked) throw std::runtime_error(path + ": members '" + picked_name + "' and '" + name + "' both hold tp");
    picked.emplace(std::move(t));
    picked_name = name;
  }
  if (!picked) throw std::runtime_error(path + ": no zip member holds tp (members: " + (names.empty() ? "none" : names) + ")");
  return read_fields(picked->path(), path + ":" + picked_name, opt, true);
}

}  // namespace

FileSteps read_era5_file(const std::string& path, const ReaderOptions& opt) {
  Era5Fields f = read_fields(path, path, opt, false);
  return deaccumulate(std::move(f.grid), std::move(f.fields), opt.keep_from, opt.keep_to, path);
}

}  // namespace rf::io

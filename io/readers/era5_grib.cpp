// ERA5 / ERA5-Land tp from GRIB 1 or 2 through ecCodes, one field per message.
// tp is paramId 228 (shortName tp, units m); other parameters are skipped. Each
// message states its interval: it ends at validityDate/validityTime and covers
// endStep - startStep hours (ERA5: one hour, e.g. "6-7" from the 18 UTC
// forecast or "0-1"; ERA5-Land: "0-h" from 00 UTC, so its de-accumulation needs
// no guessing). Only regular_ll grids are read, in either scanning direction and
// with longitudes 0..360 or -180..180, windowed like NcField (region + halo).
// Bitmap-missing points are NaN.
#include <eccodes.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "io/readers/era5_fields.h"
#include "io/readers/window.h"

namespace rf::io {
namespace {

using File = std::unique_ptr<FILE, int (*)(FILE*)>;
using Handle = std::unique_ptr<codes_handle, int (*)(codes_handle*)>;

File open_file(const std::string& path, const std::string& shown) {
  File f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw std::runtime_error(shown + ": cannot open");
  return f;
}

// The next message (null at the end of the file).
Handle next_message(FILE* f, const std::string& shown, int index) {
  int err = 0;
  Handle h(codes_handle_new_from_file(nullptr, f, PRODUCT_GRIB, &err), &codes_handle_delete);
  if (err) throw std::runtime_error(shown + ": GRIB message " + std::to_string(index) + " cannot be decoded (" +
                                    codes_get_error_message(err) + "; truncated or corrupt file?)");
  return h;
}

struct Message {
  codes_handle* h;
  std::string what;  // "file: message N"
  long get_long(const char* key) const {
    long v = 0;
    if (const int e = codes_get_long(h, key, &v)) fail(key, e);
    return v;
  }
  double get_double(const char* key) const {
    double v = 0;
    if (const int e = codes_get_double(h, key, &v)) fail(key, e);
    return v;
  }
  std::string get_string(const char* key) const {
    char b[256];
    size_t n = sizeof b;
    if (const int e = codes_get_string(h, key, b, &n)) fail(key, e);
    return b;
  }
  [[noreturn]] void fail(const char* key, int e) const {
    throw std::runtime_error(what + ": key '" + key + "' unreadable (" + codes_get_error_message(e) + ")");
  }
  [[noreturn]] void fail(const std::string& problem) const { throw std::runtime_error(what + " " + problem); }
};

// Centres of a GRIB axis in scanning order: first .. last in n points; a
// longitude axis that crosses the seam keeps increasing (350 .. 370).
std::vector<double> grib_axis(double first, double last, long n, bool increasing, bool lon) {
  if (lon && increasing && last < first) last += 360;
  if (lon && !increasing && last > first) last -= 360;
  std::vector<double> a(static_cast<size_t>(n));
  for (long k = 0; k < n; ++k) a[size_t(k)] = n > 1 ? first + double(k) * (last - first) / double(n - 1) : first;
  return a;
}

UnixSeconds validity(const Message& m) {
  const long d = m.get_long("validityDate"), t = m.get_long("validityTime");
  return day_start(day_from_ymd(int(d / 10000), int(d / 100 % 100), int(d % 100))) + (t / 100) * 3600 + (t % 100) * 60;
}

bool is_tp(codes_handle* h) {
  long p = 0;
  return codes_get_long(h, "paramId", &p) == 0 && p == 228;
}

}  // namespace

bool grib_has_tp(const std::string& path) {
  File f = open_file(path, path);
  for (;;) {
    int err = 0;
    Handle h(codes_handle_new_from_file(nullptr, f.get(), PRODUCT_GRIB, &err), &codes_handle_delete);
    if (!h || err) return false;
    if (is_tp(h.get())) return true;
  }
}

Era5Fields read_era5_grib(const std::string& path, const std::string& shown, const ReaderOptions& opt) {
  File f = open_file(path, shown);
  Era5Fields out;
  IndexWindow win;
  std::string grid_key;  // the first tp message's grid
  long ni = 0, nj = 0;
  bool lon_consecutive = true;
  int index = 0;
  for (Handle h = next_message(f.get(), shown, ++index); h; h = next_message(f.get(), shown, ++index)) {
    if (!is_tp(h.get())) continue;
    const Message m{h.get(), shown + ": message " + std::to_string(index)};
    const std::string grid_type = m.get_string("gridType");
    if (grid_type != "regular_ll") m.fail("is not on a regular lat/lon grid (gridType=" + grid_type + ")");
    const std::string units = m.get_string("units");
    if (units != "m") m.fail("tp units '" + units + "' are not the expected 'm'");
    const std::string step_type = m.get_string("stepType");
    if (step_type != "accum") m.fail("tp is not an accumulation (stepType=" + step_type + ")");
    const double lat1 = m.get_double("latitudeOfFirstGridPointInDegrees"), lat2 = m.get_double("latitudeOfLastGridPointInDegrees"),
                 lon1 = m.get_double("longitudeOfFirstGridPointInDegrees"), lon2 = m.get_double("longitudeOfLastGridPointInDegrees");
    const long mi = m.get_long("Ni"), mj = m.get_long("Nj"), ineg = m.get_long("iScansNegatively"),
               jpos = m.get_long("jScansPositively"), jcons = m.get_long("jPointsAreConsecutive");
    char key[160];
    std::snprintf(key, sizeof key, "%ld %ld %.6f %.6f %.6f %.6f %ld %ld %ld", mi, mj, lat1, lat2, lon1, lon2, ineg, jpos, jcons);
    if (grid_key.empty()) {
      grid_key = key, ni = mi, nj = mj, lon_consecutive = jcons == 0;
      const auto lon = grib_axis(lon1, lon2, mi, ineg == 0, true), lat = grib_axis(lat1, lat2, mj, jpos != 0, false);
      win = region_window(lon, lat, opt.region, opt.halo, m.what);
      out.grid = window_grid(lon, lat, win);
    } else if (grid_key != key) {
      m.fail("is on another grid than the file's first tp message (" + std::string(key) + " vs " + grid_key + ")");
    }
    size_t len = 1;
    codes_set_string(h.get(), "stepUnits", "h", &len);  // startStep/endStep in hours
    const long s0 = m.get_long("startStep"), s1 = m.get_long("endStep");
    if (s1 <= s0) m.fail("tp step range " + std::to_string(s0) + "-" + std::to_string(s1) + " h is no accumulation interval");
    const UnixSeconds end = validity(m);
    if (!era5_field_needed(end, opt)) continue;  // not decoded
    size_t n = 0;
    codes_get_size(h.get(), "values", &n);
    if (n != size_t(ni * nj)) m.fail("has " + std::to_string(n) + " values for a " + std::to_string(ni) + " x " + std::to_string(nj) + " grid");
    std::vector<double> v(n);
    if (const int e = codes_get_double_array(h.get(), "values", v.data(), &n)) m.fail("values", e);
    const bool bitmap = m.get_long("bitmapPresent") != 0;
    const double missing = m.get_double("missingValue");
    double noise = 1e-7;  // m: negative packing noise clamps to 0, more negative values are missing
    codes_get_double(h.get(), "packingError", &noise);
    noise = std::max(noise, 1e-7);
    Accumulation a{end - (s1 - s0) * 3600, end, std::vector<float>(win.ni * win.nj)};
    for (size_t j = 0; j < win.nj; ++j)
      for (size_t i = 0; i < win.ni; ++i) {
        const size_t gi = win.i0 + i, gj = win.j0 + j;
        const double x = v[lon_consecutive ? gj * size_t(ni) + gi : gi * size_t(nj) + gj];
        float& o = a.mm[j * win.ni + i];
        if (bitmap && x == missing) o = NAN;
        else if (x < 0) o = x >= -noise ? 0.f : NAN;
        else o = float(x * 1000.0);
      }
    out.fields.push_back(std::move(a));
  }
  if (grid_key.empty()) throw std::runtime_error(shown + ": no tp field (paramId 228) in its " + std::to_string(index - 1) + " GRIB messages");
  return out;
}

}  // namespace rf::io

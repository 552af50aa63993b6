#include "io/synth/era5_grib.h"

#include <eccodes.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <memory>
#include <stdexcept>

#include "io/dates.h"

namespace rf::io::synth {
namespace {

void check(int e, const std::string& path, const char* what) {
  if (e) throw std::runtime_error(path + ": GRIB " + what + ": " + codes_get_error_message(e));
}

}  // namespace

void write_era5_grib(const std::string& path, const Grid& g, const std::vector<int64_t>& stamps,
                     const std::vector<float>& metres, bool land) {
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!out) throw std::runtime_error(path + ": cannot create");
  const size_t n = g.size();
  std::vector<double> v(n);
  for (size_t t = 0; t < stamps.size(); ++t) {
    std::unique_ptr<codes_handle, int (*)(codes_handle*)> h(codes_grib_handle_new_from_samples(nullptr, "regular_ll_sfc_grib1"),
                                                             &codes_handle_delete);
    if (!h) throw std::runtime_error(path + ": ecCodes sample regular_ll_sfc_grib1 not found");
    codes_handle* m = h.get();
    const int64_t end = stamps[t];
    auto floor_mod = [](int64_t a, int64_t m) { return (a % m + m) % m; };
    const int64_t base = land ? end - 1 - floor_mod(end - 1, 86400)  // 00 UTC of the hour's day
                              : end - 3600 - floor_mod(end - 3600 - 6 * 3600, 12 * 3600);  // the 06/18 UTC forecast
    int y, mo, d;
    ymd_from_day(DayNumber((base - floor_mod(base, 86400)) / 86400), y, mo, d);
    const long hours = long((end - base) / 3600), hh = long(floor_mod(base, 86400) / 3600);
    char range[48];
    std::snprintf(range, sizeof range, "%ld-%ld", land ? 0 : hours - 1, hours);
    size_t len;
    check(codes_set_long(m, "paramId", 228), path, "paramId");
    check(codes_set_long(m, "dataDate", long(y) * 10000 + mo * 100 + d), path, "dataDate");
    check(codes_set_long(m, "dataTime", hh * 100), path, "dataTime");
    len = 5;
    check(codes_set_string(m, "stepType", "accum", &len), path, "stepType");
    len = std::char_traits<char>::length(range);
    check(codes_set_string(m, "stepRange", range, &len), path, "stepRange");
    check(codes_set_long(m, "Ni", long(g.nx())), path, "Ni");
    check(codes_set_long(m, "Nj", long(g.ny())), path, "Nj");
    check(codes_set_long(m, "iScansNegatively", 0), path, "iScansNegatively");
    check(codes_set_long(m, "jScansPositively", g.lat.back() > g.lat.front()), path, "jScansPositively");
    check(codes_set_double(m, "latitudeOfFirstGridPointInDegrees", g.lat.front()), path, "lat1");
    check(codes_set_double(m, "longitudeOfFirstGridPointInDegrees", g.lon.front()), path, "lon1");
    check(codes_set_double(m, "latitudeOfLastGridPointInDegrees", g.lat.back()), path, "lat2");
    check(codes_set_double(m, "longitudeOfLastGridPointInDegrees", g.lon.back()), path, "lon2");
    check(codes_set_double(m, "iDirectionIncrementInDegrees", std::abs(g.lon[1] - g.lon[0])), path, "di");
    check(codes_set_double(m, "jDirectionIncrementInDegrees", std::abs(g.lat[1] - g.lat[0])), path, "dj");
    check(codes_set_long(m, "bitsPerValue", 16), path, "bitsPerValue");
    bool any_missing = false;
    for (size_t k = 0; k < n; ++k) {
      const float x = metres[t * n + k];
      any_missing |= std::isnan(x);
      v[k] = std::isnan(x) ? 9999.0 : double(x);
    }
    if (any_missing) {
      check(codes_set_double(m, "missingValue", 9999.0), path, "missingValue");
      check(codes_set_long(m, "bitmapPresent", 1), path, "bitmapPresent");
    }
    check(codes_set_double_array(m, "values", v.data(), n), path, "values");
    const void* msg;
    size_t size;
    check(codes_get_message(m, &msg, &size), path, "message");
    if (std::fwrite(msg, 1, size, out.get()) != size) throw std::runtime_error(path + ": write failed");
  }
}

}  // namespace rf::io::synth

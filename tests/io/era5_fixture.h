// Writers of small ERA5 files in the layouts the CDS delivers besides plain
// netCDF (readers_fixture.h): GRIB messages through ecCodes (from its
// regular_ll / reduced_gg samples, keys as the WMO/ECMWF GRIB 1 and 2
// definitions name them) and zip archives through libzip; plus ERA5-Land's
// accumulation of hourly amounts (from 00 UTC: 01 UTC = the first hour,
// 00 UTC = the whole previous day).
#pragma once
#include <eccodes.h>
#include <zip.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/dates.h"

namespace rf::io::test {

struct GribField {
  const char* sample = "regular_ll_sfc_grib1";
  long param = 228;
  double lon1 = 0, lon2 = 0, lat1 = 0, lat2 = 0;  // first / last centres in scanning order
  long ni = 0, nj = 0;
  bool i_negative = false, j_positive = false;
  long date = 0, time = 0;  // dataDate YYYYMMDD, dataTime HHMM
  std::string step_range;   // "a-b" hours
  std::vector<double> m;    // values in scanning order (i fastest), NaN = missing (bitmap)
};

inline void grib_ok(int e, const char* what) {
  if (e) throw std::runtime_error(std::string("GRIB ") + what + ": " + codes_get_error_message(e));
}

// Appends one message to `f`.
inline void write_grib(FILE* f, const GribField& g) {
  codes_handle* h = codes_grib_handle_new_from_samples(nullptr, g.sample);
  if (!h) throw std::runtime_error(std::string("no ecCodes sample ") + g.sample);
  size_t len;
  // GRIB 2 tp is a statistically processed field: product template 4.8 first.
  if (g.param == 228 && std::string(g.sample).find("grib2") != std::string::npos)
    grib_ok(codes_set_long(h, "productDefinitionTemplateNumber", 8), "productDefinitionTemplateNumber");
  grib_ok(codes_set_long(h, "paramId", g.param), "paramId");
  grib_ok(codes_set_long(h, "dataDate", g.date), "dataDate");
  grib_ok(codes_set_long(h, "dataTime", g.time), "dataTime");
  if (g.param == 228) {
    len = 5;
    grib_ok(codes_set_string(h, "stepType", "accum", &len), "stepType");
    len = g.step_range.size();
    grib_ok(codes_set_string(h, "stepRange", g.step_range.c_str(), &len), "stepRange");
  }
  std::vector<double> v(g.m);
  if (std::string(g.sample).find("regular_ll") != std::string::npos) {
    grib_ok(codes_set_long(h, "Ni", g.ni), "Ni");
    grib_ok(codes_set_long(h, "Nj", g.nj), "Nj");
    grib_ok(codes_set_long(h, "iScansNegatively", g.i_negative), "iScansNegatively");
    grib_ok(codes_set_long(h, "jScansPositively", g.j_positive), "jScansPositively");
    grib_ok(codes_set_double(h, "latitudeOfFirstGridPointInDegrees", g.lat1), "lat1");
    grib_ok(codes_set_double(h, "longitudeOfFirstGridPointInDegrees", g.lon1), "lon1");
    grib_ok(codes_set_double(h, "latitudeOfLastGridPointInDegrees", g.lat2), "lat2");
    grib_ok(codes_set_double(h, "longitudeOfLastGridPointInDegrees", g.lon2), "lon2");
    grib_ok(codes_set_double(h, "iDirectionIncrementInDegrees", std::abs(g.lon2 - g.lon1) / double(g.ni - 1)), "di");
    grib_ok(codes_set_double(h, "jDirectionIncrementInDegrees", std::abs(g.lat2 - g.lat1) / double(g.nj - 1)), "dj");
    grib_ok(codes_set_long(h, "bitsPerValue", 16), "bitsPerValue");
    bool missing = false;
    for (double& x : v)
      if (std::isnan(x)) x = 9999.0, missing = true;
    if (missing) {
      grib_ok(codes_set_double(h, "missingValue", 9999.0), "missingValue");
      grib_ok(codes_set_long(h, "bitmapPresent", 1), "bitmapPresent");
    }
  } else {
    codes_get_size(h, "values", &len);
    v.assign(len, 0.001);
  }
  grib_ok(codes_set_double_array(h, "values", v.data(), v.size()), "values");
  const void* msg;
  size_t size;
  grib_ok(codes_get_message(h, &msg, &size), "message");
  std::fwrite(msg, 1, size, f);
  codes_handle_delete(h);
}

inline void write_grib_file(const std::string& path, const std::vector<GribField>& fields) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot create");
  for (const auto& g : fields) write_grib(f, g);
  std::fclose(f);
}

// A zip of (name in archive, file) members.
inline void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error(path + ": zip_open failed");
  for (const auto& [name, file] : members) {
    zip_source_t* s = zip_source_file(z, file.c_str(), 0, -1);
    if (!s || zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8) < 0) throw std::runtime_error(path + ": zip add failed");
  }
  if (zip_close(z) != 0) throw std::runtime_error(path + ": zip_close failed");
}

// GRIB dataDate/dataTime of an instant.
inline void grib_date_time(UnixSeconds t, long& date, long& time) {
  const DayNumber d = DayNumber((t - ((t % 86400) + 86400) % 86400) / 86400);
  int y, m, dd;
  ymd_from_day(d, y, m, dd);
  date = long(y) * 10000 + m * 100 + dd;
  time = long(t - day_start(d)) / 3600 * 100;
}

// ERA5-Land accumulations of hourly amounts h[t][cells] at hour-ending stamps
// (consecutive hours): since 00 UTC of the day holding each hour.
inline std::vector<float> land_accumulate(const std::vector<UnixSeconds>& stamps, const std::vector<float>& h, size_t n) {
  std::vector<float> acc(h.size());
  for (size_t t = 0; t < stamps.size(); ++t)
    for (size_t k = 0; k < n; ++k) {
      const bool first_hour = ((stamps[t] % 86400) + 86400) % 86400 == 3600;
      acc[t * n + k] = (first_hour || t == 0 ? 0.f : acc[(t - 1) * n + k]) + h[t * n + k];
    }
  return acc;
}

}  // namespace rf::io::test

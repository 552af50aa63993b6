// GSMaP Gauge hourly as netCDF (JAXA's distribution since 2024 beside the
// .dat.gz one): the gauge-calibrated rate `hourlyPrecipRateGC` (mm/hr) on the
// 0.1-degree Latitude x Longitude grid, read through the CF machinery (axes in
// either order and direction, _FillValue, negative codes missing). The hour
// comes from the file name and starts there, as for the .dat files; the
// satellite-only `hourlyPrecipRate` (GSMaP_MVK) is refused, not substituted.
#include <cstdio>
#include <stdexcept>

#include "io/readers/nc_field.h"
#include "io/readers/products.h"

namespace rf::io {
namespace {

// YYYYMMDDHH (or YYMMDDHH with `two_digit_year`) at p -> the hour's start.
std::optional<UnixSeconds> hour_at(const std::string& s, size_t p, bool two_digit_year) {
  int y, m, d, h;
  const char* fmt = two_digit_year ? "%2d%2d%2d%2d" : "%4d%2d%2d%2d";
  const size_t digits = two_digit_year ? 8 : 10;
  if (s.size() < p + digits) return std::nullopt;
  for (size_t k = p; k < p + digits; ++k)
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  if (std::sscanf(s.c_str() + p, fmt, &y, &m, &d, &h) != 4 || h > 23) return std::nullopt;
  if (two_digit_year) y += 2000;
  try {
    return day_start(day_from_ymd(y, m, d)) + h * 3600;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<UnixSeconds> gsmap_nc_hour_from_name(const std::string& b) {
  // gsmap_gauge.YYYYMMDD.HH00.<version>.nc (the .dat naming with .nc)
  if (b.rfind("gsmap_gauge.", 0) == 0 && b.size() > 25 && b[20] == '.' && b.compare(23, 3, "00.") == 0) {
    return hour_at(b.substr(12, 8) + b.substr(21, 2), 0, false);
  }
  // G-Portal: GPMMRG_MAP_YYMMDDHHMM_H_L3S_...nc (hourly, minutes 00)
  const size_t k = b.find("GPMMRG_MAP_");
  if (k != std::string::npos && b.size() > k + 23 && b.compare(k + 19, 4, "00_H") == 0) return hour_at(b, k + 11, true);
  return std::nullopt;
}

FileSteps ProductReader::read_gsmap_nc(const std::string& path) const {
  const std::string base = path.substr(path.find_last_of('/') + 1);
  const auto hour = gsmap_nc_hour_from_name(base);
  if (!hour)
    throw std::runtime_error(path + ": not a GSMaP hourly netCDF name (gsmap_gauge.YYYYMMDD.HH00.*.nc or "
                             "GPMMRG_MAP_YYMMDDHH00_H_*.nc)");
  const NcFieldSpec spec{{"hourlyPrecipRateGC", "hourlyPrecipRate"}, {"", "Grid"},
                         {"mm/hr", "mm/h", "mm hr-1", "mm h-1", "mm/hour"}, true, 1.0 / 3600, 0};
  NcField f(path, spec, opt_.region, opt_.halo);
  if (f.var().find("hourlyPrecipRateGC") == std::string::npos)
    f.fail("satellite-only GSMaP_MVK rate, not the gauge-calibrated hourlyPrecipRateGC the gsmap source reads");
  if (f.nt() != 1) f.fail("expected one hour per file, found " + std::to_string(f.nt()) + " time steps");
  FileSteps out{f.grid(), {}};
  if (keep(*hour, 3600)) out.steps.push_back(Step{*hour, 3600, f.read_mm(0, 3600)});
  return out;
}

}  // namespace rf::io

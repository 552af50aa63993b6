// ERA5 tp from netCDF: the legacy CDS netCDF-3 (`time` hours since 1900, int16
// packed, maybe an `expver` axis) and the new CDS netCDF-4 (`valid_time`
// seconds since 1970), through NcField. netCDF does not store the interval tp
// is accumulated over, so ERA5-Land (accumulated from 00 UTC) is recognised:
//   * a global attribute (dataset, title, source, history, summary) naming
//     ERA5-Land: its values must then never fall within a UTC day, or the file
//     is refused (it would be de-accumulated twice otherwise);
//   * or a 0.1-degree grid (ERA5-Land's) whose values never fall from one hour
//     to the next within a UTC day (hourly ERA5 regridded to 0.1 rises and falls).
// Everything else is hourly ERA5: tp over the hour ending at the stamp.
#include <netcdf.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "io/readers/cf_time.h"
#include "io/readers/era5_fields.h"
#include "io/readers/nc_field.h"

namespace rf::io {
namespace {

constexpr double kFallToleranceMm = 0.01;  // int16 packing noise of a month of accumulations

std::string land_claim(const NcField& f) {
  for (const char* a : {"dataset", "title", "source", "history", "summary"}) {
    std::string v = f.global_attribute(a);
    for (char& c : v) c = char(std::tolower(static_cast<unsigned char>(c)));
    for (const char* s : {"era5-land", "era5_land", "era5 land"})
      if (v.find(s) != std::string::npos) return a;
  }
  return "";
}

bool tenth_degree(const Grid& g) {
  auto step = [](const std::vector<double>& a) { return a.size() >= 2 ? std::abs(a[1] - a[0]) : 0.0; };
  return std::abs(step(g.lon) - 0.1) < 1e-4 && std::abs(step(g.lat) - 0.1) < 1e-4;
}

// 00 UTC of the day holding the hour that ends at `end` (ERA5-Land's accumulation start).
UnixSeconds land_start(UnixSeconds end) {
  const UnixSeconds t = end - 1;
  return (t >= 0 ? t / 86400 : (t - 86399) / 86400) * 86400;
}

std::string hhmm(UnixSeconds t) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d:00", int(((t % 86400) + 86400) % 86400 / 3600));
  return b;
}

// The first fall between consecutive hours of one UTC day ("" if none) under
// the ERA5-Land reading; `pairs` counts the hour pairs compared. f: sorted by end.
std::string first_fall(const std::vector<Accumulation>& f, const Grid& g, size_t& pairs) {
  pairs = 0;
  for (size_t k = 1; k < f.size(); ++k) {
    if (f[k].end - f[k - 1].end != 3600 || land_start(f[k].end) != land_start(f[k - 1].end)) continue;
    ++pairs;
    for (size_t c = 0; c < f[k].mm.size(); ++c)
      if (f[k].mm[c] < f[k - 1].mm[c] - kFallToleranceMm) {
        char b[160];
        std::snprintf(b, sizeof b, "falls by %.3g mm from %s to %s UTC on %s at %.2fE %.2fN",
                      double(f[k - 1].mm[c] - f[k].mm[c]), hhmm(f[k - 1].end).c_str(), hhmm(f[k].end).c_str(),
                      format_date(DayNumber(land_start(f[k].end) / 86400)).c_str(), g.lon[c % g.nx()], g.lat[c / g.nx()]);
        return b;
      }
  }
  return "";
}

}  // namespace

bool nc_has_tp(const std::string& path) {
  int nc, v;
  if (nc_open(path.c_str(), NC_NOWRITE, &nc) != NC_NOERR) return false;
  const bool has = nc_inq_varid(nc, "tp", &v) == NC_NOERR;
  nc_close(nc);
  return has;
}

Era5Fields read_era5_nc(const std::string& path, const std::string& shown, const ReaderOptions& opt) {
  const NcFieldSpec spec{{"tp"}, {""}, {"m"}, false, 1000.0, 1e-7};
  const NcField f(path, spec, opt.region, opt.halo, shown);
  const std::vector<UnixSeconds> ends = f.time_stamps();
  bool any_needed = false;
  for (const UnixSeconds e : ends) {
    if (e % 3600) f.fail("time " + format_utc_time(e) + " is not on the hour");
    any_needed |= era5_field_needed(e, opt);
  }
  Era5Fields out{f.grid(), {}};
  if (!any_needed) return out;
  // A possible ERA5-Land file is read whole: the test for never-falling values
  // needs consecutive hours, whichever hours are kept.
  const std::string claim = land_claim(f);
  const bool candidate = !claim.empty() || tenth_degree(out.grid);
  for (size_t k = 0; k < ends.size(); ++k)
    if (candidate || era5_field_needed(ends[k], opt)) out.fields.push_back({ends[k] - 3600, ends[k], f.read_mm(k, 3600)});
  std::sort(out.fields.begin(), out.fields.end(), [](const auto& a, const auto& b) { return a.end < b.end; });
  if (!candidate) return out;

  size_t pairs = 0;
  const std::string fall = first_fall(out.fields, out.grid, pairs);
  if (!claim.empty() && !fall.empty())
    f.fail("global attribute '" + claim + "' names ERA5-Land, but tp " + fall +
           ": not an accumulation from 00 UTC (already de-accumulated?); refusing to guess");
  if (claim.empty()) {
    if (!fall.empty()) return out;  // hourly ERA5 on a 0.1-degree grid
    const bool all_first_hours =
        std::all_of(out.fields.begin(), out.fields.end(), [](const auto& a) { return a.end == land_start(a.end) + 3600; });
    if (pairs == 0 && !all_first_hours)
      f.fail("0.1-degree tp without two consecutive hours of one day and without an attribute naming the dataset: "
             "cannot tell ERA5-Land (accumulated from 00 UTC) from hourly ERA5");
  }
  for (auto& a : out.fields) a.start = land_start(a.end);
  return out;
}

}  // namespace rf::io

// Writers of small product files in the distributed layouts (fact sheet §A),
// used by the reader / daily tests: ERA5 legacy (netCDF3, int16 packed, `time`
// hours since 1900) and new CDS (netCDF4, `valid_time`, NaN fill), IMERG HHR
// (HDF5 group /Grid, (time, lon, lat)), GLDAS (time_bnds), CMORPH netCDF.
#pragma once
#include <netcdf.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/dates.h"

namespace rf::io::test {

inline void ok(int st, const std::string& what) {
  if (st != NC_NOERR) throw std::runtime_error(what + ": " + nc_strerror(st));
}
inline void att(int nc, int v, const char* name, const std::string& s) { ok(nc_put_att_text(nc, v, name, s.size(), s.c_str()), name); }

inline std::vector<double> axis(double first, double inc, size_t n) {
  std::vector<double> a(n);
  for (size_t k = 0; k < n; ++k) a[k] = first + double(k) * inc;
  return a;
}

inline std::vector<float> rain(size_t n, uint32_t seed, float hi) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(0.f, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(g) < 0.3f * hi ? 0.f : u(g);
  return v;
}

// ERA5: mm_fields[t][lat][lon] in m (storage order), stamps = valid times (hour ending).
inline void write_era5(const std::string& path, bool legacy, const std::vector<double>& lon, const std::vector<double>& lat,
                       const std::vector<UnixSeconds>& stamps, const std::vector<float>& m, double scale = 1e-7,
                       double offset = 0.003) {
  if (m.size() != stamps.size() * lat.size() * lon.size())
    throw std::invalid_argument(path + ": write_era5 needs one field per stamp");
  int nc, dt, dy, dx, vt, vy, vx, vp;
  ok(nc_create(path.c_str(), NC_CLOBBER | (legacy ? NC_64BIT_OFFSET : NC_NETCDF4), &nc), "create");
  ok(nc_def_dim(nc, legacy ? "time" : "valid_time", legacy ? NC_UNLIMITED : stamps.size(), &dt), "dim");
  ok(nc_def_dim(nc, "latitude", lat.size(), &dy), "dim");
  ok(nc_def_dim(nc, "longitude", lon.size(), &dx), "dim");
  ok(nc_def_var(nc, "longitude", legacy ? NC_FLOAT : NC_DOUBLE, 1, &dx, &vx), "var");
  ok(nc_def_var(nc, "latitude", legacy ? NC_FLOAT : NC_DOUBLE, 1, &dy, &vy), "var");
  att(nc, vx, "units", "degrees_east");
  att(nc, vy, "units", "degrees_north");
  ok(nc_def_var(nc, legacy ? "time" : "valid_time", legacy ? NC_INT : NC_INT64, 1, &dt, &vt), "var");
  att(nc, vt, "units", legacy ? "hours since 1900-01-01 00:00:00.0" : "seconds since 1970-01-01");
  const int d3[3] = {dt, dy, dx};
  ok(nc_def_var(nc, "tp", legacy ? NC_SHORT : NC_FLOAT, 3, d3, &vp), "var");
  att(nc, vp, "units", "m");
  if (legacy) {
    const short fill = -32767;
    ok(nc_put_att_double(nc, vp, "scale_factor", NC_DOUBLE, 1, &scale), "sf");
    ok(nc_put_att_double(nc, vp, "add_offset", NC_DOUBLE, 1, &offset), "ao");
    ok(nc_put_att_short(nc, vp, "_FillValue", NC_SHORT, 1, &fill), "fill");
    ok(nc_put_att_short(nc, vp, "missing_value", NC_SHORT, 1, &fill), "mv");
  } else {
    const float fill = NAN;
    ok(nc_def_var_fill(nc, vp, 0, &fill), "fill");
    ok(nc_def_var_deflate(nc, vp, 1, 1, 1), "deflate");
  }
  ok(nc_enddef(nc), "enddef");
  ok(nc_put_var_double(nc, vx, lon.data()), "lon");
  ok(nc_put_var_double(nc, vy, lat.data()), "lat");
  const size_t n = lon.size() * lat.size();
  for (size_t t = 0; t < stamps.size(); ++t) {
    const size_t st[3] = {t, 0, 0}, ct[3] = {1, lat.size(), lon.size()};
    if (legacy) {
      const int h = int((stamps[t] - day_start(day_from_ymd(1900, 1, 1))) / 3600);
      ok(nc_put_var1_int(nc, vt, &t, &h), "time");
      std::vector<short> p(n);
      for (size_t k = 0; k < n; ++k)
        p[k] = std::isnan(m[t * n + k]) ? short(-32767) : short(std::lround((m[t * n + k] - offset) / scale));
      ok(nc_put_vara_short(nc, vp, st, ct, p.data()), "tp");
    } else {
      const long long s = stamps[t];
      ok(nc_put_var1_longlong(nc, vt, &t, &s), "time");
      ok(nc_put_vara_float(nc, vp, st, ct, m.data() + t * n), "tp");
    }
  }
  ok(nc_close(nc), "close");
}

// IMERG HHR: HDF5 (netCDF-4) group /Grid, precipitation(time=1, lon, lat) in mm/hr;
// rate is [lat][lon] (ascending lat), written transposed.
inline void write_imerg(const std::string& path, int version, const std::vector<double>& lon, const std::vector<double>& lat,
                        const std::vector<float>& rate, const char* units = "mm/hr") {
  int nc, g, dt, dx, dy, vt, vx, vy, vp;
  ok(nc_create(path.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), "create");
  ok(nc_def_grp(nc, "Grid", &g), "grp");
  ok(nc_def_dim(g, "time", 1, &dt), "dim");
  ok(nc_def_dim(g, "lon", lon.size(), &dx), "dim");
  ok(nc_def_dim(g, "lat", lat.size(), &dy), "dim");
  ok(nc_def_var(g, "time", NC_INT, 1, &dt, &vt), "var");
  att(g, vt, "units", version == 6 ? "seconds since 1970-01-01 00:00:00 UTC" : "seconds since 1980-01-06 00:00:00 UTC");
  ok(nc_def_var(g, "lon", NC_FLOAT, 1, &dx, &vx), "var");
  ok(nc_def_var(g, "lat", NC_FLOAT, 1, &dy, &vy), "var");
  const int d3[3] = {dt, dx, dy};
  ok(nc_def_var(g, version == 6 ? "precipitationCal" : "precipitation", NC_FLOAT, 3, d3, &vp), "var");
  const float fill = -9999.9f;
  ok(nc_def_var_fill(g, vp, 0, &fill), "fill");
  att(g, vp, "units", units);
  att(g, vp, "DimensionNames", "time,lon,lat");
  ok(nc_enddef(nc), "enddef");
  const int t0 = 0;
  ok(nc_put_var_int(g, vt, &t0), "time");
  ok(nc_put_var_double(g, vx, lon.data()), "lon");
  ok(nc_put_var_double(g, vy, lat.data()), "lat");
  std::vector<float> tr(rate.size());
  for (size_t j = 0; j < lat.size(); ++j)
    for (size_t i = 0; i < lon.size(); ++i) tr[i * lat.size() + j] = rate[j * lon.size() + i];
  ok(nc_put_var_float(g, vp, tr.data()), "precip");
  ok(nc_close(nc), "close");
}

// GLDAS: Rainf_f_tavg(time=1, lat, lon) kg m-2 s-1, time in days since 1948;
// bounds: with time_bnds (stamp = start), or none at all.
inline void write_gldas(const std::string& path, const std::vector<double>& lon, const std::vector<double>& lat,
                        UnixSeconds start, bool stamp_is_start, bool with_bounds, const std::vector<float>& rate) {
  int nc, dt, dy, dx, db, vt, vb = -1, vy, vx, vp;
  ok(nc_create(path.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), "create");
  ok(nc_def_dim(nc, "time", NC_UNLIMITED, &dt), "dim");
  ok(nc_def_dim(nc, "lat", lat.size(), &dy), "dim");
  ok(nc_def_dim(nc, "lon", lon.size(), &dx), "dim");
  ok(nc_def_dim(nc, "bnds", 2, &db), "dim");
  ok(nc_def_var(nc, "time", NC_DOUBLE, 1, &dt, &vt), "var");
  att(nc, vt, "units", "days since 1948-01-01 00:00:00");
  if (with_bounds) att(nc, vt, "bounds", "time_bnds");
  const int d2[2] = {dt, db};
  if (with_bounds) ok(nc_def_var(nc, "time_bnds", NC_DOUBLE, 2, d2, &vb), "var");
  ok(nc_def_var(nc, "lat", NC_FLOAT, 1, &dy, &vy), "var");
  ok(nc_def_var(nc, "lon", NC_FLOAT, 1, &dx, &vx), "var");
  const int d3[3] = {dt, dy, dx};
  ok(nc_def_var(nc, "Rainf_f_tavg", NC_FLOAT, 3, d3, &vp), "var");
  const float fill = -9999.f;
  ok(nc_def_var_fill(nc, vp, 0, &fill), "fill");
  att(nc, vp, "units", "kg m-2 s-1");
  ok(nc_enddef(nc), "enddef");
  const double d0 = double(start) / 86400.0 - day_from_ymd(1948, 1, 1);
  const double tb[2] = {d0, d0 + 0.125}, t = stamp_is_start ? tb[0] : tb[1];
  const size_t z[2] = {0, 0}, c2[2] = {1, 2};
  ok(nc_put_var1_double(nc, vt, z, &t), "time");
  if (with_bounds) ok(nc_put_vara_double(nc, vb, z, c2, tb), "bnds");
  ok(nc_put_var_double(nc, vy, lat.data()), "lat");
  ok(nc_put_var_double(nc, vx, lon.data()), "lon");
  const size_t st[3] = {0, 0, 0}, ct[3] = {1, lat.size(), lon.size()};
  ok(nc_put_vara_float(nc, vp, st, ct, rate.data()), "rate");
  ok(nc_close(nc), "close");
}

}  // namespace rf::io::test

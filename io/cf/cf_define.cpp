// The CF file skeleton (cf_define.h): metadata and coordinates through netCDF-C.
#include "io/cf/cf_define.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <limits>
#include <stdexcept>

#include "io/cf/nc_util.h"
#include "io/cf/qinghai_mask.h"

#ifndef RAINFUSE_VERSION
#define RAINFUSE_VERSION "unknown"
#endif

namespace rf::io {

namespace {

// Cell bounds from centres: midpoints, the outer ones half a step out.
std::vector<double> bounds_of(const std::vector<double>& c, double lo_clamp, double hi_clamp) {
  const size_t n = c.size();
  std::vector<double> b(2 * n);
  for (size_t i = 0; i < n; ++i) {
    const double lo = i > 0 ? 0.5 * (c[i - 1] + c[i]) : (n > 1 ? c[0] - 0.5 * (c[1] - c[0]) : c[0] - 0.5);
    const double hi = i + 1 < n ? 0.5 * (c[i] + c[i + 1]) : (n > 1 ? c[i] + 0.5 * (c[i] - c[i - 1]) : c[0] + 0.5);
    b[2 * i] = std::clamp(lo, lo_clamp, hi_clamp);
    b[2 * i + 1] = std::clamp(hi, lo_clamp, hi_clamp);
  }
  return b;
}

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void define_var(int ncid, const std::string& path, const char* name, nc_type type, int ndims, const int* dims,
                int& varid) {
  nc::check(nc_def_var(ncid, name, type, ndims, dims, &varid), path, std::string("defining ") + name);
}

}  // namespace

CfFileShape define_cf_file(const std::string& file, const std::string& path, const CfLayout& lay, bool steps,
                           bool steps_u8, const CfOptions& opt, const std::vector<CfDayVariable>& day_vars) {
  const Grid& g = *lay.grid;
  const size_t nt = lay.days->size(), ny = g.ny(), nx = g.nx(), plane = ny * nx;
  if (nt == 0 || plane == 0) throw std::runtime_error(path + ": nothing to write (empty cube)");
  const CfTimeAxis* keep = opt.time_axis ? &*opt.time_axis : nullptr;
  if (keep) {
    if (keep->values.size() != nt || (!keep->bounds.empty() && keep->bounds.size() != 2 * nt))
      throw std::runtime_error(path + ": the time axis to keep has " + std::to_string(keep->values.size()) +
                               " values for " + std::to_string(nt) + " steps");
    for (size_t t = 1; t < nt; ++t)
      if (!(keep->values[t] > keep->values[t - 1])) throw std::runtime_error(path + ": time is not strictly increasing");
  } else {
    for (size_t t = 1; t < nt; ++t)
      if ((*lay.days)[t] <= (*lay.days)[t - 1]) throw std::runtime_error(path + ": days are not strictly increasing");
  }
  if (opt.deflate_level < 0 || opt.deflate_level > 9) throw std::runtime_error(path + ": deflate level must be 0..9");
  for (const CfDayVariable& v : day_vars)
    if (v.values.size() != nt) throw std::runtime_error(path + ": variable " + v.name + " needs one value per day");

  // Latitude ascending in the file: row y of the file is row ny-1-y of a north->south grid.
  CfFileShape shape;
  shape.flip = ny > 1 && g.lat[0] > g.lat[ny - 1];
  std::vector<double> lat = g.lat;
  if (shape.flip) std::reverse(lat.begin(), lat.end());
  shape.level = opt.deflate_level > 0 && opt.fast_deflate ? 1 : opt.deflate_level;
  shape.ct = std::min<size_t>(std::max(opt.time_chunk, 1), nt);
  shape.cy = std::min<size_t>(128, ny);
  shape.cx = std::min<size_t>(128, nx);
  const int level = shape.level;

  nc::File f(file, NC_NETCDF4 | NC_CLOBBER, true);
  const int ncid = f.id;
  const std::string& p = file;
  int dt, dy, dx, db;
  nc::check(nc_def_dim(ncid, "time", nt, &dt), p, "dim time");
  nc::check(nc_def_dim(ncid, "lat", ny, &dy), p, "dim lat");
  nc::check(nc_def_dim(ncid, "lon", nx, &dx), p, "dim lon");
  nc::check(nc_def_dim(ncid, "bnds", 2, &db), p, "dim bnds");

  int vt, vtb = -1, vlat, vlatb, vlon, vlonb, vcrs, vdata, vsteps = -1, vmask = -1;
  const int d_t[1] = {dt}, d_tb[2] = {dt, db}, d_y[1] = {dy}, d_yb[2] = {dy, db}, d_x[1] = {dx}, d_xb[2] = {dx, db};
  define_var(ncid, p, "time", NC_DOUBLE, 1, d_t, vt);
  nc::put_text(ncid, vt, "standard_name", "time", p);
  nc::put_text(ncid, vt, "long_name", "time", p);
  nc::put_text(ncid, vt, "units", keep ? keep->units : "days since 1970-01-01 00:00:00", p);
  nc::put_text(ncid, vt, "calendar", keep ? keep->calendar : "proleptic_gregorian", p);
  nc::put_text(ncid, vt, "axis", "T", p);
  const bool time_bounds = !keep || !keep->bounds.empty();
  if (time_bounds) {
    nc::put_text(ncid, vt, "bounds", "time_bnds", p);
    define_var(ncid, p, "time_bnds", NC_DOUBLE, 2, d_tb, vtb);
  }

  define_var(ncid, p, "lat", NC_DOUBLE, 1, d_y, vlat);
  nc::put_text(ncid, vlat, "standard_name", "latitude", p);
  nc::put_text(ncid, vlat, "long_name", "latitude", p);
  nc::put_text(ncid, vlat, "units", "degrees_north", p);
  nc::put_text(ncid, vlat, "axis", "Y", p);
  nc::put_text(ncid, vlat, "bounds", "lat_bnds", p);
  define_var(ncid, p, "lat_bnds", NC_DOUBLE, 2, d_yb, vlatb);
  define_var(ncid, p, "lon", NC_DOUBLE, 1, d_x, vlon);
  nc::put_text(ncid, vlon, "standard_name", "longitude", p);
  nc::put_text(ncid, vlon, "long_name", "longitude", p);
  nc::put_text(ncid, vlon, "units", "degrees_east", p);
  nc::put_text(ncid, vlon, "axis", "X", p);
  nc::put_text(ncid, vlon, "bounds", "lon_bnds", p);
  define_var(ncid, p, "lon_bnds", NC_DOUBLE, 2, d_xb, vlonb);

  define_var(ncid, p, "crs", NC_INT, 0, nullptr, vcrs);
  nc::put_text(ncid, vcrs, "grid_mapping_name", "latitude_longitude", p);
  const double a = 6378137.0, invf = 298.257223563, pm = 0.0;
  nc::check(nc_put_att_double(ncid, vcrs, "semi_major_axis", NC_DOUBLE, 1, &a), p, "crs");
  nc::check(nc_put_att_double(ncid, vcrs, "inverse_flattening", NC_DOUBLE, 1, &invf), p, "crs");
  nc::check(nc_put_att_double(ncid, vcrs, "longitude_of_prime_meridian", NC_DOUBLE, 1, &pm), p, "crs");
  const std::string wkt =
      "GEOGCRS[\"WGS 84\",DATUM[\"World Geodetic System 1984\",ELLIPSOID[\"WGS 84\",6378137,298.257223563]],"
      "PRIMEM[\"Greenwich\",0],CS[ellipsoidal,2],AXIS[\"latitude\",north,ANGLEUNIT[\"degree\",0.0174532925199433]],"
      "AXIS[\"longitude\",east,ANGLEUNIT[\"degree\",0.0174532925199433]],ID[\"EPSG\",4326]]";
  nc::put_text(ncid, vcrs, "crs_wkt", wkt, p);

  const int d3[3] = {dt, dy, dx};
  const size_t chunks[3] = {shape.ct, shape.cy, shape.cx};
  define_var(ncid, p, opt.var_name.c_str(), opt.pack_int16 ? NC_SHORT : NC_FLOAT, 3, d3, vdata);
  nc::check(nc_def_var_chunking(ncid, vdata, NC_CHUNKED, chunks), p, "chunking");
  if (level > 0) nc::check(nc_def_var_deflate(ncid, vdata, 1, 1, level), p, "deflate");
  if (opt.pack_int16) {
    nc::check(nc_def_var_fill(ncid, vdata, NC_FILL, &kCfShortFill), p, "_FillValue");
    nc::check(nc_put_att_double(ncid, vdata, "scale_factor", NC_DOUBLE, 1, &kCfPackScale), p, "scale_factor");
    nc::check(nc_put_att_double(ncid, vdata, "add_offset", NC_DOUBLE, 1, &kCfPackOffset), p, "add_offset");
    const long long none = 0;  // the count is written by finish_int16_packing
    if (opt.clip_int16)
      nc::check(nc_put_att_longlong(ncid, vdata, kCfClippedAttribute, NC_INT64, 1, &none), p, kCfClippedAttribute);
  } else {
    nc::check(nc_def_var_fill(ncid, vdata, NC_FILL, &kCfFloatFill), p, "_FillValue");
  }
  if (!opt.standard_name.empty()) nc::put_text(ncid, vdata, "standard_name", opt.standard_name, p);
  if (!opt.long_name.empty()) nc::put_text(ncid, vdata, "long_name", opt.long_name, p);
  if (!opt.units.empty()) nc::put_text(ncid, vdata, "units", opt.units, p);
  if (!opt.cell_methods.empty()) nc::put_text(ncid, vdata, "cell_methods", opt.cell_methods, p);
  nc::put_text(ncid, vdata, "grid_mapping", "crs", p);

  if (steps) {
    define_var(ncid, p, "valid_steps", steps_u8 ? NC_UBYTE : NC_USHORT, 3, d3, vsteps);
    nc::check(nc_def_var_chunking(ncid, vsteps, NC_CHUNKED, chunks), p, "chunking");
    if (level > 0) nc::check(nc_def_var_deflate(ncid, vsteps, 1, 1, level), p, "deflate");
    nc::check(nc_def_var_fill(ncid, vsteps, NC_NOFILL, nullptr), p, "fill");
    nc::put_text(ncid, vsteps, "long_name", "number of valid sub-daily steps summed into the day", p);
    nc::put_text(ncid, vsteps, "units", "1", p);
    nc::put_text(ncid, vsteps, "grid_mapping", "crs", p);
    const int spd = lay.steps_per_day;
    nc::check(nc_put_att_int(ncid, vsteps, "steps_per_day", NC_INT, 1, &spd), p, "steps_per_day");
  }
  std::vector<int8_t> mask_out;
  if (opt.write_qinghai_mask) {
    const std::vector<uint8_t>& m = qinghai_mask(g);
    mask_out.resize(plane);
    for (size_t y = 0; y < ny; ++y)
      for (size_t x = 0; x < nx; ++x) mask_out[y * nx + x] = int8_t(m[(shape.flip ? ny - 1 - y : y) * nx + x]);
    const int d2[2] = {dy, dx};
    define_var(ncid, p, "mask", NC_BYTE, 2, d2, vmask);
    nc::check(nc_def_var_deflate(ncid, vmask, 0, 1, 4), p, "deflate");
    nc::put_text(ncid, vmask, "long_name", "Qinghai province (gmt-dcw polygon CN.QH)", p);
    const int8_t fv[2] = {0, 1};
    nc::check(nc_put_att_schar(ncid, vmask, "flag_values", NC_BYTE, 2, fv), p, "flag_values");
    nc::put_text(ncid, vmask, "flag_meanings", "outside inside", p);
    nc::put_text(ncid, vmask, "grid_mapping", "crs", p);
  }
  std::vector<int> vday(day_vars.size());
  for (size_t i = 0; i < day_vars.size(); ++i) {
    const CfDayVariable& v = day_vars[i];
    define_var(ncid, p, v.name.c_str(), NC_INT, 1, d_t, vday[i]);
    if (!v.long_name.empty()) nc::put_text(ncid, vday[i], "long_name", v.long_name, p);
    if (!v.flag_masks.empty()) {
      nc::check(nc_put_att_int(ncid, vday[i], "flag_masks", NC_INT, v.flag_masks.size(), v.flag_masks.data()), p,
                v.name + " flag_masks");
      nc::put_text(ncid, vday[i], "flag_meanings", v.flag_meanings, p);
    }
  }

  const bool cma = lay.convention == DayConvention::CMA;
  const std::string history = opt.history.empty() ? "rainfuse" : opt.history;
  nc::put_text(ncid, NC_GLOBAL, "Conventions", "CF-1.8", p);
  nc::put_text(ncid, NC_GLOBAL, "title", opt.title, p);
  nc::put_text(ncid, NC_GLOBAL, "institution", opt.institution, p);
  nc::put_text(ncid, NC_GLOBAL, "source", opt.source.empty() ? lay.product : opt.source, p);
  nc::put_text(ncid, NC_GLOBAL, "product", lay.product, p);
  nc::put_text(ncid, NC_GLOBAL, "model", opt.model.empty() ? "none" : opt.model, p);
  nc::put_text(ncid, NC_GLOBAL, "version", std::string("rainfuse ") + RAINFUSE_VERSION, p);
  nc::put_text(ncid, NC_GLOBAL, "history", opt.history_timestamp ? utc_now() + ": " + history : history, p);
  nc::put_text(ncid, NC_GLOBAL, "references", opt.references, p);
  if (!keep)
    nc::put_text(ncid, NC_GLOBAL, "day_convention",
                 cma ? "cma: 20:00-20:00 Beijing time (12:00 UTC of the previous date to 12:00 UTC of the date); "
                       "each step is stamped at the date the window ends"
                     : "utc: 00:00-24:00 UTC of the stamped date",
                 p);
  else if (!keep->day_convention.empty())
    nc::put_text(ncid, NC_GLOBAL, "day_convention", keep->day_convention, p);
  nc::check(nc_enddef(ncid), p, "enddef");

  std::vector<double> tv(nt), tb(2 * nt);
  for (size_t t = 0; t < nt; ++t) {
    tv[t] = double((*lay.days)[t]);
    tb[2 * t] = cma ? tv[t] - 0.5 : tv[t];
    tb[2 * t + 1] = cma ? tv[t] + 0.5 : tv[t] + 1.0;
  }
  if (keep) tv = keep->values, tb = keep->bounds;
  nc::check(nc_put_var_double(ncid, vt, tv.data()), p, "writing time");
  if (time_bounds) nc::check(nc_put_var_double(ncid, vtb, tb.data()), p, "writing time_bnds");
  nc::check(nc_put_var_double(ncid, vlat, lat.data()), p, "writing lat");
  nc::check(nc_put_var_double(ncid, vlatb, bounds_of(lat, -90.0, 90.0).data()), p, "writing lat_bnds");
  nc::check(nc_put_var_double(ncid, vlon, g.lon.data()), p, "writing lon");
  const double inf = std::numeric_limits<double>::infinity();
  nc::check(nc_put_var_double(ncid, vlonb, bounds_of(g.lon, -inf, inf).data()), p, "writing lon_bnds");
  if (vmask >= 0) nc::check(nc_put_var_schar(ncid, vmask, mask_out.data()), p, "writing mask");
  for (size_t i = 0; i < day_vars.size(); ++i)
    nc::check(nc_put_var_int(ncid, vday[i], day_vars[i].values.data()), p, "writing " + day_vars[i].name);
  f.close();
  return shape;
}

void finish_int16_packing(const std::string& file, const std::string& path, const CfOptions& opt, int64_t clipped) {
  if (!opt.pack_int16 || clipped == 0) return;
  if (!opt.clip_int16) {
    char msg[160];
    std::snprintf(msg, sizeof msg, ": %lld values outside the int16 packing range [%.2f, %.2f] mm day-1",
                  (long long)clipped, kCfPackMin, kCfPackMax);
    throw std::runtime_error(path + msg);
  }
  nc::File f(file, NC_WRITE);
  int v;
  nc::check(nc_inq_varid(f.id, opt.var_name.c_str(), &v), path, opt.var_name);
  const long long n = clipped;
  nc::check(nc_put_att_longlong(f.id, v, kCfClippedAttribute, NC_INT64, 1, &n), path, kCfClippedAttribute);
  f.close();
}

}  // namespace rf::io

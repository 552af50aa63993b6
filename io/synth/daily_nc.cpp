#include "io/synth/daily_nc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "io/cf/nc_util.h"
#include "io/synth/paths.h"

namespace rf::io::synth {

namespace {
// lat/lon coordinate variables with CF attributes and bounds (0.5 * spacing).
void def_axes(int nc, const Grid& g, bool flip, int& dlat, int& dlon, const std::string& p) {
  int dbnd;
  nc::check(nc_def_dim(nc, "lat", g.ny(), &dlat), p, "def_dim lat");
  nc::check(nc_def_dim(nc, "lon", g.nx(), &dlon), p, "def_dim lon");
  nc::check(nc_def_dim(nc, "bnds", 2, &dbnd), p, "def_dim bnds");
  int vlat, vlon, vlatb, vlonb;
  int d2[2] = {dlat, dbnd};
  nc::check(nc_def_var(nc, "lat", NC_DOUBLE, 1, &dlat, &vlat), p, "def_var lat");
  nc::check(nc_def_var(nc, "lat_bnds", NC_DOUBLE, 2, d2, &vlatb), p, "def_var lat_bnds");
  d2[0] = dlon;
  nc::check(nc_def_var(nc, "lon", NC_DOUBLE, 1, &dlon, &vlon), p, "def_var lon");
  nc::check(nc_def_var(nc, "lon_bnds", NC_DOUBLE, 2, d2, &vlonb), p, "def_var lon_bnds");
  nc::put_text(nc, vlat, "standard_name", "latitude", p);
  nc::put_text(nc, vlat, "units", "degrees_north", p);
  nc::put_text(nc, vlat, "axis", "Y", p);
  nc::put_text(nc, vlat, "bounds", "lat_bnds", p);
  nc::put_text(nc, vlon, "standard_name", "longitude", p);
  nc::put_text(nc, vlon, "units", "degrees_east", p);
  nc::put_text(nc, vlon, "axis", "X", p);
  nc::put_text(nc, vlon, "bounds", "lon_bnds", p);
  std::vector<double> lat(g.ny()), latb(2 * g.ny()), lonb(2 * g.nx());
  for (size_t j = 0; j < g.ny(); ++j) lat[j] = flip ? g.lat[g.ny() - 1 - j] : g.lat[j];
  const double hy = g.ny() > 1 ? 0.5 * std::fabs(lat[1] - lat[0]) : 0.5;
  const double hx = g.nx() > 1 ? 0.5 * std::fabs(g.lon[1] - g.lon[0]) : 0.5;
  for (size_t j = 0; j < g.ny(); ++j) latb[2 * j] = lat[j] - hy, latb[2 * j + 1] = lat[j] + hy;
  for (size_t i = 0; i < g.nx(); ++i) lonb[2 * i] = g.lon[i] - hx, lonb[2 * i + 1] = g.lon[i] + hx;
  nc::check(nc_enddef(nc), p, "enddef");
  nc::check(nc_put_var_double(nc, vlat, lat.data()), p, "put lat");
  nc::check(nc_put_var_double(nc, vlon, g.lon.data()), p, "put lon");
  nc::check(nc_put_var_double(nc, vlatb, latb.data()), p, "put lat_bnds");
  nc::check(nc_put_var_double(nc, vlonb, lonb.data()), p, "put lon_bnds");
  nc::check(nc_redef(nc), p, "redef");
}
}  // namespace

DailyNcWriter::DailyNcWriter(const std::string& path, const Grid& grid, DayNumber first, DayNumber last,
                             const std::string& title, const std::string& source)
    : path_(path), tmp_(path + ".part"), grid_(grid), first_(first), last_(last) {
  if (last < first) throw std::runtime_error(path + ": no days to write");
  flip_ = grid.ny() > 1 && grid.lat[1] < grid.lat[0];
  make_parent_dirs(path);
  const std::string& p = path_;
  int nc, dlat, dlon, dtime, dbnd, v_time, v_bnds, v_pr;
  nc::check(nc_create(tmp_.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), p, "create");
  open_ = true;
  def_axes(nc, grid, flip_, dlat, dlon, p);
  nc::check(nc_inq_dimid(nc, "bnds", &dbnd), p, "inq bnds");
  nc::check(nc_def_dim(nc, "time", NC_UNLIMITED, &dtime), p, "def_dim time");
  int d2[2] = {dtime, dbnd}, d3[3] = {dtime, dlat, dlon};
  nc::check(nc_def_var(nc, "time", NC_DOUBLE, 1, &dtime, &v_time), p, "def_var time");
  nc::check(nc_def_var(nc, "time_bnds", NC_DOUBLE, 2, d2, &v_bnds), p, "def_var time_bnds");
  nc::put_text(nc, v_time, "standard_name", "time", p);
  nc::put_text(nc, v_time, "units", "days since 1970-01-01 00:00:00", p);
  nc::put_text(nc, v_time, "calendar", "proleptic_gregorian", p);
  nc::put_text(nc, v_time, "bounds", "time_bnds", p);
  nc::check(nc_def_var(nc, "precipitation", NC_FLOAT, 3, d3, &v_pr), p, "def_var precipitation");
  size_t chunk[3] = {1, grid.ny(), grid.nx()};
  nc::check(nc_def_var_chunking(nc, v_pr, NC_CHUNKED, chunk), p, "chunking");
  nc::check(nc_def_var_deflate(nc, v_pr, 1, 1, 1), p, "deflate");
  const float fill = NAN;
  nc::check(nc_def_var_fill(nc, v_pr, 0, &fill), p, "fill");
  nc::put_text(nc, v_pr, "standard_name", "lwe_thickness_of_precipitation_amount", p);
  nc::put_text(nc, v_pr, "long_name", "daily precipitation (CMA day, 20-20 Beijing time)", p);
  nc::put_text(nc, v_pr, "units", "mm day-1", p);
  nc::put_text(nc, v_pr, "cell_methods", "time: sum", p);
  nc::put_text(nc, NC_GLOBAL, "Conventions", "CF-1.8", p);
  nc::put_text(nc, NC_GLOBAL, "title", title, p);
  nc::put_text(nc, NC_GLOBAL, "source", source, p);
  nc::put_text(nc, NC_GLOBAL, "day_convention", "CMA day: time D covers D-1 12:00 UTC to D 12:00 UTC", p);
  nc::check(nc_enddef(nc), p, "enddef");
  const size_t n = size_t(last - first) + 1;
  std::vector<double> t(n), b(2 * n);
  for (size_t k = 0; k < n; ++k) t[k] = double(first + DayNumber(k)), b[2 * k] = t[k] - 0.5, b[2 * k + 1] = t[k] + 0.5;
  size_t st[2] = {0, 0}, ct[2] = {n, 2};
  nc::check(nc_put_vara_double(nc, v_time, st, ct, t.data()), p, "put time");
  nc::check(nc_put_vara_double(nc, v_bnds, st, ct, b.data()), p, "put time_bnds");
  nc::check(nc_close(nc), p, "close");
}

DailyNcWriter::~DailyNcWriter() {
  if (open_) std::remove(tmp_.c_str());
}

CompressedChunk DailyNcWriter::compress(DayNumber day, const float* f) const {
  if (day < first_ || day > last_) throw std::runtime_error(path_ + ": day " + format_date(day) + " outside the file");
  const size_t nx = grid_.nx(), ny = grid_.ny();
  std::vector<float> buf;
  if (flip_) {
    buf.resize(nx * ny);
    for (size_t j = 0; j < ny; ++j) std::copy_n(f + (ny - 1 - j) * nx, nx, buf.data() + j * nx);
    f = buf.data();
  }
  return {{size_t(day - first_), 0, 0}, rf::io::compress_chunk(f, nx * ny * sizeof(float), sizeof(float), 1)};
}

void DailyNcWriter::append(const CompressedChunk& c) {
  if (c.offset[0] != nt_) throw std::runtime_error(path_ + ": days appended out of order");
  const size_t grow[3] = {nt_ + 1, grid_.ny(), grid_.nx()};
  write_compressed_chunks(tmp_, "precipitation", sizeof(float), 1, {c}, grow);
  ++nt_;
}

void DailyNcWriter::close() {
  if (!open_) return;
  if (nt_ != size_t(last_ - first_) + 1)
    throw std::runtime_error(path_ + ": " + std::to_string(nt_) + " of " + std::to_string(last_ - first_ + 1) +
                             " days written");
  std::filesystem::rename(tmp_, path_);
  open_ = false;
}

void write_dem_nc(const std::string& path, const Grid& g, const float* elev) {
  make_parent_dirs(path);
  const std::string tmp = path + ".part";
  const bool flip = g.ny() > 1 && g.lat[1] < g.lat[0];
  int nc, dlat, dlon, v;
  nc::check(nc_create(tmp.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), path, "create");
  def_axes(nc, g, flip, dlat, dlon, path);
  int d2[2] = {dlat, dlon};
  nc::check(nc_def_var(nc, "elevation", NC_FLOAT, 2, d2, &v), path, "def_var elevation");
  nc::check(nc_def_var_deflate(nc, v, 1, 1, 4), path, "deflate");
  nc::put_text(nc, v, "standard_name", "surface_altitude", path);
  nc::put_text(nc, v, "long_name", "synthetic terrain elevation (rainfuse twin)", path);
  nc::put_text(nc, v, "units", "m", path);
  nc::put_text(nc, NC_GLOBAL, "Conventions", "CF-1.8", path);
  nc::put_text(nc, NC_GLOBAL, "title", "rainfuse synthetic Qinghai DEM", path);
  nc::check(nc_enddef(nc), path, "enddef");
  std::vector<float> buf(elev, elev + g.size());
  if (flip)
    for (size_t j = 0; j < g.ny(); ++j) std::copy_n(elev + (g.ny() - 1 - j) * g.nx(), g.nx(), buf.data() + j * g.nx());
  nc::check(nc_put_var_float(nc, v, buf.data()), path, "put elevation");
  nc::check(nc_close(nc), path, "close");
  std::filesystem::rename(tmp, path);
}

}  // namespace rf::io::synth

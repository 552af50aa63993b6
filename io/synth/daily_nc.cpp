#include "io/synth/daily_nc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "io/synth/nc_util.h"

namespace rf::io::synth {

void make_parent_dirs(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

namespace {
// lat/lon coordinate variables with CF attributes and bounds (0.5 * spacing).
void def_axes(int nc, const Grid& g, bool flip, int& dlat, int& dlon, const std::string& p) {
  int dbnd;
  nc_ok(nc_def_dim(nc, "lat", g.ny(), &dlat), p, "def_dim lat");
  nc_ok(nc_def_dim(nc, "lon", g.nx(), &dlon), p, "def_dim lon");
  nc_ok(nc_def_dim(nc, "bnds", 2, &dbnd), p, "def_dim bnds");
  int vlat, vlon, vlatb, vlonb;
  int d2[2] = {dlat, dbnd};
  nc_ok(nc_def_var(nc, "lat", NC_DOUBLE, 1, &dlat, &vlat), p, "def_var lat");
  nc_ok(nc_def_var(nc, "lat_bnds", NC_DOUBLE, 2, d2, &vlatb), p, "def_var lat_bnds");
  d2[0] = dlon;
  nc_ok(nc_def_var(nc, "lon", NC_DOUBLE, 1, &dlon, &vlon), p, "def_var lon");
  nc_ok(nc_def_var(nc, "lon_bnds", NC_DOUBLE, 2, d2, &vlonb), p, "def_var lon_bnds");
  nc_text(nc, vlat, "standard_name", "latitude", p);
  nc_text(nc, vlat, "units", "degrees_north", p);
  nc_text(nc, vlat, "axis", "Y", p);
  nc_text(nc, vlat, "bounds", "lat_bnds", p);
  nc_text(nc, vlon, "standard_name", "longitude", p);
  nc_text(nc, vlon, "units", "degrees_east", p);
  nc_text(nc, vlon, "axis", "X", p);
  nc_text(nc, vlon, "bounds", "lon_bnds", p);
  std::vector<double> lat(g.ny()), latb(2 * g.ny()), lonb(2 * g.nx());
  for (size_t j = 0; j < g.ny(); ++j) lat[j] = flip ? g.lat[g.ny() - 1 - j] : g.lat[j];
  const double hy = g.ny() > 1 ? 0.5 * std::fabs(lat[1] - lat[0]) : 0.5;
  const double hx = g.nx() > 1 ? 0.5 * std::fabs(g.lon[1] - g.lon[0]) : 0.5;
  for (size_t j = 0; j < g.ny(); ++j) latb[2 * j] = lat[j] - hy, latb[2 * j + 1] = lat[j] + hy;
  for (size_t i = 0; i < g.nx(); ++i) lonb[2 * i] = g.lon[i] - hx, lonb[2 * i + 1] = g.lon[i] + hx;
  nc_ok(nc_enddef(nc), p, "enddef");
  nc_ok(nc_put_var_double(nc, vlat, lat.data()), p, "put lat");
  nc_ok(nc_put_var_double(nc, vlon, g.lon.data()), p, "put lon");
  nc_ok(nc_put_var_double(nc, vlatb, latb.data()), p, "put lat_bnds");
  nc_ok(nc_put_var_double(nc, vlonb, lonb.data()), p, "put lon_bnds");
  nc_ok(nc_redef(nc), p, "redef");
}
}  // namespace

DailyNcWriter::DailyNcWriter(const std::string& path, const Grid& grid, const std::string& title,
                             const std::string& source)
    : path_(path), tmp_(path + ".part"), grid_(grid) {
  flip_ = grid.ny() > 1 && grid.lat[1] < grid.lat[0];
  make_parent_dirs(path);
  const std::string& p = path_;
  nc_ok(nc_create(tmp_.c_str(), NC_CLOBBER | NC_NETCDF4, &nc_), p, "create");
  int dlat, dlon, dtime, dbnd;
  def_axes(nc_, grid, flip_, dlat, dlon, p);
  nc_ok(nc_inq_dimid(nc_, "bnds", &dbnd), p, "inq bnds");
  nc_ok(nc_def_dim(nc_, "time", NC_UNLIMITED, &dtime), p, "def_dim time");
  int d2[2] = {dtime, dbnd}, d3[3] = {dtime, dlat, dlon};
  nc_ok(nc_def_var(nc_, "time", NC_DOUBLE, 1, &dtime, &v_time_), p, "def_var time");
  nc_ok(nc_def_var(nc_, "time_bnds", NC_DOUBLE, 2, d2, &v_bnds_), p, "def_var time_bnds");
  nc_text(nc_, v_time_, "standard_name", "time", p);
  nc_text(nc_, v_time_, "units", "days since 1970-01-01 00:00:00", p);
  nc_text(nc_, v_time_, "calendar", "proleptic_gregorian", p);
  nc_text(nc_, v_time_, "bounds", "time_bnds", p);
  nc_ok(nc_def_var(nc_, "precipitation", NC_FLOAT, 3, d3, &v_pr_), p, "def_var precipitation");
  size_t chunk[3] = {1, grid.ny(), grid.nx()};
  nc_ok(nc_def_var_chunking(nc_, v_pr_, NC_CHUNKED, chunk), p, "chunking");
  nc_ok(nc_def_var_deflate(nc_, v_pr_, 1, 1, 1), p, "deflate");
  const float fill = NAN;
  nc_ok(nc_def_var_fill(nc_, v_pr_, 0, &fill), p, "fill");
  nc_text(nc_, v_pr_, "standard_name", "lwe_thickness_of_precipitation_amount", p);
  nc_text(nc_, v_pr_, "long_name", "daily precipitation (CMA day, 20-20 Beijing time)", p);
  nc_text(nc_, v_pr_, "units", "mm day-1", p);
  nc_text(nc_, v_pr_, "cell_methods", "time: sum", p);
  nc_text(nc_, NC_GLOBAL, "Conventions", "CF-1.8", p);
  nc_text(nc_, NC_GLOBAL, "title", title, p);
  nc_text(nc_, NC_GLOBAL, "source", source, p);
  nc_text(nc_, NC_GLOBAL, "day_convention", "CMA day: time D covers D-1 12:00 UTC to D 12:00 UTC", p);
  nc_ok(nc_enddef(nc_), p, "enddef");
}

DailyNcWriter::~DailyNcWriter() {
  if (nc_ >= 0) {
    nc_close(nc_);
    std::remove(tmp_.c_str());
  }
}

void DailyNcWriter::append(DayNumber day, const float* f) {
  const size_t nx = grid_.nx(), ny = grid_.ny();
  std::vector<float> buf;
  if (flip_) {
    buf.resize(nx * ny);
    for (size_t j = 0; j < ny; ++j) std::copy_n(f + (ny - 1 - j) * nx, nx, buf.data() + j * nx);
    f = buf.data();
  }
  const double t = day, b[2] = {day - 0.5, day + 0.5};
  size_t st[3] = {nt_, 0, 0}, ct[3] = {1, ny, nx};
  nc_ok(nc_put_var1_double(nc_, v_time_, st, &t), path_, "put time");
  size_t cb[2] = {1, 2};
  nc_ok(nc_put_vara_double(nc_, v_bnds_, st, cb, b), path_, "put time_bnds");
  nc_ok(nc_put_vara_float(nc_, v_pr_, st, ct, f), path_, "put precipitation");
  ++nt_;
}

void DailyNcWriter::close() {
  if (nc_ < 0) return;
  nc_ok(nc_close(nc_), path_, "close");
  nc_ = -1;
  std::filesystem::rename(tmp_, path_);
}

void write_dem_nc(const std::string& path, const Grid& g, const float* elev) {
  make_parent_dirs(path);
  const std::string tmp = path + ".part";
  const bool flip = g.ny() > 1 && g.lat[1] < g.lat[0];
  int nc, dlat, dlon, v;
  nc_ok(nc_create(tmp.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), path, "create");
  def_axes(nc, g, flip, dlat, dlon, path);
  int d2[2] = {dlat, dlon};
  nc_ok(nc_def_var(nc, "elevation", NC_FLOAT, 2, d2, &v), path, "def_var elevation");
  nc_ok(nc_def_var_deflate(nc, v, 1, 1, 4), path, "deflate");
  nc_text(nc, v, "standard_name", "surface_altitude", path);
  nc_text(nc, v, "long_name", "synthetic terrain elevation (rainfuse twin)", path);
  nc_text(nc, v, "units", "m", path);
  nc_text(nc, NC_GLOBAL, "Conventions", "CF-1.8", path);
  nc_text(nc, NC_GLOBAL, "title", "rainfuse synthetic Qinghai DEM", path);
  nc_ok(nc_enddef(nc), path, "enddef");
  std::vector<float> buf(elev, elev + g.size());
  if (flip)
    for (size_t j = 0; j < g.ny(); ++j) std::copy_n(elev + (g.ny() - 1 - j) * g.nx(), g.nx(), buf.data() + j * g.nx());
  nc_ok(nc_put_var_float(nc, v, buf.data()), path, "put elevation");
  nc_ok(nc_close(nc), path, "close");
  std::filesystem::rename(tmp, path);
}

}  // namespace rf::io::synth

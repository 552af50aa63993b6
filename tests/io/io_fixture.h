// Shared helpers of the io tests: a scratch directory, small netCDF files in a
// chosen storage order (lat N->S or S->N, float with _FillValue), running
// external tools (cdo, ncdump, python3, gdalinfo) and random fields.
#pragma once
#include <netcdf.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/grid.h"

namespace rf::io::test {

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    char tmpl[] = "/tmp/rainfuse-io-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// The rainfuse binary the CLI tests run: $RAINFUSE_BINARY (set by ctest), else from PATH.
inline std::string bin() {
  const char* b = std::getenv("RAINFUSE_BINARY");
  return b ? b : "rainfuse";
}

// Runs a shell command; returns its exit status and (stdout+stderr) text.
inline int run(const std::string& cmd, std::string* output = nullptr) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = pclose(p);
  if (output) *output = out;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

inline void nc_ok(int st, const char* what) {
  if (st != NC_NOERR) throw std::runtime_error(std::string(what) + ": " + nc_strerror(st));
}

constexpr float kTestFill = -9999.0f;

// Writes var(time, lat, lon) float with the grid's coordinates in storage order;
// NaN in `data` is written as _FillValue = -9999.
inline void write_test_nc(const std::string& path, const Grid& g, size_t nt, const std::vector<float>& data,
                          const std::string& var = "pr", const std::string& units = "mm day-1") {
  int ncid, dt, dy, dx, vt, vy, vx, vv;
  nc_ok(nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &ncid), "create");
  nc_ok(nc_def_dim(ncid, "time", nt, &dt), "dim");
  nc_ok(nc_def_dim(ncid, "lat", g.ny(), &dy), "dim");
  nc_ok(nc_def_dim(ncid, "lon", g.nx(), &dx), "dim");
  nc_ok(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dt, &vt), "var");
  nc_ok(nc_def_var(ncid, "lat", NC_DOUBLE, 1, &dy, &vy), "var");
  nc_ok(nc_def_var(ncid, "lon", NC_DOUBLE, 1, &dx, &vx), "var");
  const int d3[3] = {dt, dy, dx};
  nc_ok(nc_def_var(ncid, var.c_str(), NC_FLOAT, 3, d3, &vv), "var");
  auto text = [&](int v, const char* k, const std::string& s) {
    nc_ok(nc_put_att_text(ncid, v, k, s.size(), s.c_str()), "att");
  };
  text(vt, "units", "days since 2000-01-01 00:00:00");
  text(vt, "calendar", "standard");
  text(vt, "standard_name", "time");
  text(vy, "units", "degrees_north");
  text(vy, "standard_name", "latitude");
  text(vx, "units", "degrees_east");
  text(vx, "standard_name", "longitude");
  text(vv, "units", units);
  nc_ok(nc_def_var_fill(ncid, vv, NC_FILL, &kTestFill), "fill");
  nc_ok(nc_enddef(ncid), "enddef");
  std::vector<double> tv(nt);
  for (size_t t = 0; t < nt; ++t) tv[t] = double(t);
  nc_ok(nc_put_var_double(ncid, vt, tv.data()), "time");
  nc_ok(nc_put_var_double(ncid, vy, g.lat.data()), "lat");
  nc_ok(nc_put_var_double(ncid, vx, g.lon.data()), "lon");
  std::vector<float> out(data);
  for (float& v : out)
    if (std::isnan(v)) v = kTestFill;
  nc_ok(nc_put_var_float(ncid, vv, out.data()), "data");
  nc_ok(nc_close(ncid), "close");
}

// Random positive field values with a fraction of NaN holes.
inline std::vector<float> random_field(size_t n, uint32_t seed, double nan_fraction = 0.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> v(0.1f, 50.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> out(n);
  for (auto& x : out) x = u(rng) < nan_fraction ? NAN : v(rng);
  return out;
}

inline bool cdo_available() { return run("cdo -V") == 0; }

}  // namespace rf::io::test

#include "io/sample/point_series.h"

#include <netcdf.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace rf::io {
namespace {

struct NcFile {
  int id = -1;
  std::string path;
  explicit NcFile(const std::string& p) : path(p) {
    if (int e = nc_open(p.c_str(), NC_NOWRITE, &id); e != NC_NOERR)
      throw std::runtime_error(p + ": cannot open as netCDF (" + nc_strerror(e) + ")");
  }
  ~NcFile() { if (id >= 0) nc_close(id); }
  void check(int e, const std::string& what) const {
    if (e != NC_NOERR) throw std::runtime_error(path + ": " + what + ": " + nc_strerror(e));
  }
  std::string text_att(int var, const char* name) const {
    size_t len = 0;
    if (nc_inq_attlen(id, var, name, &len) != NC_NOERR) return {};
    std::string s(len, '\0');
    check(nc_get_att_text(id, var, name, s.data()), std::string("attribute ") + name);
    while (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
  }
  std::vector<double> coord(const std::vector<std::string>& names) const {
    for (const auto& n : names) {
      int v;
      if (nc_inq_varid(id, n.c_str(), &v) != NC_NOERR) continue;
      int dim;
      check(nc_inq_vardimid(id, v, &dim), n);
      size_t len;
      check(nc_inq_dimlen(id, dim, &len), n);
      std::vector<double> out(len);
      check(nc_get_var_double(id, v, out.data()), "reading " + n);
      return out;
    }
    throw std::runtime_error(path + ": no coordinate variable " + names.front());
  }
};

size_t nearest(const std::vector<double>& axis, double x, bool& inside) {
  size_t best = 0;
  for (size_t i = 1; i < axis.size(); ++i)
    if (std::fabs(axis[i] - x) < std::fabs(axis[best] - x)) best = i;
  const double half = axis.size() > 1 ? std::fabs(axis[1] - axis[0]) / 2 : 0.5;
  const double lo = std::min(axis.front(), axis.back()) - half, hi = std::max(axis.front(), axis.back()) + half;
  inside = x >= lo && x <= hi;
  return best;
}

}  // namespace

DayNumber cf_time_to_day(double value, const std::string& units) {
  char unit[32] = {0};
  int y, m, d, hh = 0, mm = 0;
  double ss = 0;
  int n = std::sscanf(units.c_str(), "%31s since %d-%d-%d%*[ T]%d:%d:%lf", unit, &y, &m, &d, &hh, &mm, &ss);
  if (n < 4) throw std::invalid_argument("unsupported time units '" + units + "'");
  const std::string u = unit;
  double scale;
  if (u == "days" || u == "day") scale = 86400;
  else if (u == "hours" || u == "hour") scale = 3600;
  else if (u == "minutes" || u == "minute") scale = 60;
  else if (u == "seconds" || u == "second") scale = 1;
  else throw std::invalid_argument("unsupported time unit '" + u + "' in '" + units + "'");
  const double secs = double(day_from_ymd(y, m, d)) * 86400 + hh * 3600 + mm * 60 + ss + value * scale;
  return DayNumber(std::floor(secs / 86400 + 1e-9));
}

SampledSeries sample_points(const std::string& path, const std::string& var, const std::vector<PointRequest>& pts) {
  NcFile f(path);
  int v;
  if (nc_inq_varid(f.id, var.c_str(), &v) != NC_NOERR) throw std::runtime_error(path + ": no variable '" + var + "'");
  int ndims;
  f.check(nc_inq_varndims(f.id, v, &ndims), var);
  if (ndims != 3) throw std::runtime_error(path + ": variable '" + var + "' is not (time, lat, lon)");
  int dims[3];
  f.check(nc_inq_vardimid(f.id, v, dims), var);
  char dname[NC_MAX_NAME + 1];
  f.check(nc_inq_dimname(f.id, dims[1], dname), var);
  const std::string lat_name = dname;
  f.check(nc_inq_dimname(f.id, dims[2], dname), var);
  const std::string lon_name = dname;
  f.check(nc_inq_dimname(f.id, dims[0], dname), var);
  const std::string time_name = dname;

  const auto lat = f.coord({lat_name, "lat", "latitude"});
  const auto lon = f.coord({lon_name, "lon", "longitude"});
  const auto time = f.coord({time_name, "time"});
  int tv;
  f.check(nc_inq_varid(f.id, time_name.c_str(), &tv), "time variable");
  const std::string tunits = f.text_att(tv, "units");

  SampledSeries out;
  out.days.reserve(time.size());
  try {
    for (double t : time) out.days.push_back(cf_time_to_day(t, tunits));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }

  // Fill / missing markers and packing.
  double fill = NAN, missing = NAN, scale = 1, offset = 0;
  nc_get_att_double(f.id, v, "_FillValue", &fill);
  nc_get_att_double(f.id, v, "missing_value", &missing);
  nc_get_att_double(f.id, v, "scale_factor", &scale);
  nc_get_att_double(f.id, v, "add_offset", &offset);

  out.values.resize(pts.size());
  std::vector<double> buf(time.size());
  for (size_t p = 0; p < pts.size(); ++p) {
    bool in_lon, in_lat;
    double plon = pts[p].lon;
    if (lon.back() > 180 && plon < 0) plon += 360;
    const size_t i = nearest(lon, plon, in_lon), j = nearest(lat, pts[p].lat, in_lat);
    if (!in_lon || !in_lat) {
      char msg[256];
      std::snprintf(msg, sizeof msg, "station %s (%.4fE, %.4fN) is outside the grid", pts[p].id.c_str(), pts[p].lon,
                    pts[p].lat);
      throw std::runtime_error(path + ": " + msg);
    }
    const size_t start[3] = {0, j, i}, count[3] = {time.size(), 1, 1};
    if (!time.empty()) f.check(nc_get_vara_double(f.id, v, start, count, buf.data()), "reading " + var);
    auto& series = out.values[p];
    series.resize(time.size());
    for (size_t t = 0; t < time.size(); ++t) {
      const double raw = buf[t];
      const bool bad = !std::isfinite(raw) || raw == fill || raw == missing;
      series[t] = bad ? NAN : float(raw * scale + offset);
    }
  }
  return out;
}

}  // namespace rf::io

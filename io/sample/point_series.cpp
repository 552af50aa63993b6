#include "io/sample/point_series.h"

#include "io/cf/nc_util.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace rf::io {
namespace {

// The file's coordinate variable among `names`, read whole (1-D).
std::vector<double> read_coord(const nc::File& f, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    int v, dim;
    if (nc_inq_varid(f.id, n.c_str(), &v) != NC_NOERR) continue;
    nc::check(nc_inq_vardimid(f.id, v, &dim), f.path, n);
    size_t len;
    nc::check(nc_inq_dimlen(f.id, dim, &len), f.path, n);
    std::vector<double> out(len);
    nc::check(nc_get_var_double(f.id, v, out.data()), f.path, "reading " + n);
    return out;
  }
  throw std::runtime_error(f.path + ": no coordinate variable " + names.front());
}

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
  nc::File f(path, NC_NOWRITE);
  int v;
  if (nc_inq_varid(f.id, var.c_str(), &v) != NC_NOERR) throw std::runtime_error(path + ": no variable '" + var + "'");
  int ndims;
  nc::check(nc_inq_varndims(f.id, v, &ndims), path, var);
  if (ndims != 3) throw std::runtime_error(path + ": variable '" + var + "' is not (time, lat, lon)");
  int dims[3];
  nc::check(nc_inq_vardimid(f.id, v, dims), path, var);
  char dname[NC_MAX_NAME + 1];
  nc::check(nc_inq_dimname(f.id, dims[1], dname), path, var);
  const std::string lat_name = dname;
  nc::check(nc_inq_dimname(f.id, dims[2], dname), path, var);
  const std::string lon_name = dname;
  nc::check(nc_inq_dimname(f.id, dims[0], dname), path, var);
  const std::string time_name = dname;

  const auto lat = read_coord(f, {lat_name, "lat", "latitude"});
  const auto lon = read_coord(f, {lon_name, "lon", "longitude"});
  const auto time = read_coord(f, {time_name, "time"});
  int tv;
  nc::check(nc_inq_varid(f.id, time_name.c_str(), &tv), path, "time variable");
  std::string tunits;
  nc::get_text_att(f.id, tv, "units", tunits);

  SampledSeries out;
  out.days.reserve(time.size());
  try {
    for (double t : time) out.days.push_back(cf_time_to_day(t, tunits));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }

  // Fill / missing markers and packing.
  double fill = NAN, missing = NAN, scale = 1, offset = 0;
  nc::get_double_att(f.id, v, "_FillValue", fill);
  nc::get_double_att(f.id, v, "missing_value", missing);
  nc::get_double_att(f.id, v, "scale_factor", scale);
  nc::get_double_att(f.id, v, "add_offset", offset);

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
    if (!time.empty()) nc::check(nc_get_vara_double(f.id, v, start, count, buf.data()), path, "reading " + var);
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

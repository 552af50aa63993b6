// Target grids from CDO grid-description files or "lon0,lon1,dlon,lat0,lat1,dlat",
// and CDO grid-description files from grids. Coordinates are regenerated as
// first + i*inc in double, exactly as CDI does, so both sides see the same bits.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/regrid/regrid.h"

namespace rf::io {

namespace {

double to_double(const std::string& s, const std::string& what) {
  double v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e) throw std::runtime_error(what + ": '" + s + "' is not a number");
  return v;
}

// Shortest decimal that reads back to the same double.
std::string shortest(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// A cell-centre from edge + half a step, snapped to the decimal a user would
// type (89.5 + 0.005 -> 89.505), so it matches "xfirst = 89.505" in a griddes.
double snap_decimal(double x) {
  for (int digits = 1; digits <= 12; ++digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);
    const double y = std::strtod(buf, nullptr);
    if (std::fabs(y - x) <= 1e-11 * std::max(1.0, std::fabs(x))) return y;
  }
  return x;
}

Grid parse_box_spec(const std::string& spec) {
  std::vector<double> v;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(to_double(item, "grid spec '" + spec + "'"));
  if (v.size() != 6) throw std::runtime_error("grid spec '" + spec + "': expected lon0,lon1,dlon,lat0,lat1,dlat");
  const double lon0 = v[0], lon1 = v[1], dlon = v[2], lat0 = v[3], lat1 = v[4], dlat = v[5];
  if (!(dlon > 0) || !(dlat > 0) || !(lon1 > lon0) || !(lat1 > lat0))
    throw std::runtime_error("grid spec '" + spec + "': need lon0 < lon1, lat0 < lat1 and positive steps");
  const double fx = (lon1 - lon0) / dlon, fy = (lat1 - lat0) / dlat;
  const long nx = std::lround(fx), ny = std::lround(fy);
  if (std::fabs(fx - nx) > 1e-6 * std::max(1.0, fx) || std::fabs(fy - ny) > 1e-6 * std::max(1.0, fy))
    throw std::runtime_error("grid spec '" + spec + "': the box is not a whole number of steps");
  return Grid::regular(snap_decimal(lon0 + 0.5 * dlon), dlon, size_t(nx), snap_decimal(lat0 + 0.5 * dlat), dlat,
                       size_t(ny));
}

// CDO griddes: "key = value ..." pairs, values may continue over lines, '#' comments.
Grid parse_griddes(const std::string& path, std::istream& in) {
  std::map<std::string, std::vector<std::string>> kv;
  std::string line, key;
  while (std::getline(in, line)) {
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    if (auto eq = line.find('='); eq != std::string::npos) {
      std::stringstream ks(line.substr(0, eq));
      ks >> key;
      kv[key].clear();
      line = line.substr(eq + 1);
    }
    std::stringstream vs(line);
    std::string tok;
    while (vs >> tok) {
      if (key.empty()) throw std::runtime_error(path + ": value '" + tok + "' before any key");
      if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"') tok = tok.substr(1, tok.size() - 2);
      kv[key].push_back(tok);
    }
  }
  auto one = [&](const char* k) -> const std::string* {
    auto it = kv.find(k);
    return it == kv.end() || it->second.empty() ? nullptr : &it->second.front();
  };
  const std::string* type = one("gridtype");
  if (!type) throw std::runtime_error(path + ": not a CDO grid description (no gridtype)");
  if (*type != "lonlat" && *type != "latlon")
    throw std::runtime_error(path + ": gridtype '" + *type + "' is not supported (lonlat only)");
  auto size_of = [&](const char* k) -> size_t {
    const std::string* s = one(k);
    if (!s) throw std::runtime_error(path + ": missing " + std::string(k));
    const double v = to_double(*s, path + " " + k);
    if (!(v >= 1) || v != std::floor(v)) throw std::runtime_error(path + ": bad " + std::string(k) + " " + *s);
    return size_t(v);
  };
  auto axis = [&](const char* size_key, const char* first_key, const char* inc_key, const char* vals_key) {
    const size_t n = size_of(size_key);
    std::vector<double> out;
    if (auto it = kv.find(vals_key); it != kv.end()) {
      if (it->second.size() != n)
        throw std::runtime_error(path + ": " + std::string(vals_key) + " has " + std::to_string(it->second.size()) +
                                 " values, " + size_key + " is " + std::to_string(n));
      for (const auto& s : it->second) out.push_back(to_double(s, path + " " + vals_key));
      return out;
    }
    const std::string* f = one(first_key);
    if (!f) throw std::runtime_error(path + ": missing " + std::string(first_key) + " or " + vals_key);
    const double first = to_double(*f, path + " " + first_key);
    const std::string* i = one(inc_key);
    if (!i && n > 1) throw std::runtime_error(path + ": missing " + std::string(inc_key));
    const double inc = i ? to_double(*i, path + " " + inc_key) : 0.0;
    out.resize(n);
    for (size_t k = 0; k < n; ++k) out[k] = first + double(k) * inc;
    return out;
  };
  Grid g;
  g.lon = axis("xsize", "xfirst", "xinc", "xvals");
  g.lat = axis("ysize", "yfirst", "yinc", "yvals");
  if (const std::string* gs = one("gridsize"); gs && size_t(to_double(*gs, path + " gridsize")) != g.size())
    throw std::runtime_error(path + ": gridsize " + *gs + " != xsize*ysize");
  return g;
}

// first + i*inc reproduces v bit for bit?
// Tries the decimal increment a user would type first, then the raw difference.
bool is_regular(const std::vector<double>& v, double& inc) {
  if (v.size() < 2) return inc = 0.0, true;
  auto regenerates = [&](double step) {
    for (size_t i = 0; i < v.size(); ++i)
      if (v[0] + double(i) * step != v[i]) return false;
    return true;
  };
  for (double step : {snap_decimal(v[1] - v[0]), v[1] - v[0]})
    if (regenerates(step)) return inc = step, true;
  return false;
}

}  // namespace

Grid parse_grid_spec(const std::string& file_or_spec) {
  std::ifstream in(file_or_spec);
  if (in) return parse_griddes(file_or_spec, in);
  if (file_or_spec.find(',') != std::string::npos) return parse_box_spec(file_or_spec);
  throw std::runtime_error("grid '" + file_or_spec + "': no such file and not lon0,lon1,dlon,lat0,lat1,dlat");
}

void write_cdo_griddes(const Grid& g, const std::string& path) {
  std::ostringstream o;
  o << "gridtype = lonlat\ngridsize = " << g.size() << "\nxsize = " << g.nx() << "\nysize = " << g.ny()
    << "\nxname = lon\nxlongname = \"longitude\"\nxunits = \"degrees_east\""
    << "\nyname = lat\nylongname = \"latitude\"\nyunits = \"degrees_north\"\n";
  auto axis = [&](char c, const std::vector<double>& v) {
    double inc;
    if (is_regular(v, inc)) {
      o << c << "first = " << shortest(v[0]) << "\n" << c << "inc = " << shortest(inc) << "\n";
      return;
    }
    o << c << "vals =";
    for (size_t i = 0; i < v.size(); ++i) o << (i % 8 == 0 ? "\n  " : " ") << shortest(v[i]);
    o << "\n";
  };
  axis('x', g.lon);
  axis('y', g.lat);
  std::ofstream out(path);
  out << o.str();
  if (!out.flush()) throw std::runtime_error(path + ": cannot write the grid description");
}

}  // namespace rf::io

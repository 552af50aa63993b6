// Reads a (time, lat, lon) variable from any CF netCDF file into a DailyCube:
// coordinates found by units/standard_name/axis, latitude kept in storage order,
// (time, lon, lat) storage transposed, packing and fill values decoded to NaN,
// times ("<unit> since <date>", gregorian-type calendars) to the stamped date.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "io/cf/nc_util.h"
#include "io/cf/writer.h"
#include "io/dates.h"

namespace rf::io {

namespace {

enum class Axis { None, Time, Lat, Lon };

Axis axis_of(int ncid, int dimid) {
  char name[NC_MAX_NAME + 1];
  nc_inq_dimname(ncid, dimid, name);
  int varid;
  std::string units, stdname, axis;
  if (nc_inq_varid(ncid, name, &varid) == NC_NOERR) {
    nc::get_text_att(ncid, varid, "units", units);
    nc::get_text_att(ncid, varid, "standard_name", stdname);
    nc::get_text_att(ncid, varid, "axis", axis);
  }
  const std::string n(name);
  if (stdname == "time" || axis == "T" || units.find(" since ") != std::string::npos || n == "time" ||
      n == "valid_time")
    return Axis::Time;
  auto any_of = [](const std::string& v, std::initializer_list<const char*> set) {
    for (const char* s : set)
      if (v == s) return true;
    return false;
  };
  if (stdname == "latitude" || axis == "Y" || n == "lat" || n == "latitude" ||
      any_of(units, {"degrees_north", "degree_north", "degrees_N", "degree_N"}))
    return Axis::Lat;
  if (stdname == "longitude" || axis == "X" || n == "lon" || n == "longitude" ||
      any_of(units, {"degrees_east", "degree_east", "degrees_E", "degree_E"}))
    return Axis::Lon;
  return Axis::None;
}

std::vector<double> read_coord(int ncid, int dimid, const std::string& path) {
  char name[NC_MAX_NAME + 1];
  size_t len;
  nc_inq_dim(ncid, dimid, name, &len);
  int varid;
  nc::check(nc_inq_varid(ncid, name, &varid), path, std::string("coordinate variable ") + name);
  std::vector<double> v(len);
  nc::check(nc_get_var_double(ncid, varid, v.data()), path, std::string("reading ") + name);
  return v;
}

// Seconds of one unit and the epoch of "<unit> since YYYY-MM-DD[ T]hh:mm:ss".
void parse_time_units(const std::string& units, const std::string& path, double& unit_seconds, double& epoch) {
  const auto since = units.find(" since ");
  if (since == std::string::npos) throw std::runtime_error(path + ": time units '" + units + "' lack 'since'");
  const std::string u = units.substr(0, since);
  if (u == "days" || u == "day" || u == "d") unit_seconds = 86400;
  else if (u == "hours" || u == "hour" || u == "h") unit_seconds = 3600;
  else if (u == "minutes" || u == "minute" || u == "min") unit_seconds = 60;
  else if (u == "seconds" || u == "second" || u == "s") unit_seconds = 1;
  else throw std::runtime_error(path + ": unsupported time unit '" + u + "'");
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double s = 0;
  const std::string ref = units.substr(since + 7);
  const int n = std::sscanf(ref.c_str(), "%d-%d-%d%*[ T]%d:%d:%lf", &y, &mo, &d, &h, &mi, &s);
  if (n < 3) throw std::runtime_error(path + ": cannot parse the time reference '" + ref + "'");
  epoch = double(day_start(day_from_ymd(y, mo, d))) + h * 3600.0 + mi * 60.0 + s;
}

}  // namespace

CfVarInfo read_cf_var_info(const std::string& path, const std::string& var) {
  nc::File f(path, NC_NOWRITE);
  int varid;
  nc::check(nc_inq_varid(f.id, var.c_str(), &varid), path, "variable '" + var + "'");
  CfVarInfo info;
  nc::get_text_att(f.id, varid, "units", info.units);
  nc::get_text_att(f.id, varid, "standard_name", info.standard_name);
  nc::get_text_att(f.id, varid, "long_name", info.long_name);
  nc::get_text_att(f.id, varid, "cell_methods", info.cell_methods);
  return info;
}

CfTimeAxis read_cf_time_axis(const std::string& path, const std::string& var) {
  nc::File f(path, NC_NOWRITE);
  int varid, ndims = 0, dimids[NC_MAX_VAR_DIMS];
  nc::check(nc_inq_varid(f.id, var.c_str(), &varid), path, "variable '" + var + "'");
  nc_inq_varndims(f.id, varid, &ndims);
  nc_inq_vardimid(f.id, varid, dimids);
  if (ndims != 3 || axis_of(f.id, dimids[0]) != Axis::Time)
    throw std::runtime_error(path + ": variable '" + var + "' is not (time, lat, lon)");
  char tname[NC_MAX_NAME + 1];
  size_t nt = 0;
  nc_inq_dim(f.id, dimids[0], tname, &nt);
  int tvar;
  nc::check(nc_inq_varid(f.id, tname, &tvar), path, std::string("time coordinate '") + tname + "'");
  CfTimeAxis a;
  if (!nc::get_text_att(f.id, tvar, "units", a.units)) throw std::runtime_error(path + ": time has no units");
  nc::get_text_att(f.id, tvar, "calendar", a.calendar);
  nc::get_text_att(f.id, NC_GLOBAL, "day_convention", a.day_convention);
  a.values.resize(nt);
  if (nt) nc::check(nc_get_var_double(f.id, tvar, a.values.data()), path, "reading time");
  std::string bname;
  int bvar, bdims = 0, bdimids[NC_MAX_VAR_DIMS];
  size_t blen = 0;
  if (nc::get_text_att(f.id, tvar, "bounds", bname) && nc_inq_varid(f.id, bname.c_str(), &bvar) == NC_NOERR &&
      nc_inq_varndims(f.id, bvar, &bdims) == NC_NOERR && bdims == 2 && nc_inq_vardimid(f.id, bvar, bdimids) == NC_NOERR &&
      bdimids[0] == dimids[0] && nc_inq_dimlen(f.id, bdimids[1], &blen) == NC_NOERR && blen == 2) {
    a.bounds.resize(2 * nt);
    if (nt) nc::check(nc_get_var_double(f.id, bvar, a.bounds.data()), path, "reading " + bname);
  }
  return a;
}

DailyCube read_cf_daily(const std::string& path, const std::string& var) {
  nc::File f(path, NC_NOWRITE);
  const int ncid = f.id;
  int varid, ndims;
  nc::check(nc_inq_varid(ncid, var.c_str(), &varid), path, "variable '" + var + "'");
  int dimids[NC_MAX_VAR_DIMS];
  nc_inq_varndims(ncid, varid, &ndims);
  nc_inq_vardimid(ncid, varid, dimids);
  if (ndims < 2 || ndims > 3)
    throw std::runtime_error(path + ": variable '" + var + "' has " + std::to_string(ndims) +
                             " dimensions, expected (time, lat, lon)");
  int dt = -1, dy = -1, dx = -1;
  for (int k = 0; k < ndims; ++k) {
    const Axis a = axis_of(ncid, dimids[k]);
    if (a == Axis::Time && dt < 0) dt = k;
    else if (a == Axis::Lat && dy < 0) dy = k;
    else if (a == Axis::Lon && dx < 0) dx = k;
  }
  if (dy < 0 || dx < 0 || (ndims == 3 && dt < 0))
    throw std::runtime_error(path + ": variable '" + var + "': cannot identify its time/lat/lon dimensions");
  if (ndims == 3 && dt != 0)
    throw std::runtime_error(path + ": variable '" + var + "': time must be the first dimension");

  DailyCube cube;
  cube.product = var;
  nc::get_text_att(ncid, NC_GLOBAL, "product", cube.product);
  std::string conv;
  if (nc::get_text_att(ncid, NC_GLOBAL, "day_convention", conv)) {
    if (conv.rfind("utc", 0) == 0 || conv.rfind("UTC", 0) == 0) cube.convention = DayConvention::UTC;
  }
  cube.grid.lat = read_coord(ncid, dimids[dy], path);
  cube.grid.lon = read_coord(ncid, dimids[dx], path);
  const size_t ny = cube.grid.ny(), nx = cube.grid.nx();

  size_t nt = 1;
  if (dt >= 0) {
    int tvar;
    char tname[NC_MAX_NAME + 1];
    nc_inq_dim(ncid, dimids[dt], tname, &nt);
    nc::check(nc_inq_varid(ncid, tname, &tvar), path, std::string("time coordinate '") + tname + "'");
    std::string units, calendar = "standard";
    if (!nc::get_text_att(ncid, tvar, "units", units)) throw std::runtime_error(path + ": time has no units");
    nc::get_text_att(ncid, tvar, "calendar", calendar);
    if (calendar != "standard" && calendar != "gregorian" && calendar != "proleptic_gregorian")
      throw std::runtime_error(path + ": time calendar '" + calendar + "' is not supported");
    double unit_s, epoch;
    parse_time_units(units, path, unit_s, epoch);
    std::vector<double> tv(nt);
    if (nt) nc::check(nc_get_var_double(ncid, tvar, tv.data()), path, "reading time");
    for (double t : tv) {
      const double day = std::floor((epoch + t * unit_s) / 86400.0 + 1e-9);
      if (!(std::abs(day) < kMaxDays))
        throw std::runtime_error(path + ": time value " + std::to_string(t) + " '" + units + "' is not finite or out of range");
      cube.days.push_back(DayNumber(day));
    }
  } else {
    cube.days.push_back(0);
  }

  // Decoding: raw == _FillValue or missing_value -> NaN, then scale/offset.
  double fill = 0, missing = 0, scale = 1, offset = 0;
  const bool has_fill = nc::get_double_att(ncid, varid, "_FillValue", fill);
  const bool has_missing = nc::get_double_att(ncid, varid, "missing_value", missing);
  nc::get_double_att(ncid, varid, "scale_factor", scale);
  nc::get_double_att(ncid, varid, "add_offset", offset);
  nc_type vtype;
  nc_inq_vartype(ncid, varid, &vtype);
  const bool is_float = vtype == NC_FLOAT || vtype == NC_DOUBLE;

  cube.precip.resize(nt * ny * nx);
  std::vector<double> raw(ny * nx);
  const bool transposed = dy > dx;  // stored (lon, lat)
  for (size_t t = 0; t < nt; ++t) {
    size_t start[3] = {0, 0, 0}, count[3] = {1, 1, 1};
    const int off = ndims == 3 ? 1 : 0;
    if (ndims == 3) start[0] = t;
    count[off] = transposed ? nx : ny;
    count[off + 1] = transposed ? ny : nx;
    nc::check(nc_get_vara_double(ncid, varid, start, count, raw.data()), path, "reading '" + var + "'");
    float* out = cube.day_ptr(t);
    for (size_t j = 0; j < ny; ++j)
      for (size_t i = 0; i < nx; ++i) {
        const double r = transposed ? raw[i * ny + j] : raw[j * nx + i];
        const bool miss = (has_fill && (r == fill || (is_float && float(r) == float(fill)))) ||
                          (has_missing && (r == missing || (is_float && float(r) == float(missing)))) || std::isnan(r);
        out[j * nx + i] = miss ? NAN : float(r * scale + offset);
      }
  }

  int vs;
  if (dt >= 0 && nc_inq_varid(ncid, "valid_steps", &vs) == NC_NOERR) {
    int vnd;
    nc_inq_varndims(ncid, vs, &vnd);
    if (vnd == 3 && !transposed) {
      cube.valid_steps.resize(nt * ny * nx);
      nc::check(nc_get_var_ushort(ncid, vs, cube.valid_steps.data()), path, "reading valid_steps");
      double spd = 0;
      if (nc::get_double_att(ncid, vs, "steps_per_day", spd)) cube.steps_per_day = int(spd);
    }
  }
  return cube;
}

}  // namespace rf::io

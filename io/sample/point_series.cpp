#include "io/sample/point_series.h"

#include "io/cf/nc_util.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
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

// Reads are boxes inside one storage chunk: tiles of at most kTile x kTile
// cells of a chunk, at most kMaxBox values (time x lat x lon) per read.
constexpr size_t kTile = 256;
constexpr size_t kMaxBox = size_t(1) << 22;  // 32 MiB of doubles

// A station's cell (row j, column i of the file).
struct Cell {
  size_t point, j, i;
};

// "station <id> (<lon>E, <lat>N)".
std::string describe(const PointRequest& p) {
  char s[160];
  std::snprintf(s, sizeof s, "station %s (%.4fE, %.4fN)", p.id.c_str(), p.lon, p.lat);
  return s;
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
  const double secs = double(day_from_ymd(y, m, d)) * 86400 + hh * 3600.0 + mm * 60.0 + ss + value * scale;
  const double day = std::floor(secs / 86400 + 1e-9);
  if (!(std::abs(day) < kMaxDays))
    throw std::invalid_argument("time value " + std::to_string(value) + " '" + units + "' is not finite or out of range");
  return DayNumber(day);
}

SampledSeries sample_points(const std::string& path, const std::string& var, const std::vector<PointRequest>& pts,
                            bool outside_ok) {
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

  // Every station's cell; all stations outside the grid are named in one error.
  std::vector<Cell> cells;
  std::vector<std::string> outside;
  for (size_t p = 0; p < pts.size(); ++p) {
    bool in_lon, in_lat;
    double plon = pts[p].lon;
    if (lon.back() > 180 && plon < 0) plon += 360;
    const size_t i = nearest(lon, plon, in_lon), j = nearest(lat, pts[p].lat, in_lat);
    if (in_lon && in_lat) cells.push_back({p, j, i});
    else outside.push_back(describe(pts[p]));
  }
  if (!outside.empty() && !outside_ok) {
    char extent[160];
    std::snprintf(extent, sizeof extent, "the grid (lon %.4f..%.4fE, lat %.4f..%.4fN, cell centres)",
                  std::min(lon.front(), lon.back()), std::max(lon.front(), lon.back()),
                  std::min(lat.front(), lat.back()), std::max(lat.front(), lat.back()));
    std::string msg = outside.size() == 1 ? outside[0] + " is outside " + extent
                                          : std::to_string(outside.size()) + " stations are outside " + extent + ": ";
    for (size_t k = 0; outside.size() > 1 && k < outside.size(); ++k) msg += (k ? ", " : "") + outside[k];
    throw std::runtime_error(path + ": " + msg);
  }

  // Storage chunks (time, lat, lon); a contiguous variable is read in 64 x 64
  // cell tiles over the whole time axis (strided rows, no decompression).
  const size_t nt = time.size(), ny = lat.size(), nx = lon.size();
  size_t chunk[3] = {nt, 64, 64};
  int storage = NC_CONTIGUOUS;
  if (nc_inq_var_chunking(f.id, v, &storage, chunk) != NC_NOERR || storage != NC_CHUNKED)
    chunk[0] = nt, chunk[1] = 64, chunk[2] = 64;
  const size_t ct = std::max<size_t>(1, chunk[0]), cy = std::max<size_t>(1, chunk[1]),
               cx = std::max<size_t>(1, chunk[2]);
  const size_t ty = std::min(cy, kTile), tx = std::min(cx, kTile);
  const size_t nt_read = std::clamp<size_t>(kMaxBox / (ty * tx), 1, ct);
  // Reads of one chunk come one after the other: the chunk cache must hold one
  // chunk so that several boxes in it cost one decompression.
  if (storage == NC_CHUNKED) {
    size_t cache = 0, nelems = 0;
    float preempt = 0;
    nc_type type;
    size_t type_size = 8;
    if (nc_inq_vartype(f.id, v, &type) == NC_NOERR) nc_inq_type(f.id, type, nullptr, &type_size);
    const size_t chunk_bytes = ct * cy * cx * type_size;
    if (nc_get_var_chunk_cache(f.id, v, &cache, &nelems, &preempt) == NC_NOERR && cache < chunk_bytes &&
        chunk_bytes <= (size_t(1) << 31))
      nc_set_var_chunk_cache(f.id, v, chunk_bytes + (size_t(1) << 20), std::max<size_t>(nelems, 1), preempt);
  }

  // Stations grouped by (chunk row, chunk column, tile row, tile column), in
  // storage order: each group is read as the bounding box of its cells.
  std::map<std::array<size_t, 4>, std::vector<Cell>> groups;
  for (const Cell& c : cells)
    groups[{c.j / cy, c.i / cx, (c.j % cy) / ty, (c.i % cx) / tx}].push_back(c);

  out.values.assign(pts.size(), std::vector<float>(nt, NAN));
  if (outside_ok) out.outside = outside;
  std::vector<double> buf;
  for (size_t t0 = 0; t0 < nt; t0 += ct) {
    const size_t t1 = std::min(nt, t0 + ct);
    for (const auto& [key, members] : groups) {
      size_t j0 = ny, j1 = 0, i0 = nx, i1 = 0;
      for (const Cell& c : members)
        j0 = std::min(j0, c.j), j1 = std::max(j1, c.j), i0 = std::min(i0, c.i), i1 = std::max(i1, c.i);
      const size_t h = j1 - j0 + 1, w = i1 - i0 + 1;
      for (size_t ta = t0; ta < t1; ta += nt_read) {
        const size_t n = std::min(nt_read, t1 - ta);
        buf.resize(n * h * w);
        const size_t start[3] = {ta, j0, i0}, count[3] = {n, h, w};
        nc::check(nc_get_vara_double(f.id, v, start, count, buf.data()), path, "reading " + var);
        for (const Cell& c : members) {
          float* series = out.values[c.point].data() + ta;
          const double* src = buf.data() + (c.j - j0) * w + (c.i - i0);
          for (size_t t = 0; t < n; ++t) {
            const double raw = src[t * h * w];
            const bool bad = !std::isfinite(raw) || raw == fill || raw == missing;
            series[t] = bad ? NAN : float(raw * scale + offset);
          }
        }
      }
    }
  }
  return out;
}

}  // namespace rf::io

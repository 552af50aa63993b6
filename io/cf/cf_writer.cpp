// CF-1.8 netCDF-4 writer for daily fields (see writer.h). The metadata and
// coordinates go through netCDF-C; the big (time, lat, lon) variables are
// compressed in parallel and stored with HDF5 direct chunk writes
// (chunk_writer.h). Everything is written to "<path>.part-<pid>" and renamed
// into place only when complete; on any error the partial file is removed.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/cf/chunk_writer.h"
#include "io/cf/nc_util.h"
#include "io/cf/qinghai_mask.h"
#include "io/cf/writer.h"

#ifndef RAINFUSE_VERSION
#define RAINFUSE_VERSION "unknown"
#endif

namespace rf::io {

namespace {

constexpr float kFloatFill = NC_FILL_FLOAT;  // 9.96921e36, the netCDF default
constexpr short kShortFill = -32768;
constexpr double kPackScale = 0.01;   // mm day-1 per count
constexpr double kPackOffset = 317.67;  // packed range [-10.00, 645.34] mm day-1

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

// Removes the temporary file unless the write committed.
struct TempFile {
  std::string path;
  bool committed = false;
  ~TempFile() {
    if (!committed) std::remove(path.c_str());
  }
};

void define_var(int ncid, const std::string& path, const char* name, nc_type type, int ndims, const int* dims,
                int& varid) {
  nc::check(nc_def_var(ncid, name, type, ndims, dims, &varid), path, std::string("defining ") + name);
}


// What the file describes; the values come row by row from the sources below.
struct Layout {
  const Grid* grid;
  const std::vector<DayNumber>* days;
  DayConvention convention;
  std::string product;
  int steps_per_day;
};
// Values of cube row (t, y) (grid storage order), columns [x0, x0 + n).
using FloatRows = std::function<void(size_t t, size_t y, size_t x0, size_t n, float* out)>;
using StepRows = std::function<void(size_t t, size_t y, size_t x0, size_t n, uint16_t* out)>;

void write_cf(const std::string& path, const Layout& lay, const FloatRows& precip, const StepRows* steps_rows,
              uint16_t max_steps, const CfOptions& opt) {
  const Grid& g = *lay.grid;
  const size_t nt = lay.days->size(), ny = g.ny(), nx = g.nx(), plane = ny * nx;
  if (nt == 0 || plane == 0) throw std::runtime_error(path + ": nothing to write (empty cube)");
  const bool steps = steps_rows != nullptr;
  for (size_t t = 1; t < nt; ++t)
    if ((*lay.days)[t] <= (*lay.days)[t - 1]) throw std::runtime_error(path + ": days are not strictly increasing");
  if (opt.deflate_level < 0 || opt.deflate_level > 9) throw std::runtime_error(path + ": deflate level must be 0..9");

  // Latitude ascending in the file: row y_out of the file is row src_row(y_out) of the cube.
  const bool flip = ny > 1 && g.lat[0] > g.lat[ny - 1];
  std::vector<double> lat = g.lat;
  if (flip) std::reverse(lat.begin(), lat.end());
  auto src_row = [&](size_t y) { return flip ? ny - 1 - y : y; };

  const bool steps_u8 = max_steps < 255;

  TempFile tmp{path + ".part-" + std::to_string(::getpid())};
  const int level = opt.deflate_level > 0 && opt.fast_deflate ? 1 : opt.deflate_level;
  const size_t ct = std::min<size_t>(std::max(opt.time_chunk, 1), nt), cy = std::min<size_t>(128, ny),
               cx = std::min<size_t>(128, nx);
  {
    nc::File f(tmp.path, NC_NETCDF4 | NC_CLOBBER, true);
    const int ncid = f.id;
    const std::string& p = tmp.path;
    int dt, dy, dx, db;
    nc::check(nc_def_dim(ncid, "time", nt, &dt), p, "dim time");
    nc::check(nc_def_dim(ncid, "lat", ny, &dy), p, "dim lat");
    nc::check(nc_def_dim(ncid, "lon", nx, &dx), p, "dim lon");
    nc::check(nc_def_dim(ncid, "bnds", 2, &db), p, "dim bnds");

    int vt, vtb, vlat, vlatb, vlon, vlonb, vcrs, vdata, vsteps = -1, vmask = -1;
    const int d_t[1] = {dt}, d_tb[2] = {dt, db}, d_y[1] = {dy}, d_yb[2] = {dy, db}, d_x[1] = {dx}, d_xb[2] = {dx, db};
    define_var(ncid, p, "time", NC_DOUBLE, 1, d_t, vt);
    nc::put_text(ncid, vt, "standard_name", "time", p);
    nc::put_text(ncid, vt, "long_name", "time", p);
    nc::put_text(ncid, vt, "units", "days since 1970-01-01 00:00:00", p);
    nc::put_text(ncid, vt, "calendar", "proleptic_gregorian", p);
    nc::put_text(ncid, vt, "axis", "T", p);
    nc::put_text(ncid, vt, "bounds", "time_bnds", p);
    define_var(ncid, p, "time_bnds", NC_DOUBLE, 2, d_tb, vtb);

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
    const size_t chunks[3] = {ct, cy, cx};
    define_var(ncid, p, opt.var_name.c_str(), opt.pack_int16 ? NC_SHORT : NC_FLOAT, 3, d3, vdata);
    nc::check(nc_def_var_chunking(ncid, vdata, NC_CHUNKED, chunks), p, "chunking");
    if (level > 0) nc::check(nc_def_var_deflate(ncid, vdata, 1, 1, level), p, "deflate");
    if (opt.pack_int16) {
      nc::check(nc_def_var_fill(ncid, vdata, NC_FILL, &kShortFill), p, "_FillValue");
      nc::check(nc_put_att_double(ncid, vdata, "scale_factor", NC_DOUBLE, 1, &kPackScale), p, "scale_factor");
      nc::check(nc_put_att_double(ncid, vdata, "add_offset", NC_DOUBLE, 1, &kPackOffset), p, "add_offset");
    } else {
      nc::check(nc_def_var_fill(ncid, vdata, NC_FILL, &kFloatFill), p, "_FillValue");
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
        for (size_t x = 0; x < nx; ++x) mask_out[y * nx + x] = int8_t(m[src_row(y) * nx + x]);
      const int d2[2] = {dy, dx};
      define_var(ncid, p, "mask", NC_BYTE, 2, d2, vmask);
      nc::check(nc_def_var_deflate(ncid, vmask, 0, 1, 4), p, "deflate");
      nc::put_text(ncid, vmask, "long_name", "Qinghai province (gmt-dcw polygon CN.QH)", p);
      const int8_t fv[2] = {0, 1};
      nc::check(nc_put_att_schar(ncid, vmask, "flag_values", NC_BYTE, 2, fv), p, "flag_values");
      nc::put_text(ncid, vmask, "flag_meanings", "outside inside", p);
      nc::put_text(ncid, vmask, "grid_mapping", "crs", p);
    }

    const bool cma = lay.convention == DayConvention::CMA;
    nc::put_text(ncid, NC_GLOBAL, "Conventions", "CF-1.8", p);
    nc::put_text(ncid, NC_GLOBAL, "title", opt.title, p);
    nc::put_text(ncid, NC_GLOBAL, "institution", opt.institution, p);
    nc::put_text(ncid, NC_GLOBAL, "source", opt.source.empty() ? lay.product : opt.source, p);
    nc::put_text(ncid, NC_GLOBAL, "product", lay.product, p);
    nc::put_text(ncid, NC_GLOBAL, "model", opt.model.empty() ? "none" : opt.model, p);
    nc::put_text(ncid, NC_GLOBAL, "version", std::string("rainfuse ") + RAINFUSE_VERSION, p);
    nc::put_text(ncid, NC_GLOBAL, "history", utc_now() + ": " + (opt.history.empty() ? "rainfuse" : opt.history), p);
    nc::put_text(ncid, NC_GLOBAL, "references", opt.references, p);
    nc::put_text(ncid, NC_GLOBAL, "day_convention",
                 cma ? "cma: 20:00-20:00 Beijing time (12:00 UTC of the previous date to 12:00 UTC of the date); "
                       "each step is stamped at the date the window ends"
                     : "utc: 00:00-24:00 UTC of the stamped date",
                 p);
    nc::check(nc_enddef(ncid), p, "enddef");

    std::vector<double> tv(nt), tb(2 * nt);
    for (size_t t = 0; t < nt; ++t) {
      tv[t] = double((*lay.days)[t]);
      tb[2 * t] = cma ? tv[t] - 0.5 : tv[t];
      tb[2 * t + 1] = cma ? tv[t] + 0.5 : tv[t] + 1.0;
    }
    nc::check(nc_put_var_double(ncid, vt, tv.data()), p, "writing time");
    nc::check(nc_put_var_double(ncid, vtb, tb.data()), p, "writing time_bnds");
    nc::check(nc_put_var_double(ncid, vlat, lat.data()), p, "writing lat");
    nc::check(nc_put_var_double(ncid, vlatb, bounds_of(lat, -90.0, 90.0).data()), p, "writing lat_bnds");
    nc::check(nc_put_var_double(ncid, vlon, g.lon.data()), p, "writing lon");
    const double inf = std::numeric_limits<double>::infinity();
    nc::check(nc_put_var_double(ncid, vlonb, bounds_of(g.lon, -inf, inf).data()), p, "writing lon_bnds");
    if (vmask >= 0) nc::check(nc_put_var_schar(ncid, vmask, mask_out.data()), p, "writing mask");
    f.close();
  }

  // The big variables: parallel compression + direct chunk writes. Each chunk
  // row is produced by the row source (a cube copy, or regridding on the fly)
  // and converted to the stored type.
  std::atomic<bool> out_of_range{false};
  auto chunk_fill = [&]<class Src>(const std::function<void(size_t, size_t, size_t, size_t, Src*)>& rows,
                                   auto convert, auto fill_value) -> ChunkFill {
    using Dst = decltype(fill_value);
    return [&, convert, fill_value](size_t t0, size_t y0, size_t x0, void* buf) {
      Dst* o = static_cast<Dst*>(buf);
      const size_t n = x0 < nx ? std::min(cx, nx - x0) : 0;
      thread_local std::vector<Src> tmp;
      tmp.resize(cx);
      for (size_t t = 0; t < ct; ++t)
        for (size_t y = 0; y < cy; ++y) {
          Dst* row = o + (t * cy + y) * cx;
          const size_t tt = t0 + t, yy = y0 + y;
          size_t k = 0;
          if (tt < nt && yy < ny && n > 0) {
            rows(tt, src_row(yy), x0, n, tmp.data());
            for (; k < n; ++k) row[k] = convert(tmp[k]);
          }
          for (; k < cx; ++k) row[k] = fill_value;
        }
    };
  };
  if (opt.pack_int16) {
    auto pack = [&out_of_range](float v) -> short {
      if (std::isnan(v)) return kShortFill;
      if (v < -10.0f || v > 645.34f) out_of_range = true;
      return short(std::lround((double(std::clamp(v, -10.0f, 645.34f)) - kPackOffset) / kPackScale));
    };
    write_chunks_direct(tmp.path, opt.var_name, 2, chunk_fill(precip, pack, kShortFill), level, opt.fast_deflate);
    if (out_of_range)
      throw std::runtime_error(path + ": values outside the int16 packing range [-10, 645.34] mm day-1");
  } else {
    auto val = [](float v) -> float { return std::isnan(v) ? kFloatFill : v; };
    write_chunks_direct(tmp.path, opt.var_name, 4, chunk_fill(precip, val, kFloatFill), level, opt.fast_deflate);
  }
  if (steps) {
    if (steps_u8) {
      auto v = [](uint16_t x) -> uint8_t { return uint8_t(x); };
      write_chunks_direct(tmp.path, "valid_steps", 1, chunk_fill(*steps_rows, v, uint8_t(0)), level,
                          opt.fast_deflate);
    } else {
      auto v = [](uint16_t x) -> uint16_t { return x; };
      write_chunks_direct(tmp.path, "valid_steps", 2, chunk_fill(*steps_rows, v, uint16_t(0)), level,
                          opt.fast_deflate);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp.path, path, ec);
  if (ec) throw std::runtime_error(path + ": cannot rename the finished file into place: " + ec.message());
  tmp.committed = true;
}

}  // namespace

void write_cf_daily(const std::string& path, const DailyCube& cube, const CfOptions& opt) {
  const size_t plane = cube.grid.size(), nx = cube.grid.nx();
  if (cube.precip.size() != cube.nt() * plane)
    throw std::runtime_error(path + ": cube holds " + std::to_string(cube.precip.size()) + " values, expected " +
                             std::to_string(cube.nt() * plane));
  const bool steps = opt.write_valid_steps && !cube.valid_steps.empty();
  if (steps && cube.valid_steps.size() != cube.precip.size())
    throw std::runtime_error(path + ": valid_steps size mismatch");
  const Layout lay{&cube.grid, &cube.days, cube.convention, cube.product, cube.steps_per_day};
  const FloatRows precip = [&](size_t t, size_t y, size_t x0, size_t n, float* out) {
    std::copy_n(cube.precip.data() + t * plane + y * nx + x0, n, out);
  };
  const StepRows step_rows = [&](size_t t, size_t y, size_t x0, size_t n, uint16_t* out) {
    std::copy_n(cube.valid_steps.data() + t * plane + y * nx + x0, n, out);
  };
  const uint16_t max_steps = steps ? *std::max_element(cube.valid_steps.begin(), cube.valid_steps.end()) : 0;
  write_cf(path, lay, precip, steps ? &step_rows : nullptr, max_steps, opt);
}

void write_cf_regridded(const std::string& path, const DailyCube& src, const RegridPlan& plan, const CfOptions& opt) {
  if (!(plan.src == src.grid)) throw std::runtime_error(path + ": the regrid plan was made for another source grid");
  const size_t nsrc = src.grid.size(), nt = src.nt(), nx = plan.dst.nx();
  if (src.precip.size() != nt * nsrc) throw std::runtime_error(path + ": source cube size mismatch");
  // The (small) source side is prepared once: bicubic needs each field's gradients.
  const int planes = regrid_source_planes(plan);
  std::vector<float> prepared;
  const float* source = src.precip.data();
  if (planes > 1) {
    prepared.resize(nt * nsrc * size_t(planes));
    for (size_t t = 0; t < nt; ++t)
      make_regrid_source(plan, src.precip.data() + t * nsrc, prepared.data() + t * nsrc * size_t(planes));
    source = prepared.data();
  }
  const size_t field_stride = nsrc * size_t(planes);
  const FloatRows precip = [&](size_t t, size_t y, size_t x0, size_t n, float* out) {
    apply_regrid_span(plan, source + t * field_stride, int64_t(y * nx + x0), int64_t(n), out);
  };
  const bool steps = opt.write_valid_steps && plan.method == RegridMethod::Nearest && !src.valid_steps.empty();
  const StepRows step_rows = [&](size_t t, size_t y, size_t x0, size_t n, uint16_t* out) {
    const int64_t* idx = plan.src_index.data() + y * nx + x0;
    const uint16_t* s = src.valid_steps.data() + t * nsrc;
    for (size_t k = 0; k < n; ++k) out[k] = idx[k] < 0 ? 0 : s[idx[k]];
  };
  const uint16_t max_steps = steps ? *std::max_element(src.valid_steps.begin(), src.valid_steps.end()) : 0;
  const Layout lay{&plan.dst, &src.days, src.convention, src.product, src.steps_per_day};
  write_cf(path, lay, precip, steps ? &step_rows : nullptr, max_steps, opt);
}

}  // namespace rf::io

#include "io/synth/nc_products.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "io/cf/nc_util.h"
#include "io/synth/era5_grib.h"
#include "io/synth/paths.h"
#include "io/synth/zip_writer.h"

namespace rf::io::synth {

namespace {
std::string ymd_compact(UnixSeconds t) {
  int y, m, d;
  ymd_from_day(DayNumber(t >= 0 ? t / 86400 : (t - 86399) / 86400), y, m, d);
  char b[16];
  std::snprintf(b, sizeof b, "%04d%02d%02d", y, m, d);
  return b;
}
int seconds_of_day(UnixSeconds t) { return int(((t % 86400) + 86400) % 86400); }
DayNumber day_of(UnixSeconds t) { return DayNumber((t - seconds_of_day(t)) / 86400); }
std::string year_doy_dir(const std::string& dir, UnixSeconds t) {
  int y, m, d;
  ymd_from_day(day_of(t), y, m, d);
  char b[32];
  std::snprintf(b, sizeof b, "/%04d/%03d/", y, day_of_year(day_of(t)));
  return dir + b;
}
void finish(const std::string& tmp, const std::string& path) { std::filesystem::rename(tmp, path); }
// 00 UTC of the day holding the hour that ends at `stamp` (ERA5-Land's accumulation start).
UnixSeconds land_day_start(UnixSeconds stamp) { return day_start(day_of(stamp - 1)); }

// The instantaneous member of a CDS zip: t2m(valid_time, latitude, longitude) in K.
void write_instant_member(const std::string& path, const Grid& g, const std::vector<int64_t>& stamps) {
  int nc, dt, dlat, dlon, vt, vlat, vlon, v;
  nc::check(nc_create(path.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), path, "create");
  nc::check(nc_def_dim(nc, "valid_time", stamps.size(), &dt), path, "def_dim");
  nc::check(nc_def_dim(nc, "latitude", g.ny(), &dlat), path, "def_dim");
  nc::check(nc_def_dim(nc, "longitude", g.nx(), &dlon), path, "def_dim");
  nc::check(nc_def_var(nc, "valid_time", NC_INT64, 1, &dt, &vt), path, "def_var");
  nc::put_text(nc, vt, "units", "seconds since 1970-01-01", path);
  nc::check(nc_def_var(nc, "latitude", NC_DOUBLE, 1, &dlat, &vlat), path, "def_var");
  nc::put_text(nc, vlat, "units", "degrees_north", path);
  nc::check(nc_def_var(nc, "longitude", NC_DOUBLE, 1, &dlon, &vlon), path, "def_var");
  nc::put_text(nc, vlon, "units", "degrees_east", path);
  const int d3[3] = {dt, dlat, dlon};
  nc::check(nc_def_var(nc, "t2m", NC_FLOAT, 3, d3, &v), path, "def_var t2m");
  nc::check(nc_def_var_deflate(nc, v, 1, 1, 1), path, "deflate");
  nc::put_text(nc, v, "units", "K", path);
  nc::put_text(nc, v, "long_name", "2 metre temperature", path);
  nc::put_text(nc, NC_GLOBAL, "GRIB_centre", "ecmf", path);
  nc::check(nc_enddef(nc), path, "enddef");
  std::vector<long long> secs(stamps.begin(), stamps.end());
  nc::check(nc_put_var_longlong(nc, vt, secs.data()), path, "put valid_time");
  nc::check(nc_put_var_double(nc, vlat, g.lat.data()), path, "put latitude");
  nc::check(nc_put_var_double(nc, vlon, g.lon.data()), path, "put longitude");
  const std::vector<float> t2m(stamps.size() * g.size(), 281.5f);
  nc::check(nc_put_var_float(nc, v, t2m.data()), path, "put t2m");
  nc::check(nc_close(nc), path, "close");
}

// The chunk shape of the global gridded files: only the window's chunks are stored.
constexpr size_t kChunk = 60;

// Compresses, for time index t of a (time, A, B) float variable with extent
// na_all x nb_all and chunks (1, 60, 60), every chunk intersecting the window
// [a0, a0 + na) x [b0, b0 + nb); value(a, b) is the window's element at
// window-relative (a, b); everything else is `fill` (as netCDF-C fills a
// partly written chunk). Appends to `out` in (a, b) chunk order.
template <class Value>
void window_chunks(size_t t, size_t a0, size_t na, size_t b0, size_t nb, size_t na_all, size_t nb_all, float fill,
                   Value value, std::vector<CompressedChunk>& out) {
  std::vector<float> raw(kChunk * kChunk);
  for (size_t ca = a0 / kChunk * kChunk; ca < std::min(a0 + na, na_all); ca += kChunk)
    for (size_t cb = b0 / kChunk * kChunk; cb < std::min(b0 + nb, nb_all); cb += kChunk) {
      for (size_t a = 0; a < kChunk; ++a)
        for (size_t b = 0; b < kChunk; ++b) {
          const size_t ga = ca + a, gb = cb + b;
          const bool in = ga >= a0 && ga < a0 + na && gb >= b0 && gb < b0 + nb;
          raw[a * kChunk + b] = in ? value(ga - a0, gb - b0) : fill;
        }
      out.push_back({{t, ca, cb}, compress_chunk(raw.data(), raw.size() * sizeof(float), sizeof(float), 1)});
    }
}
}  // namespace

Era5Layout era5_layout_alternating(int y) { return y % 2 == 0 ? Era5Layout::Legacy : Era5Layout::Cds; }
Era5Layout era5_layout_legacy(int) { return Era5Layout::Legacy; }
Era5Layout era5_layout_cds(int) { return Era5Layout::Cds; }

Era5Layout era5_layout_zip(int) { return Era5Layout::Zip; }
Era5Layout era5_layout_grib(int) { return Era5Layout::Grib; }

Era5Writer::Era5Writer(std::string out_dir, Era5Layout (*f)(int), bool land)
    : dir_(std::move(out_dir)), layout_(f), land_(land) {}

void Era5Writer::add_day(const ProductDay& d, const NativeWindow& w) {
  w_ = w;
  for (int k = 0; k < w.steps_per_day; ++k) {
    const UnixSeconds stamp = d.step_start(k, w) + 3600;  // hour-ending
    if (land_ && last_stamp_ == INT64_MIN)  // the first day's hours from 01 UTC, dry (nc_products.h)
      for (UnixSeconds t = land_day_start(stamp) + 3600; t < stamp; t += 3600) push(t, nullptr);
    push(stamp, d.steps.data() + size_t(k) * w.size());
  }
}

void Era5Writer::push(UnixSeconds stamp, const float* mm) {
  int y, m, dd;
  ymd_from_day(day_of(stamp), y, m, dd);
  const int key = y * 100 + m;
  if (key != month_key_) {
    flush();
    month_key_ = key;
  }
  const size_t n = w_.size();
  if (land_ && !(last_stamp_ == stamp - 3600 && land_day_start(stamp) == land_day_start(last_stamp_)))
    acc_.assign(n, 0.f);  // 01 UTC: a new day's accumulation
  last_stamp_ = stamp;
  stamps_.push_back(stamp);
  for (size_t i = 0; i < n; ++i) {
    const float h = mm ? mm[i] * 1e-3f : 0.f;  // mm -> m
    hours_.push_back(land_ ? (acc_[i] += h) : h);
  }
}

void Era5Writer::flush() {
  if (stamps_.empty()) return;
  const Era5Layout layout = layout_(month_key_ / 100);
  char name[64];
  std::snprintf(name, sizeof name, "/era5/era5_tp_%06d.%s", month_key_,
                layout == Era5Layout::Zip ? "zip" : layout == Era5Layout::Grib ? "grib" : "nc");
  const std::string path = dir_ + name, tmp = path + ".part";
  make_parent_dirs(path);
  if (layout == Era5Layout::Grib) {
    write_era5_grib(tmp, w_.grid(), stamps_, hours_, land_);
  } else if (layout == Era5Layout::Zip) {
    const std::string accum = path + ".accum.part", instant = path + ".instant.part";
    write_nc(accum, false);
    write_instant_member(instant, w_.grid(), stamps_);
    write_zip(tmp, {{"data_stream-oper_stepType-instant.nc", instant}, {"data_stream-oper_stepType-accum.nc", accum}});
    std::filesystem::remove(accum);
    std::filesystem::remove(instant);
  } else {
    write_nc(tmp, layout == Era5Layout::Legacy);
  }
  finish(tmp, path);
  written.push_back(path);
  stamps_.clear();
  hours_.clear();
}

void Era5Writer::write_nc(const std::string& path, bool legacy) const {
  const size_t nt = stamps_.size(), ny = size_t(w_.nj), nx = size_t(w_.ni);
  const Grid g = w_.grid();
  int nc, dt, dlat, dlon, vt, vlat, vlon, vtp;
  nc::check(nc_create(path.c_str(), NC_CLOBBER | (legacy ? NC_64BIT_OFFSET : NC_NETCDF4), &nc), path, "create");
  if (legacy) {
    nc::check(nc_def_dim(nc, "longitude", nx, &dlon), path, "def_dim");
    nc::check(nc_def_dim(nc, "latitude", ny, &dlat), path, "def_dim");
    nc::check(nc_def_dim(nc, "time", NC_UNLIMITED, &dt), path, "def_dim");
    nc::check(nc_def_var(nc, "longitude", NC_FLOAT, 1, &dlon, &vlon), path, "def_var");
    nc::check(nc_def_var(nc, "latitude", NC_FLOAT, 1, &dlat, &vlat), path, "def_var");
    nc::check(nc_def_var(nc, "time", NC_INT, 1, &dt, &vt), path, "def_var");
    nc::put_text(nc, vt, "units", "hours since 1900-01-01 00:00:00.0", path);
    nc::put_text(nc, vt, "calendar", "gregorian", path);
  } else {
    nc::check(nc_def_dim(nc, "valid_time", nt, &dt), path, "def_dim");
    nc::check(nc_def_dim(nc, "latitude", ny, &dlat), path, "def_dim");
    nc::check(nc_def_dim(nc, "longitude", nx, &dlon), path, "def_dim");
    int vnum, vexp;
    nc::check(nc_def_var(nc, "number", NC_INT64, 0, nullptr, &vnum), path, "def_var");
    nc::put_text(nc, vnum, "long_name", "ensemble member numerical id", path);
    nc::put_text(nc, vnum, "units", "1", path);
    nc::put_text(nc, vnum, "standard_name", "realization", path);
    nc::check(nc_def_var(nc, "valid_time", NC_INT64, 1, &dt, &vt), path, "def_var");
    nc::put_text(nc, vt, "units", "seconds since 1970-01-01", path);
    nc::put_text(nc, vt, "calendar", "proleptic_gregorian", path);
    nc::check(nc_def_var(nc, "latitude", NC_DOUBLE, 1, &dlat, &vlat), path, "def_var");
    nc::put_text(nc, vlat, "stored_direction", "decreasing", path);
    nc::check(nc_def_var(nc, "longitude", NC_DOUBLE, 1, &dlon, &vlon), path, "def_var");
    nc::check(nc_def_var(nc, "expver", NC_STRING, 1, &dt, &vexp), path, "def_var");
    nc::put_text(nc, vexp, "long_name", "model version", path);
    nc::check(nc_enddef(nc), path, "enddef");
    const long long zero = 0;
    nc::check(nc_put_var_longlong(nc, vnum, &zero), path, "put number");
    std::vector<const char*> ev(nt, "0001");
    nc::check(nc_put_var_string(nc, vexp, ev.data()), path, "put expver");
    nc::check(nc_redef(nc), path, "redef");
  }
  nc::put_text(nc, vt, "long_name", "time", path);
  nc::put_text(nc, vt, "standard_name", "time", path);
  nc::put_text(nc, vlat, "units", "degrees_north", path);
  nc::put_text(nc, vlat, "long_name", "latitude", path);
  nc::put_text(nc, vlat, "standard_name", "latitude", path);
  nc::put_text(nc, vlon, "units", "degrees_east", path);
  nc::put_text(nc, vlon, "long_name", "longitude", path);
  nc::put_text(nc, vlon, "standard_name", "longitude", path);
  int d3[3] = {dt, dlat, dlon};
  nc::check(nc_def_var(nc, "tp", legacy ? NC_SHORT : NC_FLOAT, 3, d3, &vtp), path, "def_var tp");
  // Legacy packing as the CDS converter did: the file's range over 65532 steps.
  double scale = 1, offset = 0;
  if (legacy) {
    const auto [mn, mx] = std::minmax_element(hours_.begin(), hours_.end());
    const double range = double(*mx) - double(*mn);
    scale = range > 0 ? range / 65532.0 : 1e-9;
    offset = double(*mn) + 32766.0 * scale;
    nc::put_double(nc, vtp, "scale_factor", scale, path);
    nc::put_double(nc, vtp, "add_offset", offset, path);
    const short fill = -32767;
    nc::check(nc_put_att_short(nc, vtp, "_FillValue", NC_SHORT, 1, &fill), path, "_FillValue");
    nc::check(nc_put_att_short(nc, vtp, "missing_value", NC_SHORT, 1, &fill), path, "missing_value");
    nc::put_text(nc, NC_GLOBAL, "Conventions", "CF-1.6", path);
  } else {
    size_t chunk[3] = {std::min<size_t>(nt, 24), ny, nx};
    nc::check(nc_def_var_chunking(nc, vtp, NC_CHUNKED, chunk), path, "chunking");
    nc::check(nc_def_var_deflate(nc, vtp, 1, 1, 1), path, "deflate");
    const float fill = NAN;
    nc::check(nc_def_var_fill(nc, vtp, 0, &fill), path, "fill");
    nc::put_text(nc, vtp, "coordinates", "number expver", path);
    const int pid = 228;
    nc::check(nc_put_att_int(nc, vtp, "GRIB_paramId", NC_INT, 1, &pid), path, "GRIB_paramId");
    nc::put_text(nc, vtp, "GRIB_shortName", "tp", path);
    nc::put_text(nc, NC_GLOBAL, "GRIB_centre", "ecmf", path);
    nc::put_text(nc, NC_GLOBAL, "Conventions", "CF-1.7", path);
    nc::put_text(nc, NC_GLOBAL, "institution", "European Centre for Medium-Range Weather Forecasts", path);
  }
  nc::put_text(nc, vtp, "units", "m", path);
  nc::put_text(nc, vtp, "long_name", "Total precipitation", path);
  nc::put_text(nc, vtp, "standard_name", "unknown", path);
  nc::put_text(nc, NC_GLOBAL, "history",
               land_ ? "rainfuse synth: synthetic ERA5-Land hourly tp (twin), accumulated from 00 UTC"
                     : "rainfuse synth: synthetic ERA5 hourly tp (twin)",
               path);
  nc::check(nc_enddef(nc), path, "enddef");
  std::vector<double> lat(g.lat), lon(g.lon);
  if (legacy) {
    std::vector<float> flat(lat.begin(), lat.end()), flon(lon.begin(), lon.end());
    nc::check(nc_put_var_float(nc, vlat, flat.data()), path, "put latitude");
    nc::check(nc_put_var_float(nc, vlon, flon.data()), path, "put longitude");
    std::vector<int> hrs(nt);
    const int64_t h1900 = int64_t(-day_from_ymd(1900, 1, 1)) * 24;  // hours from 1900 to 1970
    for (size_t t = 0; t < nt; ++t) hrs[t] = int(h1900 + stamps_[t] / 3600);
    size_t st[3] = {0, 0, 0}, ct[3] = {nt, ny, nx};
    nc::check(nc_put_vara_int(nc, vt, st, ct, hrs.data()), path, "put time");
    std::vector<short> packed(hours_.size());
    for (size_t i = 0; i < packed.size(); ++i)
      packed[i] = short(std::clamp(std::lround((hours_[i] - offset) / scale), -32766L, 32766L));
    nc::check(nc_put_vara_short(nc, vtp, st, ct, packed.data()), path, "put tp");
  } else {
    nc::check(nc_put_var_double(nc, vlat, lat.data()), path, "put latitude");
    nc::check(nc_put_var_double(nc, vlon, lon.data()), path, "put longitude");
    std::vector<long long> secs(stamps_.begin(), stamps_.end());
    nc::check(nc_put_var_longlong(nc, vt, secs.data()), path, "put valid_time");
    nc::check(nc_put_var_float(nc, vtp, hours_.data()), path, "put tp");
  }
  nc::check(nc_close(nc), path, "close");
}

int imerg_version_for(UnixSeconds t) {
  return t >= day_start(day_from_ymd(2000, 6, 1)) && t < day_start(day_from_ymd(2021, 10, 1)) ? 6 : 7;
}

std::vector<CompressedChunk> imerg_chunks(const NativeWindow& w, const float* mm) {
  // (time, lon, lat): latitude fastest, so the [nj][ni] window is transposed; mm per half hour -> mm/hr.
  std::vector<CompressedChunk> out;
  window_chunks(0, size_t(w.i0), size_t(w.ni), size_t(w.j0), size_t(w.nj), 3600, 1800, -9999.9f,
                [&](size_t i, size_t j) { return mm[j * size_t(w.ni) + i] * 2.0f; }, out);
  return out;
}

std::string write_imerg_file(const std::string& dir, UnixSeconds start, int version,
                             const std::vector<CompressedChunk>& chunks) {
  const int sod = seconds_of_day(start);
  const int e = sod + 1799;
  char name[128];
  std::snprintf(name, sizeof name, "3B-HHR.MS.MRG.3IMERG.%s-S%02d%02d%02d-E%02d%02d%02d.%04d.V0%dB.HDF5",
                ymd_compact(start).c_str(), sod / 3600, sod / 60 % 60, sod % 60, e / 3600, e / 60 % 60, e % 60,
                sod / 60, version);
  const std::string path = year_doy_dir(dir, start) + name, tmp = path + ".part";
  make_parent_dirs(path);
  int nc, grp, dt, dlon, dlat, dnv, vt, vlon, vlat, vlonb, vlatb, vp;
  nc::check(nc_create(tmp.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), path, "create");
  char hdr[512];
  std::snprintf(hdr, sizeof hdr,
                "AlgorithmID=3IMERGHH;\nAlgorithmVersion=3IMERGH_0%d;\nFileName=%s;\nSatelliteName=MULTIPLE;\n"
                "InstrumentName=MERGED;\nGenerationDateTime=synthetic (rainfuse twin);\nGranuleNumber=;\n",
                version, name);
  nc::put_text(nc, NC_GLOBAL, "FileHeader", hdr, path);
  nc::check(nc_def_grp(nc, "Grid", &grp), path, "def_grp Grid");
  nc::put_text(grp, NC_GLOBAL, "GridHeader",
          "BinMethod=ARITHMETIC_MEAN;\nRegistration=CENTER;\nLatitudeResolution=0.1;\nLongitudeResolution=0.1;\n"
          "North=90;\nSouth=-90;\nEast=180;\nWest=-180;\nOrigin=SOUTHWEST;\n", path);
  nc::check(nc_def_dim(grp, "time", 1, &dt), path, "def_dim");
  nc::check(nc_def_dim(grp, "lon", 3600, &dlon), path, "def_dim");
  nc::check(nc_def_dim(grp, "lat", 1800, &dlat), path, "def_dim");
  nc::check(nc_def_dim(grp, "nv", 2, &dnv), path, "def_dim");
  nc::check(nc_def_var(grp, "time", NC_INT, 1, &dt, &vt), path, "def_var time");
  nc::put_text(grp, vt, "units", version == 6 ? "seconds since 1970-01-01 00:00:00 UTC" : "seconds since 1980-01-06 00:00:00 UTC", path);
  nc::put_text(grp, vt, "standard_name", "time", path);
  nc::put_text(grp, vt, "calendar", version == 6 ? "standard" : "julian", path);
  nc::check(nc_def_var(grp, "lon", NC_FLOAT, 1, &dlon, &vlon), path, "def_var lon");
  nc::check(nc_def_var(grp, "lat", NC_FLOAT, 1, &dlat, &vlat), path, "def_var lat");
  int db[2] = {dlon, dnv};
  nc::check(nc_def_var(grp, "lon_bnds", NC_FLOAT, 2, db, &vlonb), path, "def_var lon_bnds");
  db[0] = dlat;
  nc::check(nc_def_var(grp, "lat_bnds", NC_FLOAT, 2, db, &vlatb), path, "def_var lat_bnds");
  for (int v : {vlon, vlat, vlonb, vlatb}) nc::check(nc_def_var_deflate(grp, v, 1, 1, 1), path, "deflate");
  nc::put_text(grp, vlon, "units", "degrees_east", path);
  nc::put_text(grp, vlon, "bounds", "lon_bnds", path);
  nc::put_text(grp, vlat, "units", "degrees_north", path);
  nc::put_text(grp, vlat, "bounds", "lat_bnds", path);
  int d3[3] = {dt, dlon, dlat};
  nc::check(nc_def_var(grp, version == 6 ? "precipitationCal" : "precipitation", NC_FLOAT, 3, d3, &vp), path, "def_var");
  size_t chunk[3] = {1, 60, 60};  // small chunks: only the window's are stored
  nc::check(nc_def_var_chunking(grp, vp, NC_CHUNKED, chunk), path, "chunking");
  nc::check(nc_def_var_deflate(grp, vp, 1, 1, 1), path, "deflate");
  const float fill = -9999.9f;
  nc::check(nc_def_var_fill(grp, vp, 0, &fill), path, "fill");
  nc::put_text(grp, vp, "units", "mm/hr", path);
  nc::put_float(grp, vp, "CodeMissingValue", -9999.9f, path);
  nc::put_text(grp, vp, "DimensionNames", "time,lon,lat", path);
  nc::check(nc_enddef(nc), path, "enddef");
  const UnixSeconds epoch = version == 6 ? 0 : day_start(day_from_ymd(1980, 1, 6));
  const int tv = int(start - epoch);
  nc::check(nc_put_var_int(grp, vt, &tv), path, "put time");
  std::vector<float> lon(3600), lat(1800), lonb(7200), latb(3600);
  for (int i = 0; i < 3600; ++i) lon[i] = float(-179.95 + 0.1 * i), lonb[2 * i] = float(-180 + 0.1 * i), lonb[2 * i + 1] = float(-180 + 0.1 * (i + 1));
  for (int j = 0; j < 1800; ++j) lat[j] = float(-89.95 + 0.1 * j), latb[2 * j] = float(-90 + 0.1 * j), latb[2 * j + 1] = float(-90 + 0.1 * (j + 1));
  nc::check(nc_put_var_float(grp, vlon, lon.data()), path, "put lon");
  nc::check(nc_put_var_float(grp, vlat, lat.data()), path, "put lat");
  nc::check(nc_put_var_float(grp, vlonb, lonb.data()), path, "put lon_bnds");
  nc::check(nc_put_var_float(grp, vlatb, latb.data()), path, "put lat_bnds");
  nc::check(nc_close(nc), path, "close");
  write_compressed_chunks(tmp, version == 6 ? "Grid/precipitationCal" : "Grid/precipitation", sizeof(float), 1,
                          chunks);
  finish(tmp, path);
  return path;
}

std::vector<uint8_t> gldas_water_mask(const NativeWindow& w) {
  const Grid g = w.grid();
  std::vector<uint8_t> m(w.size(), 0);
  for (int j = 0; j < w.nj; ++j)
    for (int i = 0; i < w.ni; ++i) {
      const double a = (g.lon[i] - 100.2) * 0.81 / 0.42, b = (g.lat[j] - 36.9) / 0.22;
      m[size_t(j) * w.ni + i] = a * a + b * b < 1.0;
    }
  return m;
}

std::string write_gldas_file(const std::string& dir, const NativeWindow& w, UnixSeconds start, const float* mm,
                             const std::vector<uint8_t>& water) {
  const bool v21 = start >= day_start(day_from_ymd(2000, 1, 1));
  const UnixSeconds stamp = v21 ? start : start + 3 * 3600;  // 2.1: start of the mean; 2.0: end
  const int sod = seconds_of_day(stamp);
  char name[96];
  std::snprintf(name, sizeof name, "GLDAS_NOAH025_3H.A%s.%02d%02d.%s.nc4", ymd_compact(stamp).c_str(), sod / 3600,
                sod / 60 % 60, v21 ? "021" : "020");
  const std::string path = year_doy_dir(dir, stamp) + name, tmp = path + ".part";
  make_parent_dirs(path);
  int nc, dt, dlat, dlon, dbn, vt, vtb, vlat, vlon, vp;
  nc::check(nc_create(tmp.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), path, "create");
  nc::check(nc_def_dim(nc, "time", NC_UNLIMITED, &dt), path, "def_dim");
  nc::check(nc_def_dim(nc, "lat", 600, &dlat), path, "def_dim");
  nc::check(nc_def_dim(nc, "lon", 1440, &dlon), path, "def_dim");
  nc::check(nc_def_dim(nc, "bnds", 2, &dbn), path, "def_dim");
  nc::check(nc_def_var(nc, "time", NC_DOUBLE, 1, &dt, &vt), path, "def_var time");
  nc::put_text(nc, vt, "units", "days since 1948-01-01 00:00:00", path);
  nc::put_text(nc, vt, "calendar", "standard", path);
  nc::put_text(nc, vt, "standard_name", "time", path);
  nc::put_text(nc, vt, "bounds", "time_bnds", path);
  int db[2] = {dt, dbn};
  nc::check(nc_def_var(nc, "time_bnds", NC_DOUBLE, 2, db, &vtb), path, "def_var time_bnds");
  nc::check(nc_def_var(nc, "lat", NC_FLOAT, 1, &dlat, &vlat), path, "def_var lat");
  nc::check(nc_def_var(nc, "lon", NC_FLOAT, 1, &dlon, &vlon), path, "def_var lon");
  nc::put_text(nc, vlat, "units", "degrees_north", path);
  nc::put_text(nc, vlat, "standard_name", "latitude", path);
  nc::put_text(nc, vlon, "units", "degrees_east", path);
  nc::put_text(nc, vlon, "standard_name", "longitude", path);
  int d3[3] = {dt, dlat, dlon};
  nc::check(nc_def_var(nc, "Rainf_f_tavg", NC_FLOAT, 3, d3, &vp), path, "def_var");
  size_t chunk[3] = {1, 60, 60};  // small chunks: only the window's are stored
  nc::check(nc_def_var_chunking(nc, vp, NC_CHUNKED, chunk), path, "chunking");
  nc::check(nc_def_var_deflate(nc, vp, 1, 1, 1), path, "deflate");
  const float fill = -9999.f;
  nc::check(nc_def_var_fill(nc, vp, 0, &fill), path, "fill");
  nc::put_float(nc, vp, "missing_value", -9999.f, path);
  nc::put_text(nc, vp, "units", "kg m-2 s-1", path);
  nc::put_text(nc, vp, "standard_name", "precipitation_flux", path);
  nc::put_text(nc, vp, "long_name", "Total precipitation rate", path);
  nc::put_text(nc, vp, "cell_methods", "time: mean", path);
  nc::put_text(nc, NC_GLOBAL, "Conventions", "CF-1.6", path);
  nc::put_text(nc, NC_GLOBAL, "title", v21 ? "GLDAS2.1 LIS land surface model output" : "GLDAS2.0 LIS land surface model output", path);
  nc::put_text(nc, NC_GLOBAL, "source", "rainfuse synth: synthetic twin", path);
  nc::put_text(nc, NC_GLOBAL, "time_stamp_convention",
          v21 ? "time is the start of the 3-hour mean (time_bnds)" : "time is the end of the 3-hour mean (time_bnds)", path);
  nc::check(nc_enddef(nc), path, "enddef");
  const double d0 = double(start) / 86400.0 - day_from_ymd(1948, 1, 1);
  const double tb[2] = {d0, d0 + 0.125}, t = v21 ? tb[0] : tb[1];
  size_t z[3] = {0, 0, 0}, one[2] = {1, 2};
  nc::check(nc_put_var1_double(nc, vt, z, &t), path, "put time");
  nc::check(nc_put_vara_double(nc, vtb, z, one, tb), path, "put time_bnds");
  std::vector<float> lat(600), lon(1440);
  for (int j = 0; j < 600; ++j) lat[j] = float(-59.875 + 0.25 * j);
  for (int i = 0; i < 1440; ++i) lon[i] = float(-179.875 + 0.25 * i);
  nc::check(nc_put_var_float(nc, vlat, lat.data()), path, "put lat");
  nc::check(nc_put_var_float(nc, vlon, lon.data()), path, "put lon");
  std::vector<float> rate(w.size());
  for (size_t k = 0; k < rate.size(); ++k) rate[k] = water[k] ? -9999.f : mm[k] / 10800.0f;  // mm/3h -> kg m-2 s-1
  size_t st[3] = {0, size_t(w.j0), size_t(w.i0)}, ct[3] = {1, size_t(w.nj), size_t(w.ni)};
  nc::check(nc_put_vara_float(nc, vp, st, ct, rate.data()), path, "put Rainf_f_tavg");
  nc::check(nc_close(nc), path, "close");
  finish(tmp, path);
  return path;
}

std::vector<CompressedChunk> cmorph_nc_chunks(const NativeWindow& w, const float* first, const float* second) {
  std::vector<CompressedChunk> out;
  for (int rec = 0; rec < 2; ++rec) {
    const float* mm = rec == 0 ? first : second;  // mm per 30 min -> mm/hr
    window_chunks(size_t(rec), size_t(w.j0), size_t(w.nj), size_t(w.i0), size_t(w.ni), size_t(w.lat_n),
                  size_t(w.lon_n), -999.f, [&](size_t j, size_t i) { return mm[j * size_t(w.ni) + i] * 2.0f; }, out);
  }
  return out;
}

std::string write_cmorph_nc_file(const std::string& dir, const NativeWindow& w, UnixSeconds t,
                                 const std::vector<CompressedChunk>& chunks) {
  int y, m, d;
  ymd_from_day(day_of(t), y, m, d);
  char rel[96];
  std::snprintf(rel, sizeof rel, "/%04d/%02d/%02d/CMORPH_V1.0_ADJ_8km-30min_%04d%02d%02d%02d.nc", y, m, d, y, m, d,
                seconds_of_day(t) / 3600);
  const std::string path = dir + rel, tmp = path + ".part";
  make_parent_dirs(path);
  int nc, dt, dlat, dlon, vt, vlat, vlon, vp;
  nc::check(nc_create(tmp.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), path, "create");
  nc::check(nc_def_dim(nc, "time", 2, &dt), path, "def_dim");
  nc::check(nc_def_dim(nc, "lat", size_t(w.lat_n), &dlat), path, "def_dim");
  nc::check(nc_def_dim(nc, "lon", size_t(w.lon_n), &dlon), path, "def_dim");
  nc::check(nc_def_var(nc, "time", NC_INT, 1, &dt, &vt), path, "def_var time");
  nc::put_text(nc, vt, "units", "seconds since 1970-01-01 00:00:00", path);
  nc::put_text(nc, vt, "standard_name", "time", path);
  nc::put_text(nc, vt, "calendar", "standard", path);
  nc::check(nc_def_var(nc, "lat", NC_FLOAT, 1, &dlat, &vlat), path, "def_var lat");
  nc::check(nc_def_var(nc, "lon", NC_FLOAT, 1, &dlon, &vlon), path, "def_var lon");
  nc::put_text(nc, vlat, "units", "degrees_north", path);
  nc::put_text(nc, vlon, "units", "degrees_east", path);
  int d3[3] = {dt, dlat, dlon};
  nc::check(nc_def_var(nc, "cmorph", NC_FLOAT, 3, d3, &vp), path, "def_var cmorph");
  size_t chunk[3] = {1, 60, 60};  // small chunks: only the window's are stored
  nc::check(nc_def_var_chunking(nc, vp, NC_CHUNKED, chunk), path, "chunking");
  nc::check(nc_def_var_deflate(nc, vp, 1, 1, 1), path, "deflate");
  const float fill = -999.f;
  nc::check(nc_def_var_fill(nc, vp, 0, &fill), path, "fill");
  nc::put_text(nc, vp, "units", "mm/hr", path);
  nc::put_text(nc, vp, "long_name", "CMORPH bias-corrected precipitation rate (30-min interval starting at time)", path);
  nc::put_text(nc, NC_GLOBAL, "Conventions", "CF-1.6", path);
  nc::put_text(nc, NC_GLOBAL, "title", "NOAA CDR CMORPH V1.0 ADJ 8 km 30 min (rainfuse synthetic twin)", path);
  nc::check(nc_enddef(nc), path, "enddef");
  const int tv[2] = {int(t), int(t + 1800)};
  nc::check(nc_put_var_int(nc, vt, tv), path, "put time");
  std::vector<float> lat(size_t(w.lat_n)), lon(size_t(w.lon_n));
  for (int j = 0; j < w.lat_n; ++j) lat[j] = float(w.lat_first + j * w.lat_step);
  for (int i = 0; i < w.lon_n; ++i) lon[i] = float(w.lon_first + i * w.lon_step);
  nc::check(nc_put_var_float(nc, vlat, lat.data()), path, "put lat");
  nc::check(nc_put_var_float(nc, vlon, lon.data()), path, "put lon");
  nc::check(nc_close(nc), path, "close");
  write_compressed_chunks(tmp, "cmorph", sizeof(float), 1, chunks);
  finish(tmp, path);
  return path;
}

}  // namespace rf::io::synth

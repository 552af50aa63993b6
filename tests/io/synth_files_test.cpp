// End-to-end checks of `rainfuse synth` output, decoded here independently of
// the io readers: netCDF-C for ERA5/IMERG/GLDAS, zlib/bzip2 (and the system
// gzip/bunzip2) for GSMaP/CMORPH. For one CMA day the product's sub-daily steps,
// taken at their UTC stamps per the product's convention, must sum to the
// intended daily field that synth wrote (intended/<product>_YYYY.nc).
#include <gtest/gtest.h>
#include <netcdf.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "io/synth/binary_products.h"
#include "io/synth/gauges.h"
#include "io/synth/nc_products.h"
#include "io/synth/synth.h"
#include "io/synth/truth.h"

namespace fs = std::filesystem;
using namespace rf::io;
using namespace rf::io::synth;

namespace {

void ok(int st, const std::string& what) { ASSERT_EQ(st, NC_NOERR) << what << ": " << nc_strerror(st); }

struct Nc {
  int id = -1;
  explicit Nc(const std::string& p) {
    const int st = nc_open(p.c_str(), NC_NOWRITE, &id);
    if (st != NC_NOERR) throw std::runtime_error(p + ": " + nc_strerror(st));
  }
  ~Nc() { nc_close(id); }
  int var(const char* n, int grp = -1) const {
    int v;
    if (nc_inq_varid(grp < 0 ? id : grp, n, &v) != NC_NOERR) throw std::runtime_error(std::string("no variable ") + n);
    return v;
  }
  std::string att(int grp, int v, const char* n) const {
    size_t len = 0;
    if (nc_inq_attlen(grp, v, n, &len) != NC_NOERR) return "";
    std::string s(len, '\0');
    nc_get_att_text(grp, v, n, s.data());
    return s;
  }
};

// The intended field of `day` in the window's storage order.
std::vector<float> intended(const std::string& dir, Product p, DayNumber day) {
  int y, m, d;
  ymd_from_day(day, y, m, d);
  Nc f(dir + "/intended/" + product_name(p) + "_" + std::to_string(y) + ".nc");
  const NativeWindow w = native_window(p);
  size_t nt;
  int dt;
  nc_inq_dimid(f.id, "time", &dt);
  nc_inq_dimlen(f.id, dt, &nt);
  std::vector<double> t(nt);
  nc_get_var_double(f.id, f.var("time"), t.data());
  size_t k = 0;
  while (k < nt && t[k] != day) ++k;
  if (k == nt) throw std::runtime_error("day not in intended file");
  std::vector<float> v(w.size());
  size_t st[3] = {k, 0, 0}, ct[3] = {1, size_t(w.nj), size_t(w.ni)};
  nc_get_vara_float(f.id, f.var("precipitation"), st, ct, v.data());
  if (w.lat_step < 0) {  // written south->north
    std::vector<float> s(v.size());
    for (int j = 0; j < w.nj; ++j) std::memcpy(&s[size_t(j) * w.ni], &v[size_t(w.nj - 1 - j) * w.ni], w.ni * 4);
    v.swap(s);
  }
  return v;
}

void expect_close(const std::vector<double>& got, const std::vector<float>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0, nan = 0;
  double wet = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      ++nan;
      continue;
    }
    wet += want[i];
    if (!(std::fabs(got[i] - want[i]) <= tol + 1e-5 * std::fabs(want[i])) && bad++ < 3)
      ADD_FAILURE() << what << " cell " << i << ": files sum to " << got[i] << ", intended " << want[i];
  }
  EXPECT_EQ(bad, 0) << what;
  EXPECT_GT(wet, 0.0) << what << ": a summer day over Qinghai must have rain";
  EXPECT_LT(nan, int(got.size()) / 4) << what;
}

// Each test writes its own small twin (two CMA days, only the products it
// checks): ctest runs every test in its own process, so a shared fixture would be
// rebuilt per test anyway.
class SynthFiles : public ::testing::Test {
 protected:
  void make_twin(std::vector<Product> products, bool gauges = false) {
    dir_ = (fs::temp_directory_path() / ("rf_synth_files_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    SynthOptions o;
    o.out_dir = dir_;
    o.start = day_from_ymd(2000, 5, 31);  // IMERG switches V07B -> V06B on 2000-06-01
    o.end = day_from_ymd(2000, 6, 1);
    o.seed = 11;
    o.products = std::move(products);
    o.gauges = gauges;
    run_synth(o);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
  const DayNumber day_ = day_from_ymd(2000, 6, 1);
  UnixSeconds t0() const { return day_start(day_ - 1) + 12 * 3600; }  // start of the CMA day
};

TEST_F(SynthFiles, ImergHalfHoursSumToIntended) {
  make_twin({Product::IMERG});
  const NativeWindow w = native_window(Product::IMERG);
  std::vector<double> sum(w.size(), 0.0);
  int v06 = 0, v07 = 0;
  for (int k = 0; k < 48; ++k) {
    const UnixSeconds t = t0() + k * 1800;
    const int ver = imerg_version_for(t);
    (ver == 6 ? v06 : v07)++;
    const int doy = day_of_year(DayNumber(t / 86400));
    char sub[16];
    std::snprintf(sub, sizeof sub, "/2000/%03d/", doy);
    int y, m, d;
    ymd_from_day(DayNumber(t / 86400), y, m, d);
    const int sod = int(t % 86400), e = sod + 1799;
    char name[128];
    std::snprintf(name, sizeof name, "3B-HHR.MS.MRG.3IMERG.%04d%02d%02d-S%02d%02d%02d-E%02d%02d%02d.%04d.V0%dB.HDF5", y,
                  m, d, sod / 3600, sod / 60 % 60, sod % 60, e / 3600, e / 60 % 60, e % 60, sod / 60, ver);
    const std::string path = dir_ + "/imerg" + sub + name;
    ASSERT_TRUE(fs::exists(path)) << path;
    Nc f(path);
    int grp;
    ok(nc_inq_ncid(f.id, "Grid", &grp), "Grid group");
    const int v = f.var(ver == 6 ? "precipitationCal" : "precipitation", grp);
    int dims[3];
    char dn[3][NC_MAX_NAME + 1];
    nc_inq_vardimid(grp, v, dims);
    for (int d = 0; d < 3; ++d) nc_inq_dimname(grp, dims[d], dn[d]);
    ASSERT_STREQ(dn[1], "lon");
    ASSERT_STREQ(dn[2], "lat");
    EXPECT_EQ(f.att(grp, v, "units"), "mm/hr");
    std::vector<float> buf(w.size());
    size_t st[3] = {0, size_t(w.i0), size_t(w.j0)}, ct[3] = {1, size_t(w.ni), size_t(w.nj)};
    ok(nc_get_vara_float(grp, v, st, ct, buf.data()), path);
    for (int i = 0; i < w.ni; ++i)
      for (int j = 0; j < w.nj; ++j) sum[size_t(j) * w.ni + i] += buf[size_t(i) * w.nj + j] * 0.5;
    if (k == 0) {  // outside the window: fill; coordinates global
      float out;
      size_t s1[3] = {0, 100, 100};
      ok(nc_get_var1_float(grp, v, s1, &out), "fill");
      EXPECT_FLOAT_EQ(out, -9999.9f);
      float lon;
      size_t li = size_t(w.i0);
      nc_get_var1_float(grp, f.var("lon", grp), &li, &lon);
      EXPECT_NEAR(lon, 88.55, 1e-4);
    }
  }
  EXPECT_EQ(v07, 24);  // 2000-05-31 12:00 .. 23:30 UTC
  EXPECT_EQ(v06, 24);
  expect_close(sum, intended(dir_, Product::IMERG, day_), 2e-4, "imerg");
}

TEST_F(SynthFiles, GldasBoundsAndThreeHourMeansSumToIntended) {
  make_twin({Product::GLDAS});
  const NativeWindow w = native_window(Product::GLDAS);
  std::vector<double> sum(w.size(), 0.0);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/gldas")) {
    if (!e.is_regular_file()) continue;
    Nc f(e.path().string());
    double tb[2];
    ok(nc_get_var_double(f.id, f.var("time_bnds"), tb), "time_bnds");
    EXPECT_NE(f.att(f.id, f.var("time"), "bounds"), "");
    EXPECT_NEAR(tb[1] - tb[0], 0.125, 1e-9);
    const double start_days = tb[0] + day_from_ymd(1948, 1, 1);
    const UnixSeconds start = UnixSeconds(std::llround(start_days * 86400.0));
    if (start < t0() || start >= t0() + 86400) continue;
    ++files;
    EXPECT_EQ(f.att(f.id, f.var("Rainf_f_tavg"), "units"), "kg m-2 s-1");
    std::vector<float> buf(w.size());
    size_t st[3] = {0, size_t(w.j0), size_t(w.i0)}, ct[3] = {1, size_t(w.nj), size_t(w.ni)};
    ok(nc_get_vara_float(f.id, f.var("Rainf_f_tavg"), st, ct, buf.data()), "Rainf_f_tavg");
    for (size_t i = 0; i < buf.size(); ++i) sum[i] += buf[i] == -9999.f ? NAN : buf[i] * 10800.0;
  }
  EXPECT_EQ(files, 8);
  const auto want = intended(dir_, Product::GLDAS, day_);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(std::isnan(sum[i]), std::isnan(want[i])) << "lake cell " << i;
  expect_close(sum, want, 2e-4, "gldas");
}

TEST_F(SynthFiles, Era5HourEndingStepsSumToIntended) {
  make_twin({Product::ERA5});
  const NativeWindow w = native_window(Product::ERA5);
  std::vector<double> sum(w.size(), 0.0);
  int hours = 0;
  for (const char* name : {"/era5/era5_tp_200005.nc", "/era5/era5_tp_200006.nc"}) {
    Nc f(dir_ + name);
    int fmt;
    nc_inq_format(f.id, &fmt);
    EXPECT_EQ(fmt, NC_FORMAT_64BIT_OFFSET) << "2000 is an even year: legacy layout";
    const int vt = f.var("time"), vp = f.var("tp");
    EXPECT_EQ(f.att(f.id, vt, "units"), "hours since 1900-01-01 00:00:00.0");
    double scale, offset;
    ok(nc_get_att_double(f.id, vp, "scale_factor", &scale), "scale_factor");
    ok(nc_get_att_double(f.id, vp, "add_offset", &offset), "add_offset");
    int dt;
    size_t nt;
    nc_inq_dimid(f.id, "time", &dt);
    nc_inq_dimlen(f.id, dt, &nt);
    std::vector<int> h(nt);
    nc_get_var_int(f.id, vt, h.data());
    std::vector<short> buf(w.size());
    for (size_t k = 0; k < nt; ++k) {
      const UnixSeconds stamp = (int64_t(h[k]) + int64_t(day_from_ymd(1900, 1, 1)) * 24) * 3600;
      if (stamp <= t0() || stamp > t0() + 86400) continue;  // (t-1h, t] inside the CMA day
      ++hours;
      size_t st[3] = {k, 0, 0}, ct[3] = {1, size_t(w.nj), size_t(w.ni)};
      ok(nc_get_vara_short(f.id, vp, st, ct, buf.data()), "tp");
      for (size_t i = 0; i < buf.size(); ++i) sum[i] += (buf[i] * scale + offset) * 1000.0;
    }
  }
  EXPECT_EQ(hours, 24);
  expect_close(sum, intended(dir_, Product::ERA5, day_), 0.05, "era5 (int16 packing)");
}

TEST_F(SynthFiles, GsmapGzipRecordsSumToIntended) {
  make_twin({Product::GSMAP});
  const NativeWindow w = native_window(Product::GSMAP);
  std::vector<double> sum(w.size(), 0.0);
  for (int k = 0; k < 24; ++k) {
    const UnixSeconds t = t0() + k * 3600;
    int y, m, d;
    ymd_from_day(DayNumber(t / 86400), y, m, d);
    char rel[96];
    std::snprintf(rel, sizeof rel, "/%04d/%02d/%02d/gsmap_gauge.%04d%02d%02d.%02d00.v8.0000.1.dat.gz", y, m, d, y, m, d,
                  int(t % 86400 / 3600));
    const std::string path = dir_ + "/gsmap" + rel;
    ASSERT_TRUE(fs::exists(path)) << path;
    if (k == 0) {
      EXPECT_EQ(std::system(("gzip -t " + path).c_str()), 0) << "system gzip rejects " << path;
    }
    const std::string raw = gunzip_file(path);
    ASSERT_EQ(raw.size(), 3600u * 1200u * 4u);
    const float* v = reinterpret_cast<const float*>(raw.data());
    EXPECT_LT(v[0], 0.f);  // outside the window: undefined (negative)
    for (int j = 0; j < w.nj; ++j)
      for (int i = 0; i < w.ni; ++i) {
        const float x = v[size_t(w.j0 + j) * 3600 + w.i0 + i];
        ASSERT_GE(x, 0.f);
        sum[size_t(j) * w.ni + i] += x;
      }
  }
  expect_close(sum, intended(dir_, Product::GSMAP, day_), 1e-4, "gsmap");
}

// A CMORPH file is 65 MB once decompressed: two hours are decoded here (the
// first and last of the CMA day) and compared value for value with the twin's
// half-hour amounts regenerated from the seed; the steps' day sum is covered by
// io_synth_model_test (SubDailyStepsSumToTheDailyAmount).
TEST_F(SynthFiles, CmorphMultiStreamBz2RecordsHoldTheHalfHours) {
  make_twin({Product::CMORPH});
  const NativeWindow w = native_window(Product::CMORPH);
  TruthGenerator g(11);
  g.next(day_ - 1);
  g.next(day_);
  ProductDay pd;
  ProductModel(Product::CMORPH, 11).make_day(day_, g.field(), pd);
  for (int k : {0, 23}) {
    const UnixSeconds t = t0() + k * 3600;
    int y, m, d;
    ymd_from_day(DayNumber(t / 86400), y, m, d);
    char sub[32];
    std::snprintf(sub, sizeof sub, "/%04d/%04d%02d/", y, y, m);
    char name[64];
    std::snprintf(name, sizeof name, "CMORPH_V1.0_ADJ_8km-30min_%04d%02d%02d%02d.bz2", y, m, d, int(t % 86400 / 3600));
    const std::string path = dir_ + "/cmorph" + sub + name;
    ASSERT_TRUE(fs::exists(path)) << path;
    if (k == 0) {
      EXPECT_EQ(std::system(("bunzip2 -t " + path).c_str()), 0) << "system bunzip2 rejects " << path;
    }
    const std::string raw = bunzip2_file(path);
    ASSERT_EQ(raw.size(), 65274016u);
    const float* v = reinterpret_cast<const float*>(raw.data());
    EXPECT_EQ(v[0], -999.f);
    EXPECT_EQ(v[size_t(2) * 4948 * 1649 - 1], -999.f);
    int wet = 0;
    for (int rec = 0; rec < 2; ++rec)
      for (int j = 0; j < w.nj; ++j)
        for (int i = 0; i < w.ni; ++i) {
          const float x = v[size_t(rec) * 4948 * 1649 + size_t(w.j0 + j) * 4948 + w.i0 + i];
          const float want = pd.steps[size_t(2 * k + rec) * w.size() + size_t(j) * w.ni + i] * 2.0f;  // mm/hr
          ASSERT_EQ(x, want) << "record " << rec << " row " << j << " col " << i;
          wet += x > 0;
        }
    EXPECT_GT(wet, 0);
  }
}

TEST_F(SynthFiles, GaugeHoursSumToDailyAndFollowTheColumnContract) {
  make_twin({Product::ERA5}, true);
  std::ifstream h(dir_ + "/gauges/hourly_2000.csv"), d(dir_ + "/gauges/daily_2000.csv");
  std::string line;
  std::getline(h, line);
  EXPECT_EQ(line, "station_id,time,PRE_1h,Q_PRE_1h");
  std::getline(d, line);
  EXPECT_EQ(line, "station_id,date,PRE_20_08,PRE_08_20,PRE_20_20,QC");
  // Sum of valid, non-trace hourly tenths per (station, CMA day): hours ending 13..12 UTC.
  std::map<std::string, int> tenths, missing;
  int rows = 0;
  while (std::getline(h, line)) {
    ++rows;
    std::stringstream ss(line);
    std::string id, time, val, q;
    std::getline(ss, id, ',');
    std::getline(ss, time, ',');
    std::getline(ss, val, ',');
    std::getline(ss, q, ',');
    const int hour = std::stoi(time.substr(11, 2));
    DayNumber day = parse_date(time.substr(0, 10));
    if (hour > 12) day += 1;  // hour ending 13..23 belongs to the next CMA day
    const std::string key = id + "," + format_date(day);
    if (val == "32766") {
      EXPECT_EQ(q, "8");
      ++missing[key];
    } else if (val != "32700") {
      tenths[key] += int(std::lround(std::stod(val) * 10));
    }
  }
  EXPECT_EQ(rows, 2 * 24 * 50);
  int days = 0, wet = 0;
  while (std::getline(d, line)) {
    std::stringstream ss(line);
    std::string id, date, a, b, tot, qc;
    std::getline(ss, id, ',');
    std::getline(ss, date, ',');
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    std::getline(ss, tot, ',');
    std::getline(ss, qc, ',');
    ++days;
    const std::string key = id + "," + date;
    if (tot == "32766" || missing[key] > 0) continue;  // outages / hours missing in the hourly file only
    const int daily = tot == "32700" ? 0 : int(std::lround(std::stod(tot) * 10));
    EXPECT_EQ(daily, tenths[key]) << key;
    wet += daily > 0;
  }
  EXPECT_EQ(days, 2 * 50);
  EXPECT_GT(wet, 5);
}

TEST_F(SynthFiles, DemAndTruthAreCfNetcdf) {
  make_twin({Product::ERA5});
  Nc dem(dir_ + "/dem.nc");
  std::vector<float> e(1390 * 850);
  ok(nc_get_var_float(dem.id, dem.var("elevation"), e.data()), "elevation");
  EXPECT_EQ(dem.att(dem.id, dem.var("elevation"), "units"), "m");
  float lo = 1e9, hi = -1e9;
  for (float x : e) lo = std::min(lo, x), hi = std::max(hi, x);
  EXPECT_GT(lo, 1500.f);
  EXPECT_LT(lo, 3000.f);
  EXPECT_GT(hi, 5000.f);
  EXPECT_LT(hi, 7000.f);
  Nc t(dir_ + "/truth/truth_2000.nc");
  EXPECT_EQ(t.att(t.id, t.var("precipitation"), "units"), "mm day-1");
  std::vector<float> f(1390 * 850);
  size_t st[3] = {1, 0, 0}, ct[3] = {1, 850, 1390};
  ok(nc_get_vara_float(t.id, t.var("precipitation"), st, ct, f.data()), "truth");
  double s = 0;
  for (float x : f) {
    ASSERT_GE(x, 0.f);
    s += x;
  }
  EXPECT_GT(s / f.size(), 0.1);
}

// Same seed -> byte-identical files whatever the thread count; another seed differs.
// The data variables whose chunks synth compresses itself (libdeflate) and
// stores with HDF5 direct chunk writes keep the layout netCDF-C would give them:
// chunk shape, shuffle + deflate level 1, fill value, an unlimited time axis for
// the daily files; chunks outside the IMERG/CMORPH window are not stored and
// read as the fill value, including the parts of a window chunk off the window.
TEST(SynthFormat, DirectChunkVariablesKeepTheirLayout) {
  const std::string dir = (fs::temp_directory_path() / ("rf_synth_format_" + std::to_string(::getpid()))).string();
  SynthOptions o;
  o.out_dir = dir;
  o.start = day_from_ymd(2021, 7, 30);
  o.end = day_from_ymd(2021, 7, 31);
  o.seed = 3;
  o.products = {Product::IMERG, Product::CMORPH};
  o.gauges = false;
  o.cmorph_format = "nc";
  run_synth(o);
  auto expect_layout = [](int grp, int v, std::vector<size_t> chunk, float fill, const std::string& what) {
    int shuffle = 0, deflate = 0, level = 0, storage = 0, no_fill = 1;
    ok(nc_inq_var_deflate(grp, v, &shuffle, &deflate, &level), what);
    EXPECT_EQ(shuffle, 1) << what;
    EXPECT_EQ(deflate, 1) << what;
    EXPECT_EQ(level, 1) << what;
    std::vector<size_t> got(chunk.size());
    ok(nc_inq_var_chunking(grp, v, &storage, got.data()), what);
    EXPECT_EQ(storage, NC_CHUNKED) << what;
    EXPECT_EQ(got, chunk) << what;
    float f = 0;
    ok(nc_inq_var_fill(grp, v, &no_fill, &f), what);
    EXPECT_EQ(no_fill, 0) << what;
    if (std::isnan(fill)) EXPECT_TRUE(std::isnan(f)) << what;
    else EXPECT_EQ(f, fill) << what;
  };
  const Grid qh = Grid::qinghai_001();
  for (const std::string name : {"/truth/truth_2021.nc", "/intended/imerg_2021.nc", "/intended/cmorph_2021.nc"}) {
    Nc f(dir + name);
    const int v = f.var("precipitation");
    int dims[3], nunlim = 0, unlim[4];
    nc_inq_vardimid(f.id, v, dims);
    size_t len[3];
    for (int d = 0; d < 3; ++d) nc_inq_dimlen(f.id, dims[d], &len[d]);
    ok(nc_inq_unlimdims(f.id, &nunlim, unlim), name);
    ASSERT_EQ(nunlim, 1) << name;
    EXPECT_EQ(unlim[0], dims[0]) << name;
    EXPECT_EQ(len[0], 2u) << name;
    expect_layout(f.id, v, {1, len[1], len[2]}, NAN, name);
    double t[2];
    ok(nc_get_var_double(f.id, f.var("time"), t), name);
    EXPECT_EQ(t[0], double(o.start));
    EXPECT_EQ(t[1], double(o.end));
    if (name.find("truth") != std::string::npos) {
      ASSERT_EQ(len[1], qh.ny());
      ASSERT_EQ(len[2], qh.nx());
      std::vector<float> day(qh.size());
      size_t st[3] = {1, 0, 0}, ct[3] = {1, len[1], len[2]};
      ok(nc_get_vara_float(f.id, v, st, ct, day.data()), name);
      double sum = 0;
      int bad = 0;
      for (float x : day) bad += !(x >= 0), sum += x;
      EXPECT_EQ(bad, 0) << name;
      EXPECT_GT(sum / double(day.size()), 0.1) << "a July day over Qinghai has rain";
    }
  }
  {  // IMERG: the half hour starting 2021-07-30 12:00 UTC (V07B from 2021-10 on; V06B here)
    const NativeWindow w = native_window(Product::IMERG);
    Nc f(dir + "/imerg/2021/211/3B-HHR.MS.MRG.3IMERG.20210730-S120000-E122959.0720.V06B.HDF5");
    int grp;
    ok(nc_inq_ncid(f.id, "Grid", &grp), "Grid");
    const int v = f.var("precipitationCal", grp);
    expect_layout(grp, v, {1, 60, 60}, -9999.9f, "imerg");
    // The window's first lon row, one cell south of the window (same chunk row
    // when j0 is not on a chunk corner), and the window's first cell.
    float x = 0;
    size_t below[3] = {0, size_t(w.i0), size_t(w.j0 - 1)}, first[3] = {0, size_t(w.i0), size_t(w.j0)};
    ok(nc_get_var1_float(grp, v, below, &x), "imerg below");
    EXPECT_EQ(x, -9999.9f);
    ok(nc_get_var1_float(grp, v, first, &x), "imerg first");
    EXPECT_GE(x, 0.f);
  }
  {
    const NativeWindow w = native_window(Product::CMORPH);
    Nc f(dir + "/cmorph/2021/07/31/CMORPH_V1.0_ADJ_8km-30min_2021073103.nc");
    const int v = f.var("cmorph");
    expect_layout(f.id, v, {1, 60, 60}, -999.f, "cmorph");
    float x = 0;
    size_t west[3] = {1, size_t(w.j0), size_t(w.i0 - 1)}, first[3] = {1, size_t(w.j0), size_t(w.i0)};
    ok(nc_get_var1_float(f.id, v, west, &x), "cmorph west");
    EXPECT_EQ(x, -999.f);
    ok(nc_get_var1_float(f.id, v, first, &x), "cmorph first");
    EXPECT_GE(x, 0.f);
  }
  fs::remove_all(dir);
}

TEST(SynthReproducible, SameSeedSameBytes) {
  const std::string base = (fs::temp_directory_path() / ("rf_synth_repro_" + std::to_string(::getpid()))).string();
  auto run = [&](const std::string& sub, uint64_t seed, int threads) {
    SynthOptions o;
    o.out_dir = base + "/" + sub;
    o.start = o.end = day_from_ymd(2019, 1, 10);
    o.seed = seed;
    o.products = {Product::ERA5, Product::IMERG, Product::GLDAS, Product::GSMAP};
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    run_synth(o);
    omp_set_num_threads(saved);
    return o.out_dir;
  };
  const std::string a = run("a", 5, 2), b = run("b", 5, 1), c = run("c", 6, 2);
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  int compared = 0, differ_seed = 0;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (!e.is_regular_file()) continue;
    const auto rel = fs::relative(e.path(), a);
    ASSERT_TRUE(fs::exists(fs::path(b) / rel)) << rel;
    EXPECT_TRUE(slurp(e.path()) == slurp(fs::path(b) / rel)) << "differs between runs: " << rel;
    if (fs::exists(fs::path(c) / rel) && slurp(e.path()) != slurp(fs::path(c) / rel)) ++differ_seed;
    ++compared;
  }
  EXPECT_GT(compared, 50);
  EXPECT_GT(differ_seed, compared / 2);
  fs::remove_all(base);
}

TEST(SynthStations, BuiltInListEqualsTheRepositoryCsv) {
  const char* env = std::getenv("RAINFUSE_SOURCE_DIR");
  const std::string src = env ? env : fs::path(__FILE__).parent_path().parent_path().parent_path().string();
  const auto file = load_stations(std::string(src) + "/io/data/qinghai_stations.csv");
  const auto built = load_stations("");
  ASSERT_EQ(file.size(), 50u);
  ASSERT_EQ(built.size(), file.size());
  for (size_t i = 0; i < file.size(); ++i) {
    EXPECT_EQ(built[i].id, file[i].id);
    EXPECT_EQ(built[i].lat, file[i].lat);
    EXPECT_EQ(built[i].lon, file[i].lon);
    EXPECT_EQ(built[i].elevation_m, file[i].elevation_m);
  }
}

}  // namespace

// prepare() on a small synthetic twin: the cached native cubes equal the
// totals the twin intended, stations sit in the right working-grid cells with
// the daily CSV's PRE_20_20, the DEM is the block mean of the 0.01-degree DEM,
// a second run only loads, a changed setting or input rebuilds only what it
// affects, a source without files in a year is NaN and unavailable there.
#include <gtest/gtest.h>
#include <netcdf.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "io/cf/writer.h"
#include "io/synth/synth.h"
#include "tests/io/roundtrip_common.h"
#include "train/prepare/prepared.h"

namespace fs = std::filesystem;
using namespace rf;
using rf::io::day_from_ymd;

namespace {

std::string temp_dir(const std::string& what) {
  const fs::path d = fs::temp_directory_path() / ("rf_prepare_" + what + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// The twin's products and gauges, in the run-config form a user writes.
pipe::RunConfig twin_config(const std::string& twin, const std::string& out, io::DayNumber first, io::DayNumber last) {
  pipe::RunConfig c;
  c.out_dir = out;
  c.resolution = 0.05;
  c.start = first, c.end = last;
  c.sources = {{"era5", "", {twin + "/era5/era5_tp_*.nc"}, "", ""},
               {"imerg", "", {twin + "/imerg/*/*/*.HDF5"}, "", ""},
               {"gldas", "", {twin + "/gldas/*/*/*.nc4"}, "", ""},
               {"gsmap", "", {twin + "/gsmap/*/*/*/*.dat.gz"}, "", ""},
               {"cmorph", "", {twin + "/cmorph/*/*/*/*"}, "", ""}};
  c.gauge_files = {twin + "/gauges/daily_*.csv"};
  c.stations = twin + "/gauges/stations.csv";
  c.dem = twin + "/dem.nc";
  return c;
}

void synth(const std::string& dir, io::DayNumber first, io::DayNumber last, std::vector<io::synth::Product> products) {
  io::synth::SynthOptions o;
  o.out_dir = dir;
  o.start = first, o.end = last;
  o.seed = 5;
  o.cmorph_format = "nc";
  o.products = std::move(products);
  io::synth::run_synth(o);
}

// PRE_20_20 of the twin's daily CSV: (station, date) -> mm (NaN when QC marks it missing).
std::map<std::pair<std::string, io::DayNumber>, float> daily_csv(const std::string& path) {
  std::map<std::pair<std::string, io::DayNumber>, float> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "station_id,date,PRE_20_08,PRE_08_20,PRE_20_20,QC");
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    const double v = std::stod(f[4]);
    out[{f[0], io::parse_date(f[1])}] = f[5] != "0" ? NAN : v == 32700 ? 0.0f : float(v);
  }
  return out;
}

fs::file_time_type mtime(const std::string& p) { return fs::last_write_time(p); }

TEST(Prepare, FiveProductTwinRoundTripAndCache) {
  const std::string twin = temp_dir("twin5"), out = temp_dir("run5");
  const io::DayNumber first = day_from_ymd(2020, 7, 1), last = day_from_ymd(2020, 7, 6);
  synth(twin, first, last, {std::begin(io::synth::kAllProducts), std::end(io::synth::kAllProducts)});
  const pipe::RunConfig cfg = twin_config(twin, out, first, last);
  const pipe::Prepared p = pipe::prepare(cfg);

  ASSERT_EQ(p.days.size(), 6u);
  EXPECT_EQ(p.grid, cfg.working_grid());
  EXPECT_GT(p.stats.rebuilt, 0);
  // Sources: the native cubes are the intended CMA-day totals, every day available.
  const double tol[5] = {0.05, 2e-4, 2e-4, 1e-4, 2e-4};  // ERA5: int16 packing in its files
  for (int k = 0; k < 5; ++k) {
    const pipe::SourceData& sd = p.sources[k];
    SCOPED_TRACE(sd.name);
    ASSERT_TRUE(sd.configured);
    ASSERT_EQ(sd.cube.days, p.days);
    const auto want = io::roundtrip::read_intended(twin + "/intended/" + sd.name + "_2020.nc");
    for (io::DayNumber d : p.days) EXPECT_GT(io::roundtrip::compare_day(sd.cube, d, want, tol[k]), 1000);
    for (uint8_t a : sd.available) EXPECT_EQ(a, 1);
    // The native window: the working grid's box plus a halo of 2 cells on each side.
    const auto& lon = sd.cube.grid.lon;
    EXPECT_EQ(std::count_if(lon.begin(), lon.end(), [](double x) { return x < 89.5; }), 2);
    EXPECT_EQ(std::count_if(lon.begin(), lon.end(), [](double x) { return x > 103.4; }), 2);
    // row() = the regrid plan applied to the day's field.
    std::vector<float> full(p.grid.size()), span(p.nx());
    io::apply_regrid(sd.plan, sd.cube.day_ptr(3), full.data());
    for (int64_t r : {int64_t(0), p.ny() / 2, p.ny() - 1}) {
      sd.row(3, r, 0, p.nx(), span.data());
      for (int64_t c = 0; c < p.nx(); ++c) {
        const float w = full[size_t(r * p.nx() + c)];
        ASSERT_TRUE(std::isnan(w) ? std::isnan(span[size_t(c)]) : span[size_t(c)] == w) << r << "," << c;
      }
    }
  }

  // Stations: inside their cell, values = PRE_20_20 of the daily CSV.
  ASSERT_GT(p.stations.size(), 40u);
  const auto csv = daily_csv(twin + "/gauges/daily_2020.csv");
  long compared = 0;
  for (size_t s = 0; s < p.stations.size(); ++s) {
    const pipe::Station& st = p.stations[s];
    EXPECT_LE(std::fabs(p.grid.lon[size_t(st.col)] - st.lon), 0.025 + 1e-9) << st.id;
    EXPECT_LE(std::fabs(p.grid.lat[size_t(st.row)] - st.lat), 0.025 + 1e-9) << st.id;
    for (size_t t = 0; t < p.days.size(); ++t) {
      const auto it = csv.find({st.id, p.days[t]});
      ASSERT_NE(it, csv.end()) << st.id;
      const float g = p.gauge(s, t);
      if (std::isnan(it->second)) EXPECT_TRUE(std::isnan(g)) << st.id;
      else {
        EXPECT_FLOAT_EQ(g, it->second) << st.id << " " << io::format_date(p.days[t]);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, long(p.stations.size()) * 5);

  // DEM: the mean of the 0.01-degree DEM cells inside each 0.05-degree cell.
  const io::DailyCube dem = io::read_cf_daily(twin + "/dem.nc", "elevation");
  std::mt19937 rng(3);
  for (int n = 0; n < 50; ++n) {
    const size_t r = rng() % p.grid.ny(), c = rng() % p.grid.nx();
    double sum = 0;
    int cnt = 0;
    for (size_t j = 0; j < dem.grid.ny(); ++j)
      if (std::fabs(dem.grid.lat[j] - p.grid.lat[r]) < 0.025)
        for (size_t i = 0; i < dem.grid.nx(); ++i)
          if (std::fabs(dem.grid.lon[i] - p.grid.lon[c]) < 0.025) sum += dem.precip[j * dem.grid.nx() + i], ++cnt;
    ASSERT_EQ(cnt, 25);
    EXPECT_NEAR(p.elevation[r * p.grid.nx() + c], sum / cnt, 1e-3 * std::fabs(sum / cnt) + 1e-3);
  }

  // A second run loads everything from the cache: nothing rebuilt, files untouched, same data.
  const std::string era5_cache = out + "/cache/era5_2020.nc";
  const auto t_before = mtime(era5_cache);
  const pipe::Prepared q = pipe::prepare(cfg);
  EXPECT_EQ(q.stats.rebuilt, 0);
  EXPECT_EQ(mtime(era5_cache), t_before);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(0, std::memcmp(q.sources[k].cube.precip.data(), p.sources[k].cube.precip.data(),
                             p.sources[k].cube.precip.size() * sizeof(float)));
    EXPECT_EQ(q.sources[k].available, p.sources[k].available);
  }
  EXPECT_EQ(0, std::memcmp(q.gauge_mm.data(), p.gauge_mm.data(), p.gauge_mm.size() * sizeof(float)));
  EXPECT_EQ(q.elevation, p.elevation);
  // A sub-period is served by the same cache files.
  const pipe::Prepared sub = pipe::prepare(cfg, first + 1, last - 1);
  EXPECT_EQ(sub.stats.rebuilt, 0);
  ASSERT_EQ(sub.days.size(), 4u);
  const size_t n = p.sources[1].cube.grid.size();
  EXPECT_EQ(0, std::memcmp(sub.sources[1].cube.day_ptr(0), p.sources[1].cube.day_ptr(1), n * sizeof(float)));

  // The regrid method only changes the plan: still nothing rebuilt, other values.
  pipe::RunConfig bil = cfg;
  bil.regrid_method = "bilinear";
  const pipe::Prepared b = pipe::prepare(bil);
  EXPECT_EQ(b.stats.rebuilt, 0);
  EXPECT_EQ(b.sources[0].plan.method, io::RegridMethod::Bilinear);
  fs::remove_all(twin);
  fs::remove_all(out);
}

// Two years (ERA5 + GLDAS, 2019-12-30 .. 2020-01-02), GLDAS configured with
// the files of 29-30 December 2019 only (CMA day 2019-12-30; no file of 2020's
// CMA year, which starts 2019-12-31 12:00 UTC).
// Poisoned numbers: one GLDAS 3-hour file of 2019-12-31 (CMA day) written with
// 0.1 kg m-2 s-1 everywhere it has data (1,080 mm in three hours: a wrong
// unit). The day's cells over 1000 mm/day become missing (never fused as
// rain), the day is listed in cache/flagged_gldas.csv, the other days are
// untouched; ERA5 has no flagged day and no such file.
TEST(Prepare, ImplausibleSourceValuesAreSetMissingAndListed) {
  const std::string twin = temp_dir("twin_poison"), out = temp_dir("run_poison");
  const io::DayNumber first = day_from_ymd(2019, 12, 30), last = day_from_ymd(2020, 1, 1);
  synth(twin, first, last, {io::synth::Product::ERA5, io::synth::Product::GLDAS});
  const std::string bad = twin + "/gldas/2019/365/GLDAS_NOAH025_3H.A20191231.0000.021.nc4";
  {
    int nc, v;
    ASSERT_EQ(nc_open(bad.c_str(), NC_WRITE, &nc), NC_NOERR) << bad;
    ASSERT_EQ(nc_inq_varid(nc, "Rainf_f_tavg", &v), NC_NOERR);
    std::vector<float> rate(600 * 1440);
    ASSERT_EQ(nc_get_var_float(nc, v, rate.data()), NC_NOERR);
    for (float& r : rate)
      if (r != -9999.0f) r = 0.1f;
    ASSERT_EQ(nc_put_var_float(nc, v, rate.data()), NC_NOERR);
    ASSERT_EQ(nc_close(nc), NC_NOERR);
  }
  pipe::RunConfig cfg = twin_config(twin, out, first, last);
  cfg.sources = {{"era5", "", {twin + "/era5/era5_tp_*.nc"}, "", ""}, {"gldas", "", {twin + "/gldas/*/*/*.nc4"}, "", ""}};
  cfg.dem.clear();
  const pipe::Prepared p = pipe::prepare(cfg);
  const pipe::SourceData& gl = p.sources[2];
  ASSERT_EQ(p.days.size(), 3u);
  std::ifstream in(out + "/cache/flagged_gldas.csv");
  std::string header, row, more;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_EQ(header, "date,cells_over_1000mm,cells_negative,cells_infinite");
  EXPECT_EQ(row.rfind("2019-12-31,", 0), 0u) << row;
  const size_t over = std::stoul(row.substr(11));
  EXPECT_GT(over, 1000u) << row;
  EXPECT_FALSE(std::getline(in, more)) << "only 2019-12-31 is flagged: " << more;
  size_t nan_day = 0, valid_other = 0;
  for (size_t k = 0; k < gl.cube.grid.size(); ++k) {
    nan_day += std::isnan(gl.cube.day_ptr(1)[k]);
    valid_other += !std::isnan(gl.cube.day_ptr(0)[k]);
    ASSERT_FALSE(gl.cube.day_ptr(1)[k] > 1000.0f);
  }
  EXPECT_GE(nan_day, over);
  EXPECT_GT(valid_other, over / 2) << "the day before keeps its values";
  EXPECT_FALSE(fs::exists(out + "/cache/flagged_era5.csv"));
  fs::remove_all(twin);
  fs::remove_all(out);
}

TEST(Prepare, AbsentYearChangedSettingsAndInputs) {
  const std::string twin = temp_dir("twin2"), out = temp_dir("run2");
  const io::DayNumber first = day_from_ymd(2019, 12, 30), last = day_from_ymd(2020, 1, 2);
  synth(twin, first, last, {io::synth::Product::ERA5, io::synth::Product::GLDAS});
  pipe::RunConfig cfg = twin_config(twin, out, first, last);
  cfg.sources = {{"era5", "", {twin + "/era5/era5_tp_*.nc"}, "", ""},
                 {"gldas", "", {twin + "/gldas/2019/36[34]/*.nc4", twin + "/nothing/*.nc4"}, "", ""}};
  cfg.dem.clear();
  // Half the box: the stations east of 96.5 E are outside the working grid.
  cfg.region.lon1 = 96.5;
  const pipe::Prepared p = pipe::prepare(cfg);
  ASSERT_EQ(p.days.size(), 4u);
  EXPECT_FALSE(p.sources[1].configured);
  EXPECT_FALSE(p.sources[4].configured);
  std::vector<float> row(size_t(p.nx()));
  p.sources[1].row(0, 0, 0, p.nx(), row.data());
  for (float v : row) EXPECT_TRUE(std::isnan(v));
  const pipe::SourceData& gl = p.sources[2];
  ASSERT_TRUE(gl.configured);
  // GLDAS: 2019-12-30 from the files, the other days NaN and unavailable (never zeros).
  EXPECT_EQ(gl.available, (std::vector<uint8_t>{1, 0, 0, 0}));
  const size_t n = gl.cube.grid.size();
  for (size_t t = 1; t < 4; ++t)
    for (size_t k = 0; k < n; ++k) ASSERT_TRUE(std::isnan(gl.cube.day_ptr(t)[k]));
  const auto want = io::roundtrip::read_intended(twin + "/intended/gldas_2019.nc");
  EXPECT_GT(io::roundtrip::compare_day(gl.cube, first, want, 2e-4), 500);
  EXPECT_EQ(p.sources[0].available, (std::vector<uint8_t>{1, 1, 1, 1}));
  EXPECT_TRUE(fs::exists(out + "/cache/era5_2019.nc"));
  EXPECT_TRUE(fs::exists(out + "/cache/era5_2020.nc"));
  EXPECT_TRUE(fs::exists(out + "/cache/gldas_2019.nc"));
  EXPECT_FALSE(fs::exists(out + "/cache/gldas_2020.nc"));
  // No DEM: elevation 0. Stations: only those inside the half box.
  for (float e : p.elevation) ASSERT_EQ(e, 0.0f);
  ASSERT_GT(p.stations.size(), 5u);
  for (const auto& st : p.stations) EXPECT_LT(st.lon, 96.5);

  // A changed aggregation setting rebuilds the source cubes (era5 2019, 2020,
  // gldas 2019), not the gauges; a changed gauge setting the gauges only.
  pipe::RunConfig utc = cfg;
  utc.max_missing_steps = 1;
  EXPECT_EQ(pipe::prepare(utc).stats.rebuilt, 3);
  utc.gauge_scale = 0.5;
  const pipe::Prepared half = pipe::prepare(utc);
  EXPECT_EQ(half.stats.rebuilt, 1);
  ASSERT_EQ(half.gauge_mm.size(), p.gauge_mm.size());
  for (size_t k = 0; k < p.gauge_mm.size(); ++k) {
    if (!std::isnan(p.gauge_mm[k])) {
      ASSERT_FLOAT_EQ(half.gauge_mm[k], 0.5f * p.gauge_mm[k]);
    }
  }
  EXPECT_EQ(pipe::prepare(utc).stats.rebuilt, 0);
  // A touched input file of 2019 rebuilds GLDAS 2019 only.
  const std::string f = io::glob_files(twin + "/gldas/2019/364/*.nc4").front();
  fs::last_write_time(f, fs::last_write_time(f) + std::chrono::seconds(5));
  const auto e2020 = mtime(out + "/cache/era5_2020.nc");
  EXPECT_EQ(pipe::prepare(utc).stats.rebuilt, 1);
  EXPECT_EQ(mtime(out + "/cache/era5_2020.nc"), e2020);
  // A cache file altered on disk (one flipped byte): the manifest's CRC-32
  // finds it, that file alone is rebuilt, to the same values.
  {
    const std::string c = out + "/cache/era5_2020.nc";
    const io::DailyCube before = io::read_cf_daily(c);
    std::string bytes;
    {
      std::ifstream in(c, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      bytes = ss.str();
    }
    bytes[bytes.size() / 2] ^= 0x40;
    std::ofstream(c, std::ios::binary | std::ios::trunc) << bytes;
    EXPECT_EQ(pipe::prepare(utc).stats.rebuilt, 1);
    const io::DailyCube after = io::read_cf_daily(c);
    ASSERT_EQ(after.precip.size(), before.precip.size());
    EXPECT_EQ(0, std::memcmp(after.precip.data(), before.precip.data(), before.precip.size() * sizeof(float)));
  }

  // A source whose patterns match nothing is an error naming it and the pattern.
  pipe::RunConfig bad = cfg;
  bad.sources[1].paths = {twin + "/nothing/*.nc4"};
  try {
    pipe::prepare(bad);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gldas"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(twin + "/nothing/*.nc4"), std::string::npos) << e.what();
  }
  // Gauge stations missing from the metadata (a national file against a
  // provincial list) are skipped and counted, not an error.
  pipe::RunConfig meta = cfg;
  meta.stations = out + "/few_stations.csv";
  std::set<std::string> listed;
  {
    std::ifstream in(twin + "/gauges/stations.csv");
    std::ofstream o(meta.stations);
    std::string line;
    for (int k = 0; k < 4 && std::getline(in, line); ++k) {
      o << line << "\n";
      if (k) listed.insert(line.substr(0, line.find(',')));
    }
  }
  const pipe::Prepared few = pipe::prepare(meta);
  ASSERT_FALSE(few.stations.empty());
  EXPECT_LE(few.stations.size(), 3u);
  for (const auto& s : few.stations) EXPECT_TRUE(listed.count(s.id)) << s.id;
  fs::remove_all(twin);
  fs::remove_all(out);
}

}  // namespace

// `rainfuse evaluate`, pipeline form, on a small run built in memory: prepared
// data with two sources (era5 on a coarser native grid, imerg on the working
// grid), three station folds, out-of-fold files of two source sets, a fused
// file and a twin truth on a 2x finer grid. The expected scores follow from
// how the files were made. Also the whole-grid helpers (CfDaySeries, BlockMean).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "train/fit/folds.h"
#include "train/fuse/fuse.h"
#include "train/pipeline/eval_grid.h"
#include "train/pipeline/evaluate_run.h"
#include "train/plots/plots.h"

namespace fs = std::filesystem;
using namespace rf;
using rf::io::day_from_ymd;

namespace {

std::string temp_dir(const char* what) {
  const auto d = fs::temp_directory_path() /
                 (std::string(what) + "_" + std::to_string(getpid()) + "_" + std::to_string(std::random_device{}()));
  fs::create_directories(d);
  return d.string();
}

std::map<std::string, std::map<std::string, std::string>> read_metrics(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> cols;
  std::stringstream hs(line);
  for (std::string c; std::getline(hs, c, ',');) cols.push_back(c);
  std::map<std::string, std::map<std::string, std::string>> out;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::vector<std::string> f;
    for (std::string c; std::getline(ls, c, ',');) f.push_back(c);
    for (size_t i = 0; i < cols.size() && i < f.size(); ++i) out[f[0] + "|" + f[1]][cols[i]] = f[i];
  }
  return out;
}
double num(const std::string& s) { return std::stod(s); }

io::DailyCube make_cube(const std::string& name, const io::Grid& g, const std::vector<io::DayNumber>& days) {
  io::DailyCube c;
  c.product = name;
  c.grid = g;
  c.days = days;
  c.precip.assign(days.size() * g.size(), 0.f);
  return c;
}

void write_nc(const std::string& path, const io::DailyCube& c) {
  io::CfOptions o;
  o.write_valid_steps = false;
  io::write_cf_daily(path, c, o);
}

// The source's prepared form: native cube + nearest plan to the working grid.
pipe::SourceData make_source(const std::string& name, io::DailyCube cube, const io::Grid& work) {
  pipe::SourceData s;
  s.name = name;
  s.configured = true;
  s.plan = io::make_regrid_plan(cube.grid, work, io::RegridMethod::Nearest);
  s.planes = io::regrid_source_planes(s.plan);
  s.source_planes.resize(cube.nt() * size_t(s.planes) * cube.grid.size());
  for (size_t t = 0; t < cube.nt(); ++t)
    io::make_regrid_source(s.plan, cube.day_ptr(t), s.source_planes.data() + t * size_t(s.planes) * cube.grid.size());
  s.available.assign(cube.nt(), 1);
  s.cube = std::move(cube);
  return s;
}

}  // namespace

TEST(EvalGrid, BlockMeanAveragesFineCellsAndFallsBackToNearest) {
  std::mt19937 rng(3);
  std::gamma_distribution<float> g(0.8f, 4.f);
  const auto fine = io::Grid::regular(100.025, 0.05, 8, 36.025, 0.05, 6);    // 0.4 x 0.3 degrees
  const auto coarse = io::Grid::regular(100.05, 0.1, 4, 36.05, 0.1, 3);      // 2 x 2 blocks
  std::vector<float> f(fine.size()), c(coarse.size());
  for (auto& v : f) v = g(rng);
  f[7] = NAN;  // a missing fine cell: the block mean of the 3 others
  pipe::BlockMean(fine, coarse).apply(f.data(), c.data());
  for (size_t j = 0; j < 3; ++j)
    for (size_t i = 0; i < 4; ++i) {
      double s = 0;
      int n = 0;
      for (size_t dj = 0; dj < 2; ++dj)
        for (size_t di = 0; di < 2; ++di) {
          const float v = f[(2 * j + dj) * 8 + 2 * i + di];
          if (std::isfinite(v)) s += v, ++n;
        }
      EXPECT_NEAR(c[j * 4 + i], s / n, 1e-5) << j << "," << i;
    }
  // Equal grids: identity; a coarse cell outside the fine grid: NaN.
  std::vector<float> same(fine.size());
  pipe::BlockMean(fine, fine).apply(f.data(), same.data());
  for (size_t k = 0; k < f.size(); ++k)
    if (std::isfinite(f[k])) {
      EXPECT_EQ(same[k], f[k]);
    }
  const auto wider = io::Grid::regular(100.05, 0.1, 6, 36.05, 0.1, 3);  // two columns east of the fine grid
  std::vector<float> w(wider.size());
  pipe::BlockMean(fine, wider).apply(f.data(), w.data());
  EXPECT_TRUE(std::isnan(w[5]));
  EXPECT_FLOAT_EQ(w[0], c[0]);
}

TEST(EvalGrid, CfDaySeriesReadsDaysAcrossChunksAndFiles) {
  const std::string dir = temp_dir("rf_cfdays");
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.f, 50.f);
  const auto grid = io::Grid::regular(100.0, 0.25, 5, 35.0, 0.25, 4);
  std::vector<io::DailyCube> years;
  for (int y : {2019, 2020}) {
    std::vector<io::DayNumber> days;
    for (int k = 0; k < 40; ++k) days.push_back(day_from_ymd(y, 12, 31) - 39 + k);  // 40 days: 3 time chunks
    auto c = make_cube("x", grid, days);
    for (auto& v : c.precip) v = u(rng);
    c.precip[5] = NAN;
    write_nc(dir + "/f_" + std::to_string(y) + ".nc", c);
    years.push_back(std::move(c));
  }
  pipe::CfDaySeries s(pipe::glob_files(dir + "/f_*.nc"));
  EXPECT_EQ(s.days().size(), 80u);
  EXPECT_EQ(s.grid().nx(), 5u);
  std::vector<float> out(grid.size());
  for (int y = 0; y < 2; ++y)
    for (size_t t : {0u, 17u, 39u, 16u}) {  // out of order: chunk reloads
      s.read(years[y].days[t], out.data());
      for (size_t i = 0; i < grid.size(); ++i) {
        const float want = years[y].day_ptr(t)[i];
        if (std::isnan(want)) EXPECT_TRUE(std::isnan(out[i]));
        else EXPECT_FLOAT_EQ(out[i], want);
      }
    }
  EXPECT_FALSE(s.has(day_from_ymd(2021, 1, 1)));
  EXPECT_THROW(s.read(day_from_ymd(2021, 1, 1), out.data()), std::runtime_error);
  EXPECT_THROW(pipe::glob_files(dir + "/none_*.nc"), std::runtime_error);
  fs::remove_all(dir);
}

// The in-memory run. Working grid 8 x 6 cells of 0.1 degrees; truth on the 2x
// finer grid; era5 on a 0.2-degree grid aligned with it; imerg on the working
// grid, unavailable on days 5..9 (so `fused` takes the era5-only model there).
//   gauge       = truth averaged onto the station's working cell
//   oof all set = gauge + 0.1, oof era5 set = gauge + 0.3
//   fused file  = working-grid truth + 0.1;  imerg = 1.2 x working-grid truth
TEST(EvaluateRun, ScoresEveryMethodUnderTheSameFolds) {
  const std::string out = temp_dir("rf_evalrun");
  pipe::RunConfig cfg;
  cfg.out_dir = out;
  cfg.start = day_from_ymd(2020, 6, 1);
  cfg.end = cfg.start + 29;
  cfg.baselines = {"mean", "idw"};
  cfg.plots = plots::plots_available();
  cfg.truth = out + "/truth/truth_*.nc";
  const int nd = 30;

  pipe::Prepared p;
  p.grid = io::Grid::regular(100.05, 0.1, 8, 36.05, 0.1, 6);
  for (int t = 0; t < nd; ++t) p.days.push_back(cfg.start + t);
  const auto fine = io::Grid::regular(100.025, 0.05, 16, 36.025, 0.05, 12);
  std::mt19937 rng(7);
  std::gamma_distribution<float> gam(0.6f, 6.f);
  auto truth = make_cube("truth", fine, p.days);
  for (auto& v : truth.precip) v = gam(rng);
  auto work = make_cube("work", p.grid, p.days);
  for (int t = 0; t < nd; ++t)
    pipe::BlockMean(fine, p.grid).apply(truth.day_ptr(t), work.day_ptr(t));
  fs::create_directories(out + "/truth");
  write_nc(out + "/truth/truth_2020.nc", truth);

  const auto g5 = io::Grid::regular(100.1, 0.2, 4, 36.1, 0.2, 3);
  auto era5 = make_cube("era5", g5, p.days);
  for (auto& v : era5.precip) v = gam(rng);
  auto imerg = make_cube("imerg", p.grid, p.days);
  for (size_t k = 0; k < imerg.precip.size(); ++k) imerg.precip[k] = 1.2f * work.precip[k];
  for (int i = 0; i < 5; ++i) p.sources[i].name = pipe::kSourceNames[i];
  p.sources[0] = make_source("era5", era5, p.grid);
  p.sources[1] = make_source("imerg", imerg, p.grid);
  for (int t = 5; t < 10; ++t) p.sources[1].available[t] = 0;
  p.elevation.assign(p.grid.size(), 3000.f);

  const int64_t rc[9][2] = {{0, 0}, {1, 3}, {2, 6}, {3, 1}, {4, 4}, {5, 7}, {0, 5}, {5, 2}, {3, 3}};
  for (int s = 0; s < 9; ++s) {
    pipe::Station st;
    st.id = "S" + std::to_string(s);
    st.name = st.id;
    st.row = rc[s][0];
    st.col = rc[s][1];
    st.lon = p.grid.lon[size_t(st.col)] + 0.01;
    st.lat = p.grid.lat[size_t(st.row)] - 0.02;
    p.stations.push_back(st);
  }
  p.gauge_mm.resize(p.stations.size() * nd);
  for (size_t s = 0; s < p.stations.size(); ++s)
    for (int t = 0; t < nd; ++t)
      p.gauge_mm[s * nd + t] = work.day_ptr(t)[p.stations[s].row * 8 + p.stations[s].col];

  fs::create_directories(out + "/train");
  std::vector<int> fold = {0, 1, 2, 0, 1, 2, 0, 1, 2};
  pipe::write_folds_csv(out + "/train/folds.csv", p.stations, fold);
  for (auto [set, add] : {std::pair<const char*, double>{"era5+imerg", 0.1}, {"era5", 0.3}}) {
    std::ofstream f(out + "/train/oof_" + set + ".csv");
    f << "station_id,date,value\n";
    for (size_t s = 0; s < p.stations.size(); ++s)
      for (int t = 0; t < nd; ++t)
        f << p.stations[s].id << ',' << io::format_date(p.days[t]) << ',' << p.gauge(s, t) + add << "\n";
  }
  auto fused = make_cube("fused", p.grid, p.days);
  for (size_t k = 0; k < fused.precip.size(); ++k) fused.precip[k] = work.precip[k] + 0.1f;
  fs::create_directories(fs::path(pipe::fused_path(cfg, 2020)).parent_path());
  write_nc(pipe::fused_path(cfg, 2020), fused);

  pipe::evaluate_prepared(cfg, p);

  auto m = read_metrics(out + "/eval/metrics.csv");
  const long n = 9 * nd;
  for (const char* method : {"fused", "fused[era5]", "era5", "imerg", "mean", "idw"})
    ASSERT_EQ(m.at(std::string(method) + "|pooled").at("n"), std::to_string(n)) << method;
  // fused: the all-sources model on 25 days (+0.1), the era5 model on 5 (+0.3).
  EXPECT_NEAR(num(m.at("fused|pooled").at("rmse")), std::sqrt((25 * 0.01 + 5 * 0.09) / 30.0), 2e-4);
  EXPECT_NEAR(num(m.at("fused[era5]|pooled").at("rmse")), 0.3, 2e-4);
  EXPECT_NEAR(num(m.at("imerg|pooled").at("rb_pct")), 20.0, 1e-3);
  // era5 at the station's working pixel = the 0.2-degree cell holding it.
  double se = 0;
  for (size_t s = 0; s < p.stations.size(); ++s)
    for (int t = 0; t < nd; ++t) {
      const float e = era5.day_ptr(t)[(p.stations[s].row / 2) * 4 + p.stations[s].col / 2];
      se += (e - p.gauge(s, t)) * (e - p.gauge(s, t));
    }
  EXPECT_NEAR(num(m.at("era5|pooled").at("rmse")), std::sqrt(se / n), 2e-4);
  // Out of fold: an idw fitted with the station itself would reproduce its gauge exactly.
  EXPECT_GT(num(m.at("idw|pooled").at("rmse")), 0.5);
  EXPECT_TRUE(m.count("fused|station:S4"));
  EXPECT_TRUE(m.count("era5|season:JJA"));

  auto g = read_metrics(out + "/eval/metrics_truth_grid.csv");
  const long gn = long(p.grid.size()) * nd;  // 48 x 30 pixel-days: no subsampling at this size
  for (const char* method : {"fused", "era5", "imerg", "mean", "idw"})
    ASSERT_EQ(g.at(std::string(method) + "|grid").at("n"), std::to_string(gn)) << method;
  EXPECT_NEAR(num(g.at("fused|grid").at("rmse")), 0.1, 2e-4);
  EXPECT_NEAR(num(g.at("fused|grid").at("mae")), 0.1, 2e-4);
  EXPECT_NEAR(num(g.at("imerg|grid").at("rb_pct")), 20.0, 1e-3);
  EXPECT_TRUE(fs::exists(out + "/eval/metrics.md"));
  EXPECT_TRUE(fs::exists(out + "/eval/metrics_truth_grid.md"));
  if (cfg.plots) {
    for (const char* png : {"map_wettest_day.png", "map_total_2020.png", "scatter_fused.png", "scores.png"})
      EXPECT_TRUE(fs::exists(out + "/eval/" + png)) << png;
  }
  fs::remove_all(out);
}

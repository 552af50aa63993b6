// `rainfuse evaluate` standalone form on generated files: a small CF netCDF
// (io::write_cf_daily), a point-series CSV and a gauge CSV whose scores are
// computed by hand; then the CLI contract (exit codes, one-line errors naming
// the file and the problem).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "io/cf/writer.h"
#include "train/pipeline/eval_standalone.h"
#include "train/plots/plots.h"

namespace fs = std::filesystem;
using rf::io::day_from_ymd;

namespace {

// Two stations, three days (2020-07-01..03). The grid is 3 x 2 cells of 0.5
// degrees; A sits in cell (lat 36.0, lon 100.0), B in (36.5, 101.0). Every other
// cell holds random rain, so sampling the wrong cell changes the scores.
//   gauges        A: 1.0 0.0 5.0   B: 2.0 0.5 0.0
//   grid product  A: 2.0 0.0 3.0   B: 2.0 1.5 0.0  -> errors 1 0 -2 / 0 1 0
//   point product = gauges + 0.5 everywhere
// Hand scores of the grid product (n = 6): MAE = 4/6, RMSE = sqrt(6/6) = 1,
// RB = 0 (both sums 8.5); t = 1: H = 3 (A1 A3 B1), F = 1 (B2), M = 0 -> POD 1,
// FAR 0.25, CSI 0.75; t = 0.1: H = 4 -> CSI 1.
struct Fixture {
  std::string dir, gauges, grid_nc, points, stations;

  Fixture() {
    dir = (fs::temp_directory_path() / ("rf_eval_cli_" + std::to_string(getpid()) + "_" +
                                        std::to_string(std::random_device{}())))
              .string();
    fs::create_directories(dir);
    gauges = dir + "/gauges.csv";
    grid_nc = dir + "/grid.nc";
    points = dir + "/points.csv";
    stations = dir + "/stations.csv";
    std::ofstream(stations) << "station_id,name,lat,lon,elevation_m\nA,Alpha,36.05,99.98,3000\n"
                               "B,Beta,36.45,101.1,3100\nC,Far,36.2,110.0,500\n";
    const double g[2][3] = {{1.0, 0.0, 5.0}, {2.0, 0.5, 0.0}};
    std::ofstream gs(gauges);
    std::ofstream ps(points);
    gs << "station_id,date,value\n";
    ps << "value,date,station_id\n";  // any column order
    for (int s = 0; s < 2; ++s)
      for (int t = 0; t < 3; ++t) {
        gs << (s ? "B" : "A") << ",2020-07-0" << t + 1 << ',' << g[s][t] << "\n";
        ps << g[s][t] + 0.5 << ",2020-07-0" << t + 1 << ',' << (s ? "B" : "A") << "\n";
      }
    rf::io::DailyCube c;
    c.product = "grid";
    c.grid = rf::io::Grid::regular(100.0, 0.5, 3, 36.0, 0.5, 2);
    for (int t = 0; t < 3; ++t) c.days.push_back(day_from_ymd(2020, 7, 1 + t));
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(0.2f, 30.f);
    c.precip.resize(3 * 6);
    for (auto& v : c.precip) v = u(rng);
    const float a[3] = {2.0f, 0.0f, 3.0f}, b[3] = {2.0f, 1.5f, 0.0f};
    for (int t = 0; t < 3; ++t) {
      c.day_ptr(t)[0 * 3 + 0] = a[t];
      c.day_ptr(t)[1 * 3 + 2] = b[t];
    }
    rf::io::CfOptions o;
    o.write_valid_steps = false;
    rf::io::write_cf_daily(grid_nc, c, o);
  }
  ~Fixture() { fs::remove_all(dir); }
};

// metrics.csv rows keyed by "method|scope" -> column name -> text.
std::map<std::string, std::map<std::string, std::string>> read_metrics(const std::string& path) {
  std::ifstream in(path);
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
    auto& row = out[f[0] + "|" + f[1]];
    for (size_t i = 0; i < cols.size() && i < f.size(); ++i) row[cols[i]] = f[i];
  }
  return out;
}

double num(const std::string& s) { return std::stod(s); }

struct CliResult {
  int code;
  std::string output;
};
CliResult rainfuse(const std::string& args) {
  const char* bin = std::getenv("RAINFUSE_BINARY");
  if (!bin) return {-1, "RAINFUSE_BINARY not set"};
  const std::string cmd = std::string(bin) + " evaluate " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace

TEST(EvaluateStandalone, HandComputedScoresOnGridAndPoints) {
  Fixture f;
  rf::pipe::StandaloneEvalOptions o;
  o.gauges = f.gauges;
  o.products = {{"grid", f.grid_nc}, {"pts", f.points}};
  o.out = f.dir + "/out";
  o.stations = f.stations;
  o.plots = false;
  rf::pipe::run_standalone_evaluate(o);
  auto m = read_metrics(o.out + "/metrics.csv");
  const auto& g = m.at("grid|pooled");
  EXPECT_EQ(g.at("n"), "6");
  EXPECT_NEAR(num(g.at("mae")), 4.0 / 6.0, 1e-4);
  EXPECT_NEAR(num(g.at("rmse")), 1.0, 1e-4);
  EXPECT_NEAR(num(g.at("rb_pct")), 0.0, 1e-4);
  EXPECT_NEAR(num(g.at("pod_1")), 1.0, 1e-4);
  EXPECT_NEAR(num(g.at("far_1")), 0.25, 1e-4);
  EXPECT_NEAR(num(g.at("csi_1")), 0.75, 1e-4);
  EXPECT_NEAR(num(g.at("csi_0.1")), 1.0, 1e-4);
  // station A alone: errors 1 0 -2 -> RMSE sqrt(5/3)
  EXPECT_NEAR(num(m.at("grid|station:A").at("rmse")), std::sqrt(5.0 / 3.0), 1e-4);
  EXPECT_EQ(m.at("grid|season:JJA").at("n"), "6");
  EXPECT_EQ(m.at("grid|season:DJF").at("n"), "0");
  const auto& p = m.at("pts|pooled");
  EXPECT_NEAR(num(p.at("mae")), 0.5, 1e-4);
  EXPECT_NEAR(num(p.at("rmse")), 0.5, 1e-4);
  EXPECT_NEAR(num(p.at("rb_pct")), 3.0 / 8.5 * 100, 1e-3);
  EXPECT_TRUE(fs::exists(o.out + "/metrics.md"));
}

TEST(EvaluateStandalone, CommonPairsUnlessAllPairs) {
  Fixture f;
  {  // the point product misses A on 2020-07-03 (empty value)
    std::ofstream ps(f.points);
    ps << "station_id,date,value\nA,2020-07-01,1.5\nA,2020-07-02,0.5\nA,2020-07-03,\n"
          "B,2020-07-01,2.5\nB,2020-07-02,1\nB,2020-07-03,0.5\n";
  }
  rf::pipe::StandaloneEvalOptions o;
  o.gauges = f.gauges;
  o.products = {{"grid", f.grid_nc}, {"pts", f.points}};
  o.out = f.dir + "/common";
  o.stations = f.stations;
  o.plots = false;
  rf::pipe::run_standalone_evaluate(o);
  auto m = read_metrics(o.out + "/metrics.csv");
  EXPECT_EQ(m.at("grid|pooled").at("n"), "5");  // the day pts misses is dropped for grid too
  EXPECT_NEAR(num(m.at("grid|pooled").at("rmse")), std::sqrt(2.0 / 5.0), 1e-4);  // errors 1 0 0 1 0
  o.all_pairs = true;
  o.out = f.dir + "/all";
  rf::pipe::run_standalone_evaluate(o);
  m = read_metrics(o.out + "/metrics.csv");
  EXPECT_EQ(m.at("grid|pooled").at("n"), "6");
  EXPECT_EQ(m.at("pts|pooled").at("n"), "5");
}

TEST(EvaluateStandalone, VariableChoiceAndDetection) {
  Fixture f;
  EXPECT_TRUE(rf::pipe::is_netcdf_file(f.grid_nc));
  EXPECT_FALSE(rf::pipe::is_netcdf_file(f.points));
  EXPECT_EQ(rf::pipe::pick_grid_variable(f.grid_nc, ""), "precipitation");
  try {
    rf::pipe::pick_grid_variable(f.grid_nc, "tp");
    FAIL() << "missing variable accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(f.grid_nc), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'tp'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rf::pipe::parse_product_arg("noequals"), std::runtime_error);
  EXPECT_THROW(rf::pipe::parse_product_arg("=x.nc"), std::runtime_error);
  const auto pa = rf::pipe::parse_product_arg("my=a=b.nc");
  EXPECT_EQ(pa.name, "my");
  EXPECT_EQ(pa.path, "a=b.nc");
}

TEST(EvaluateCli, WritesTablesAndExitsZero) {
  Fixture f;
  const std::string out = f.dir + "/cli";
  auto r = rainfuse("--gauges " + f.gauges + " --product grid=" + f.grid_nc + " --product pts=" + f.points +
                    " --out " + out + " --stations " + f.stations + " --thresholds 0.1,1 --no-plots");
  ASSERT_EQ(r.code, 0) << r.output;
  std::ifstream in(out + "/metrics.csv");
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "method,scope,n,rb_pct,mae,rmse,cc,kge,pod_0.1,far_0.1,csi_0.1,pod_1,far_1,csi_1");
  auto m = read_metrics(out + "/metrics.csv");
  EXPECT_NEAR(num(m.at("grid|pooled").at("rmse")), 1.0, 1e-4);
  EXPECT_NE(r.output.find("grid"), std::string::npos);  // the pooled table is printed
  EXPECT_EQ(rainfuse("--help").code, 0);
}

// The same gauges as the CMA daily TXT as distributed (0.1 mm, DDMM, QC per
// value), a monthly glob, plus a station far outside the grid (a national
// file): the TXT's own coordinates place A and B, C is skipped, the scores are
// the hand-computed ones.
TEST(EvaluateCli, CmaDailyTxtGaugesAsDistributed) {
  Fixture f;
  {
    std::ofstream t(f.dir + "/SURF_CLI_CHN_MUL_DAY-PRE-13011-202007.TXT");
    const int g[2][3] = {{10, 0, 50}, {20, 5, 0}};  // 0.1 mm
    const char* head[2] = {"52001  3603  9959  30000", "52002  3627 10106  31000"};
    for (int s = 0; s < 2; ++s)
      for (int d = 0; d < 3; ++d)
        t << head[s] << " 2020  7  " << d + 1 << "  " << g[s][d] / 2 << "  " << g[s][d] - g[s][d] / 2 << "  "
          << g[s][d] << "  0  0  0\n";
    t << "54511  3612 11000   3130 2020  7  1  999  999  1998  0  0  0\n";
    std::ofstream(f.dir + "/SURF_CLI_CHN_MUL_DAY-PRE-13011-202006.TXT")
        << "52001  3603  9959  30000 2020  6 30  32766  32766  32766  8  8  8\n";
  }
  const std::string out = f.dir + "/txt";
  auto r = rainfuse("--gauges '" + f.dir + "/SURF_CLI_CHN_MUL_DAY-PRE-13011-2020*.TXT' --product grid=" + f.grid_nc +
                    " --out " + out + " --no-plots");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("1 of 3 gauge stations lie outside its grid"), std::string::npos) << r.output;
  auto m = read_metrics(out + "/metrics.csv");
  EXPECT_EQ(m.at("grid|pooled").at("n"), "6");
  EXPECT_NEAR(num(m.at("grid|pooled").at("mae")), 4.0 / 6.0, 1e-4);
  EXPECT_NEAR(num(m.at("grid|pooled").at("rmse")), 1.0, 1e-4);
  EXPECT_NEAR(num(m.at("grid|station:52001").at("rmse")), std::sqrt(5.0 / 3.0), 1e-4);
}

TEST(EvaluateCli, DrawsScatterAndBarsWhenGnuplotIsThere) {
  if (!rf::plots::plots_available()) GTEST_SKIP() << "gnuplot not installed";
  Fixture f;
  const std::string out = f.dir + "/png";
  auto r = rainfuse("--gauges " + f.gauges + " --product grid=" + f.grid_nc + " --product pts=" + f.points +
                    " --out " + out + " --stations " + f.stations);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* png : {"scatter_grid.png", "scatter_pts.png", "scores.png"}) {
    ASSERT_TRUE(fs::exists(out + "/" + png)) << png;
    EXPECT_GT(fs::file_size(out + "/" + png), 1000u) << png;
  }
}

TEST(EvaluateCli, ErrorsNameTheFileAndTheProblem) {
  Fixture f;
  const std::string base = "--gauges " + f.gauges + " --out " + f.dir + "/err --no-plots --stations " + f.stations;
  auto expect_error = [](const CliResult& r, int code, const std::vector<std::string>& parts) {
    EXPECT_EQ(r.code, code) << r.output;
    for (const auto& p : parts) EXPECT_NE(r.output.find(p), std::string::npos) << "'" << p << "' not in: " << r.output;
  };
  // duplicate NAME
  expect_error(rainfuse(base + " --product x=" + f.grid_nc + " --product x=" + f.points), 1, {"x", "duplicate"});
  // station not in the metadata (the built-in Qinghai list has no station A)
  expect_error(rainfuse("--gauges " + f.gauges + " --out " + f.dir + "/e2 --no-plots --product grid=" + f.grid_nc), 1,
               {"station A", "built-in Qinghai"});
  // a station outside the product's grid
  {
    std::ofstream(f.dir + "/gc.csv") << "station_id,date,value\nC,2020-07-01,1\n";
    expect_error(rainfuse("--gauges " + f.dir + "/gc.csv --out " + f.dir + "/e3 --no-plots --stations " + f.stations +
                          " --product grid=" + f.grid_nc),
                 1, {f.grid_nc, "station C", "outside the grid"});
  }
  // an unparsable gauge row names the file and line
  {
    std::ofstream(f.dir + "/bad.csv") << "station_id,date,value\nA,2020-07-01,1\nA,2020-13-01,2\n";
    expect_error(rainfuse("--gauges " + f.dir + "/bad.csv --out " + f.dir + "/e4 --no-plots --product pts=" + f.points),
                 1, {f.dir + "/bad.csv:3"});
  }
  // an unparsable product row
  {
    std::ofstream(f.dir + "/badp.csv") << "station_id,date,value\nA,2020-07-01,x1\n";
    expect_error(rainfuse(base + " --product p=" + f.dir + "/badp.csv"), 1, {f.dir + "/badp.csv:2", "not a number"});
  }
  // a missing product file, a glob matching nothing, a bad --product form, bad thresholds
  expect_error(rainfuse(base + " --product p=" + f.dir + "/none.nc"), 1, {f.dir + "/none.nc", "cannot open"});
  expect_error(rainfuse(base + " --product p=" + f.dir + "/none_*.nc"), 1, {"none_*.nc", "no file matches"});
  expect_error(rainfuse(base + " --product " + f.grid_nc), 1, {"NAME=PATH"});
  expect_error(rainfuse(base + " --product g=" + f.grid_nc + " --thresholds 0.1,abc"), 2, {"--thresholds"});
  // usage errors: no --out, an unknown flag, a pipeline flag in the standalone form
  expect_error(rainfuse("--gauges " + f.gauges + " --product g=" + f.grid_nc), 2, {"out"});
  expect_error(rainfuse(base + " --product g=" + f.grid_nc + " --bogus 1"), 2, {"bogus"});
  expect_error(rainfuse(base + " --product g=" + f.grid_nc + " --config x.toml"), 2, {"--config"});
  // ... and a standalone flag in the pipeline form
  expect_error(rainfuse("--out " + f.dir + "/run --stations " + f.stations), 2, {"--stations", "standalone"});
  expect_error(rainfuse("--out " + f.dir + "/run --all-pairs"), 2, {"--all-pairs"});
}

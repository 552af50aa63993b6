// One year of daily fields regridded to the 1390 x 850 Qinghai 0.01-degree grid
// and written as deflate-compressed CF netCDF-4: rainfuse (plan + apply + write,
// both cores) against `cdo -P 2 -f nc4 -z zip_4 remapnn` on the same input in
// the same run (libdeflate level 4 and the row_deflate fast encoder); prints
// the time ratios and checks that the outputs hold identical
// values. Each case is a YearCase (a source grid and a way to make its fields):
// the "read + aggregate + regrid one year of each product" cases plug in here
// once the readers and the synthetic twin provide the inputs.
//   RAINFUSE_BENCH_DAYS=N   shorter year for quick runs (default 365)
#include <benchmark/benchmark.h>
#include <netcdf.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "io/cf/writer.h"
#include "io/regrid/regrid.h"

namespace {

using namespace rf::io;

struct YearCase {
  std::string name;
  Grid src;
  // Daily fields [days][src.size()] in mm/day.
  std::function<std::vector<float>(const Grid&, int days)> make_fields;
};

int bench_days() {
  const char* e = std::getenv("RAINFUSE_BENCH_DAYS");
  return e ? std::max(1, std::atoi(e)) : 365;
}

// Intermittent rain: ~60 % dry cells, wet amounts log-normal, fixed seed.
std::vector<float> random_rain(const Grid& g, int days) {
  std::mt19937 rng(2024);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::lognormal_distribution<float> amount(0.5f, 1.2f);
  std::vector<float> f(size_t(days) * g.size());
  for (auto& v : f) v = u(rng) < 0.6f ? 0.f : std::round(amount(rng) * 10.f) / 10.f;
  return f;
}

// IMERG-like 0.1-degree centres covering Qinghai plus a 2-cell halo.
const YearCase kImergSynthetic{"imerg_0.1_synthetic", Grid::regular(89.35, 0.1, 143, 31.25, 0.1, 88), random_rain};

std::string scratch() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/rainfuse-bench-io-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    return std::string(tmpl);
  }();
  return dir;
}

struct Prepared {
  std::vector<float> fields;
  std::string src_nc, grid_txt;
};

// Writes the case's source fields as the netCDF file cdo reads (not timed).
const Prepared& prepare(const YearCase& c) {
  static std::map<std::string, Prepared> cache;
  auto it = cache.find(c.name);
  if (it != cache.end()) return it->second;
  Prepared p;
  const int days = bench_days();
  p.fields = c.make_fields(c.src, days);
  DailyCube cube;
  cube.product = c.name;
  cube.grid = c.src;
  for (int d = 0; d < days; ++d) cube.days.push_back(parse_date("2019-01-01") + d);
  cube.precip = p.fields;
  CfOptions opt;
  opt.write_valid_steps = false;
  p.src_nc = scratch() + "/" + c.name + "_src.nc";
  write_cf_daily(p.src_nc, cube, opt);
  p.grid_txt = scratch() + "/qinghai_001.txt";
  write_cdo_griddes(Grid::qinghai_001(), p.grid_txt);
  return cache.emplace(c.name, std::move(p)).first->second;
}

std::map<std::string, double> g_seconds;  // last timing per (tool, case)

void BM_rainfuse_year(benchmark::State& state, const YearCase* c, bool fast) {
  const Prepared& p = prepare(*c);
  const std::string tag = fast ? "rainfuse_fast" : "rainfuse";
  const std::string out = scratch() + "/" + c->name + "_" + tag + ".nc";
  const int days = bench_days();
  DailyCube src;  // the year of daily source fields (reading them is not part of this case)
  src.product = c->name;
  src.grid = c->src;
  for (int d = 0; d < days; ++d) src.days.push_back(parse_date("2019-01-01") + d);
  src.precip = p.fields;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    // plan + apply + write; the apply is fused into the chunk compression, so the
    // 1.7 GB target year is never materialised.
    const RegridPlan plan = make_regrid_plan(c->src, Grid::qinghai_001(), RegridMethod::Nearest);
    CfOptions opt;
    opt.write_valid_steps = false;
    opt.deflate_level = 4;
    opt.fast_deflate = fast;
    write_cf_regridded(out, src, plan, opt);
    g_seconds[tag + "/" + c->name] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["MB_out"] = double(std::filesystem::file_size(out)) / 1e6;
}

void BM_cdo_year(benchmark::State& state, const YearCase* c) {
  const Prepared& p = prepare(*c);
  const std::string out = scratch() + "/" + c->name + "_cdo.nc";
  const std::string cmd = "cdo -s -P 2 -f nc4 -z zip_4 remapnn," + p.grid_txt + " " + p.src_nc + " " + out;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (std::system(cmd.c_str()) != 0) {
      state.SkipWithError("cdo failed (is cdo installed?)");
      return;
    }
    g_seconds["cdo/" + c->name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["MB_out"] = double(std::filesystem::file_size(out)) / 1e6;
}

// Compares the first, middle and last day of the two outputs value for value
// (raw stored floats; both files carry the same _FillValue). Reading the whole
// 1.7 GB year twice would dominate the run.
bool identical_outputs(const YearCase& c, const std::string& tag) {
  const std::string files[2] = {scratch() + "/" + c.name + "_" + tag + ".nc", scratch() + "/" + c.name + "_cdo.nc"};
  const Grid g = Grid::qinghai_001();
  const size_t days = size_t(bench_days());
  std::vector<float> v[2];
  for (size_t t : {size_t(0), days / 2, days - 1}) {
    for (int k = 0; k < 2; ++k) {
      int ncid, var;
      if (nc_open(files[k].c_str(), NC_NOWRITE, &ncid) != NC_NOERR) return false;
      const size_t start[3] = {t, 0, 0}, count[3] = {1, g.ny(), g.nx()};
      v[k].resize(g.size());
      const bool ok = nc_inq_varid(ncid, "precipitation", &var) == NC_NOERR &&
                      nc_get_vara_float(ncid, var, start, count, v[k].data()) == NC_NOERR;
      nc_close(ncid);
      if (!ok) return false;
    }
    if (std::memcmp(v[0].data(), v[1].data(), g.size() * sizeof(float)) != 0) return false;
  }
  return true;
}

}  // namespace

BENCHMARK_CAPTURE(BM_rainfuse_year, imerg_0_1_synthetic, &kImergSynthetic, false)
    ->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();
BENCHMARK_CAPTURE(BM_rainfuse_year, imerg_0_1_synthetic_fast_deflate, &kImergSynthetic, true)
    ->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();
BENCHMARK_CAPTURE(BM_cdo_year, imerg_0_1_synthetic, &kImergSynthetic)
    ->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (const YearCase* c : {&kImergSynthetic}) {
    const auto k = g_seconds.find("cdo/" + c->name);
    if (k == g_seconds.end()) continue;
    for (const char* tag : {"rainfuse", "rainfuse_fast"}) {
      const auto r = g_seconds.find(std::string(tag) + "/" + c->name);
      if (r == g_seconds.end()) continue;
      std::printf("%s: %d days, %s %.2f s, cdo %.2f s, cdo/%s = %.1fx, identical values: %s\n", c->name.c_str(),
                  bench_days(), tag, r->second, k->second, tag, k->second / r->second,
                  identical_outputs(*c, tag) ? "yes" : "NO");
    }
  }
  if (!std::getenv("RAINFUSE_BENCH_KEEP")) std::filesystem::remove_all(scratch());
  return 0;
}

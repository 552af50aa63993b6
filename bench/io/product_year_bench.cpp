// Read + aggregate to the CMA day + regrid (nearest) to the 0.01-degree Qinghai
// grid + write deflate CF netCDF-4 (libdeflate level 4, and the row-repeat fast
// encoder), for each product of the synthetic twin in
// its distributed format: rainfuse (io library, both cores) against cdo doing
// the same work in the same run:
//   cdo -P 2 -b F32 -f nc4 -z zip_4 remapnn,GRID -daysum -shifttime,S -mulc,U -select,name=V 'FILES'
// (S moves the CMA day 12-12 UTC onto the calendar day, U converts to mm per
// step). cdo reads global fields (no hyperslabs) and cannot open IMERG (HDF5
// groups) or gzip-compressed GSMaP files: those rows time rainfuse alone.
// Values are not compared here (tests/io/cdo_* prove remapnn equality).
//   RAINFUSE_BENCH_TWIN=DIR  twin to use/create (default /tmp/rainfuse-bench-twin)
//   RAINFUSE_BENCH_DAYS=N    days from 2020-01-01 (default 365)
//   RAINFUSE_BENCH_PRODUCTS=era5,gldas,...  subset (default all five)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/aggregate/daily_from_files.h"
#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "io/synth/synth.h"

namespace {

using namespace rf::io;
using Clock = std::chrono::steady_clock;

struct Case {
  const char* name;
  Product product;
  const char* glob;       // relative to the twin
  const char* cdo_chain;  // nullptr: cdo cannot read the files
};

const Case kCases[] = {
    {"era5", Product::ERA5, "era5/*.nc", "-daysum -shifttime,11hour -mulc,1000 -select,name=tp"},
    {"gldas", Product::GLDAS, "gldas/*/*/*.nc4", "-daysum -shifttime,12hour -mulc,10800 -select,name=Rainf_f_tavg"},
    {"cmorph", Product::CMORPH, "cmorph/*/*/*/*.nc", "-daysum -shifttime,12hour -mulc,0.5 -select,name=cmorph"},
    {"gsmap", Product::GSMaP, "gsmap/*/*/*/*.dat.gz", nullptr},
    {"imerg", Product::IMERG, "imerg/*/*/*.HDF5", nullptr},
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* e = std::getenv(name);
  return e && *e ? e : fallback;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double file_mb(const std::string& p) { return std::filesystem::exists(p) ? std::filesystem::file_size(p) / 1e6 : 0; }

}  // namespace

int main() {
  const std::string twin = env_or("RAINFUSE_BENCH_TWIN", "/tmp/rainfuse-bench-twin");
  const int days = std::max(1, std::atoi(env_or("RAINFUSE_BENCH_DAYS", "365").c_str()));
  const std::string only = "," + env_or("RAINFUSE_BENCH_PRODUCTS", "era5,gldas,cmorph,gsmap,imerg") + ",";
  const DayNumber first = parse_date("2020-01-01"), last = first + days - 1;

  // The twin (CMORPH as NCEI netCDF so that cdo can read it); reused when it covers the days.
  const std::string info = twin + "/synth_info.txt";
  std::ifstream in(info);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().find("end " + format_date(last)) == std::string::npos) {
    std::fprintf(stderr, "writing the twin %s .. %s into %s\n", format_date(first - 1).c_str(), format_date(last).c_str(),
                 twin.c_str());
    synth::SynthOptions o;
    o.out_dir = twin;
    o.start = first - 1;  // the CMA day of Jan 1 starts on Dec 31
    o.end = last;
    o.cmorph_format = "nc";
    synth::run_synth(o);
  }
  const std::string out_dir = twin + "/bench-out";
  std::filesystem::create_directories(out_dir);
  const std::string griddes = out_dir + "/qinghai_001.txt";
  const Grid target = Grid::qinghai_001();
  write_cdo_griddes(target, griddes);

  std::printf(
      "| product | days | rainfuse (deflate 4) | output | rainfuse (fast deflate) | output | cdo | output | cdo / rainfuse "
      "(4 / fast) |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : kCases) {
    if (only.find(std::string(",") + c.name + ",") == std::string::npos) continue;
    const std::string ours = out_dir + "/" + c.name + "_rainfuse.nc", theirs = out_dir + "/" + c.name + "_cdo.nc";
    const auto files = glob_files(twin + "/" + c.glob);

    // Read + aggregate once, then regrid + write twice: libdeflate level 4 and
    // the row-repeat fast encoder (io/cf/row_deflate.h); both are plain deflate.
    auto t0 = Clock::now();
    ReaderOptions ro;
    DayOptions day;
    const DailyCube cube = daily_from_files(c.product, ro, files, first, last, day);
    const double t_read = seconds_since(t0);
    const RegridPlan plan = make_regrid_plan(cube.grid, target, RegridMethod::Nearest);
    double t_write[2], mb[2];
    for (int fast = 0; fast < 2; ++fast) {
      CfOptions opt;
      opt.history = "bench_io_product_year_bench";
      opt.write_valid_steps = false;  // cdo writes the precipitation variable only
      opt.fast_deflate = fast;
      t0 = Clock::now();
      write_cf_regridded(ours, cube, plan, opt);
      t_write[fast] = seconds_since(t0);
      mb[fast] = file_mb(ours);
    }
    const double t_ours = t_read + t_write[0], t_fast = t_read + t_write[1];

    std::string cdo_cell = "cannot read", cdo_mb = "-", ratio = "-";
    if (c.cdo_chain) {
      std::filesystem::remove(theirs);
      const std::string cmd = "cdo -s -P 2 -b F32 -f nc4 -z zip_4 remapnn," + griddes + " " + c.cdo_chain + " '" + twin +
                              "/" + c.glob + "' " + theirs + " > " + out_dir + "/cdo.log 2>&1";
      t0 = Clock::now();
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "cdo failed for %s: see %s/cdo.log\n", c.name, out_dir.c_str());
        return 1;
      }
      const double t_cdo = seconds_since(t0);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f s", t_cdo);
      cdo_cell = buf;
      std::snprintf(buf, sizeof buf, "%.0f MB", file_mb(theirs));
      cdo_mb = buf;
      std::snprintf(buf, sizeof buf, "%.1fx / %.1fx", t_cdo / t_ours, t_cdo / t_fast);
      ratio = buf;
    }
    std::printf("| %s (%zu files) | %zu | %.2f s | %.0f MB | %.2f s | %.0f MB | %s | %s | %s |\n", c.name, files.size(),
                cube.nt(), t_ours, mb[0], t_fast, mb[1], cdo_cell.c_str(), cdo_mb.c_str(), ratio.c_str());
    std::fflush(stdout);
  }
  return 0;
}

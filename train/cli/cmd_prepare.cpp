// rainfuse prepare: sources + gauges + DEM -> the cached prepared data of a run
// (train/prepare/prepared.h), with a summary of what is available when.
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/config/config_args.h"
#include "train/common/log.h"
#include "train/prepare/prepared.h"
#include "train/pipeline/run_lock.h"

namespace rf::cli {
namespace {

constexpr const char* kUsage =
    "usage: rainfuse prepare [--config FILE] [--out DIR] [--start YYYY-MM-DD] [--end YYYY-MM-DD]\n"
    "                        [--set KEY=VALUE ...] [--force] [--quiet]\n"
    "  Reads every configured source (daily totals on its native grid, cut to the working grid + 2 cells),\n"
    "  the gauges and the DEM for the period, and caches them under <out>/cache/ (one netCDF per source\n"
    "  and year, gauges.csv, dem.nc, manifest.txt). A second run with the same settings and input files\n"
    "  only loads; a changed setting or input file rebuilds the affected files only.\n"
    "  --config FILE  the run's TOML (default ./rainfuse.toml; `rainfuse config --example` prints one)\n"
    "  --force        rebuild every cached file\n"
    "  --quiet        no log lines (the summary is still printed)\n";

}  // namespace

int cmd_prepare(const Argv& argv) {
  const Args args(argv, pipe::pipeline_flags(), {"force", "quiet"});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  pipe::set_quiet(args.has("quiet"));
  const pipe::RunConfig cfg = pipe::run_config_from_args(args);
  const pipe::RunLock lock(cfg.out_dir, "prepare");
  if (args.has("force")) std::filesystem::remove(cfg.path("cache/manifest.txt"));
  const pipe::Prepared p = pipe::prepare(cfg, pipe::progress_fn());

  std::printf("rainfuse prepare: %s .. %s, %zu days, working grid %zux%zu (%s), regrid %s\n",
              io::format_date(p.days.front()).c_str(), io::format_date(p.days.back()).c_str(), p.days.size(),
              p.grid.nx(), p.grid.ny(), cfg.grid_spec.empty() ? "region box" : cfg.grid_spec.c_str(),
              cfg.regrid_method.c_str());
  std::printf("  source  files  native    seconds  available days per year\n");
  for (int k = 0; k < 5; ++k) {
    const pipe::SourceData& sd = p.sources[k];
    if (!sd.configured) {
      std::printf("  %-6s  not configured\n", sd.name.c_str());
      continue;
    }
    std::map<int, std::pair<int, int>> per_year;  // year -> (available, days)
    for (size_t t = 0; t < p.days.size(); ++t) {
      int y, m, d;
      io::ymd_from_day(p.days[t], y, m, d);
      per_year[y].first += sd.available[t];
      per_year[y].second += 1;
    }
    std::string years;
    for (const auto& [y, c] : per_year) {
      char buf[48];
      std::snprintf(buf, sizeof buf, " %d: %d/%d", y, c.first, c.second);
      years += buf;
    }
    char native[32];
    std::snprintf(native, sizeof native, "%zux%zu", sd.cube.grid.nx(), sd.cube.grid.ny());
    std::printf("  %-6s  %5zu  %-8s  %7.2f %s\n", sd.name.c_str(), p.stats.source_files[k], native,
                p.stats.source_seconds[k], years.c_str());
  }
  size_t valid = 0;
  for (float v : p.gauge_mm) valid += v == v;
  std::printf("  gauges: %zu stations kept, %zu valid station-days (%.2f s); DEM %.2f s\n", p.stations.size(), valid,
              p.stats.gauge_seconds, p.stats.dem_seconds);
  std::printf("  cache: %s (%d file(s) rebuilt), total %.2f s\n", p.stats.cache_dir.c_str(), p.stats.rebuilt,
              p.stats.total_seconds);
  return 0;
}

}  // namespace rf::cli

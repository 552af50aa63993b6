// prepare(): the working grid and period, then each configured source, the
// DEM and the gauges, through the cache under <out>/cache/ (prepare_steps.h).
#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <thread>

#include "train/common/log.h"
#include "train/prepare/prepare_steps.h"

namespace rf::pipe {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Prepared prepare(const RunConfig& cfg, const ProgressFn& progress) { return prepare(cfg, cfg.start, cfg.end, progress); }

Prepared prepare(const RunConfig& cfg, io::DayNumber first, io::DayNumber last, const ProgressFn& progress) {
  if (last < first)
    throw std::runtime_error("prepare: the period ends (" + io::format_date(last) + ") before it starts (" +
                             io::format_date(first) + ")");
  const auto t0 = std::chrono::steady_clock::now();
  Prepared p;
  p.grid = cfg.working_grid();
  if (p.grid.ny() > 1 && p.grid.lat[1] < p.grid.lat[0]) std::reverse(p.grid.lat.begin(), p.grid.lat.end());
  for (io::DayNumber d = first; d <= last; ++d) p.days.push_back(d);
  const size_t nt = p.days.size();
  p.stats.cache_dir = cfg.path("cache");
  std::filesystem::create_directories(p.stats.cache_dir);
  prep::Manifest manifest(cfg.path("cache/manifest.txt"));
  manifest.set_fingerprint(prepare_fingerprint(cfg));
  log("prepare: %s .. %s (%zu days) on %zux%zu cells, regrid %s, cache %s", io::format_date(first).c_str(),
      io::format_date(last).c_str(), nt, p.grid.nx(), p.grid.ny(), cfg.regrid_method.c_str(),
      p.stats.cache_dir.c_str());

  for (int k = 0; k < 5; ++k) {
    p.sources[k].name = kSourceNames[k];
    p.sources[k].available.assign(nt, 0);
  }
  if (progress) progress("prepare sources", 0, int64_t(cfg.sources.size()));
  std::vector<prep::SourceJob> jobs;
  for (const SourceConfig& sc : cfg.sources) jobs.push_back(prep::plan_source(cfg, sc, p.grid, first, last, manifest));
  // Flat-binary sources are read on a second thread. netCDF-C is not
  // thread-safe: the netCDF/HDF5 sources are read by this thread and, with
  // more than one core, by a forked child process (ForkedReads), the files to
  // read balanced between the two (largest source first, to the lighter side).
  // The DEM and the gauges are read here too.
  std::vector<prep::SourceJob*> here, child;
  {
    std::vector<prep::SourceJob*> nc;
    for (auto& j : jobs)
      if (!j.thread_safe && prep::files_to_read(j) > 0) nc.push_back(&j);
    std::stable_sort(nc.begin(), nc.end(), [](const prep::SourceJob* a, const prep::SourceJob* b) {
      return prep::files_to_read(*a) > prep::files_to_read(*b);
    });
    const bool fork_reader = nc.size() >= 2 && std::thread::hardware_concurrency() >= 2;
    size_t here_files = 0, child_files = 0;
    for (prep::SourceJob* j : nc) {
      const size_t n = prep::files_to_read(*j);
      if (fork_reader && child_files <= here_files) child.push_back(j), child_files += n;
      else here.push_back(j), here_files += n;
    }
  }
  std::optional<prep::ForkedReads> forked;
  if (!child.empty()) {
    std::string names;
    for (const prep::SourceJob* j : child) names += (names.empty() ? "" : ", ") + j->sc.name;
    try {
      forked.emplace(child);
      log("prepare: reading %s in a second process", names.c_str());
    } catch (const std::exception& e) {  // no pipe or process to be had: read them here
      log("prepare: %s; reading %s in this process", e.what(), names.c_str());
      here.insert(here.end(), child.begin(), child.end());
    }
  }
  std::exception_ptr side_error;
  std::thread side([&] {
    try {
      for (auto& j : jobs)
        if (j.thread_safe) prep::read_source(j);
    } catch (...) {
      side_error = std::current_exception();
    }
  });
  try {
    for (prep::SourceJob* j : here) prep::read_source(*j);
    auto t1 = std::chrono::steady_clock::now();
    p.elevation = prep::prepare_dem(cfg, p.grid, manifest);
    p.stats.dem_seconds = seconds_since(t1);
    t1 = std::chrono::steady_clock::now();
    prep::prepare_gauges(cfg, manifest, p);
    p.stats.gauge_seconds = seconds_since(t1);
    log("prepare: %zu stations with data on the grid, dem %.2f s, gauges %.2f s", p.stations.size(),
        p.stats.dem_seconds, p.stats.gauge_seconds);
    if (forked) forked->join();
  } catch (...) {
    side.join();
    throw;
  }
  side.join();
  if (side_error) std::rethrow_exception(side_error);

  for (size_t i = 0; i < jobs.size(); ++i) {
    prep::SourceJob& j = jobs[i];
    const int k = source_index(j.sc.name);
    prep::finish_source(cfg, j, p.grid, manifest, p.sources[k]);
    const prep::SourceTiming& tm = j.timing;
    const long avail = std::count(p.sources[k].available.begin(), p.sources[k].available.end(), 1);
    p.stats.source_files[k] = tm.files;
    p.stats.source_seconds[k] = tm.seconds;
    log("prepare: %-6s %zu files (%zu read, %zu skipped as unreadable), %zu days, %ld available, %zu with implausible "
        "values set missing, native %zux%zu, years %d built %d cached %d without data, %.2f s",
        j.sc.name.c_str(), tm.files, tm.files_read, tm.files_skipped, nt, avail, tm.days_flagged, p.sources[k].cube.grid.nx(),
        p.sources[k].cube.grid.ny(), tm.years_built, tm.years_cached, tm.years_absent, tm.seconds);
    if (progress) progress("prepare sources", int64_t(i + 1), int64_t(jobs.size()));
  }
  log("prepare: sources, DEM and gauges ready after %.2f s", seconds_since(t0));

  p.stats.rebuilt = manifest.rebuilt;
  p.stats.total_seconds = seconds_since(t0);
  log("prepare: done in %.2f s (%d cached file(s) rebuilt)", p.stats.total_seconds, p.stats.rebuilt);
  return p;
}

}  // namespace rf::pipe

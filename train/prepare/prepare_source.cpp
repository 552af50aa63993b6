// One source of prepare(): per-year native daily cubes (read + aggregated by
// io::daily_from_files, cached as CF netCDF), joined over the period, then the
// regrid plan to the working grid, its source planes and daily availability.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "io/aggregate/daily_from_files.h"
#include "io/cf/writer.h"
#include "train/fit/checkpoint.h"
#include "train/common/log.h"
#include "train/prepare/prepare_steps.h"

namespace rf::pipe::prep {
namespace {

struct Reader {
  io::Product product;
  io::ReaderOptions opt;
  std::vector<std::string> patterns;
};

// The io reader of a configured source: the product (a `ctl` turns a built-in
// flat-binary product into a GrADS read of that descriptor), the region = the
// working grid's box + 2 native cells.
Reader reader_for(const SourceConfig& sc, const io::Grid& working) {
  const std::string key = "sources." + sc.name;
  Reader r{io::parse_product(sc.product.empty() ? sc.name : sc.product), {}, sc.paths};
  r.opt.region = grid_box(working);
  r.opt.halo = 2;
  if (!sc.stamp.empty()) r.opt.gldas_stamp = sc.stamp == "start" ? io::StampConvention::Start : io::StampConvention::End;
  if (!sc.ctl.empty()) {
    if (r.product != io::Product::GrADS && r.product != io::Product::GSMaP && r.product != io::Product::CMORPH)
      throw std::runtime_error(key + ".ctl: a GrADS descriptor applies to product grads, gsmap or cmorph only");
    r.opt.ctl = io::load_grads_ctl(sc.ctl);
    r.product = io::Product::GrADS;
    if (r.patterns.empty()) r.patterns.push_back(r.opt.ctl->glob_pattern());
  }
  if (r.product == io::Product::GrADS && !r.opt.ctl)
    throw std::runtime_error(key + ": product grads needs a descriptor (" + key + ".ctl)");
  if (!sc.variable.empty()) {
    // The built-in readers know their products' variables; naming one of
    // them is allowed, any other name only for a GrADS product.
    static const std::vector<std::string> builtin[] = {
        {"tp"}, {"precipitationCal", "precipitation"}, {"Rainf_f_tavg"}, {"precip"}, {"cmorph"}, {}};
    const auto& names = builtin[int(r.product)];
    if (r.product == io::Product::GrADS) r.opt.grads.var = sc.variable;
    else if (std::find(names.begin(), names.end(), sc.variable) == names.end())
      throw std::runtime_error(key + ".variable: the " + std::string(io::product_name(r.product)) +
                               " reader reads its product's own variable, not '" + sc.variable +
                               "' (a renamed variable needs product = \"grads\" or renaming the files' variable)");
  }
  return r;
}

io::DayConvention convention_of(const RunConfig& cfg) {
  if (cfg.day == "cma") return io::DayConvention::CMA;
  if (cfg.day == "utc") return io::DayConvention::UTC;
  throw std::runtime_error("period.day: '" + cfg.day + "' is not cma or utc");
}

// The settings that determine a source's native daily cube (not the period:
// the manifest's `days` line holds the range).
std::string source_settings(const RunConfig& cfg, const SourceConfig& sc, const Reader& r) {
  char box[160];
  std::snprintf(box, sizeof box, "region %.10g %.10g %.10g %.10g halo %d\n", r.opt.region.lon0, r.opt.region.lon1,
                r.opt.region.lat0, r.opt.region.lat1, r.opt.halo);
  std::string s = "source " + sc.name + " product " + io::product_name(r.product) + "\n";
  if (!sc.ctl.empty()) s += "ctl\n" + stamp_files({sc.ctl});
  if (!sc.variable.empty()) s += "variable " + sc.variable + "\n";
  if (!sc.stamp.empty()) s += "stamp " + sc.stamp + "\n";
  s += "day " + cfg.day + " max_missing_steps " + std::to_string(cfg.max_missing_steps) + "\n" + box;
  if (cfg.on_bad_file != "skip") s += "on_bad_file " + cfg.on_bad_file + "\n";
  return s;
}

bool no_step_error(const std::exception& e) {
  return std::string(e.what()).find("no time step of the period was found") != std::string::npos;
}

// Latitude ascending (row 0 = south), as the cache files store it.
io::Grid ascending(io::Grid g) {
  if (g.ny() > 1 && g.lat[1] < g.lat[0]) std::reverse(g.lat.begin(), g.lat.end());
  return g;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

SourceJob plan_source(const RunConfig& cfg, const SourceConfig& sc, const io::Grid& working, io::DayNumber first,
                      io::DayNumber last, const Manifest& manifest) {
  SourceJob job;
  job.sc = sc;
  const Reader rd = reader_for(sc, working);
  job.product = rd.product;
  job.reader = rd.opt;
  job.files = match_files(rd.patterns);
  if (job.files.empty()) {
    std::string pats;
    for (const auto& p : rd.patterns) pats += (pats.empty() ? "" : ", ") + p;
    throw std::runtime_error("source '" + sc.name + "': no file matches sources." + sc.name + ".paths (" +
                             (pats.empty() ? std::string("none given") : pats) + ")");
  }
  job.day.convention = convention_of(cfg);
  job.day.max_missing_steps = cfg.max_missing_steps;
  job.on_bad = io::parse_on_bad_file(cfg.on_bad_file);
  job.first = first, job.last = last;
  const io::ProductReader reader(rd.product, rd.opt);
  job.thread_safe = true;
  for (const auto& f : job.files) job.thread_safe = job.thread_safe && reader.thread_safe(f);
  const std::string settings = source_settings(cfg, sc, rd);

  int y0, y1, m, d;
  io::ymd_from_day(first, y0, m, d);
  io::ymd_from_day(last, y1, m, d);
  for (int y = y0; y <= y1; ++y) {
    SourceJob::Year yr;
    yr.year = y;
    const io::DayNumber jan1 = io::day_from_ymd(y, 1, 1), next = io::day_from_ymd(y + 1, 1, 1);
    yr.first = std::max(first, jan1), yr.last = std::min(last, next - 1);
    // The files that can hold steps of this year's days (name-dated files
    // outside it are left out; undated names, e.g. ERA5's, belong to every year).
    const io::UnixSeconds w0 = io::day_window_start(jan1, job.day.convention),
                          w1 = io::day_window_start(next, job.day.convention);
    for (const auto& f : job.files) {
      const auto span = reader.span_from_name(f);
      if (!span || (span->first < w1 && span->second > w0)) yr.files.push_back(f);
    }
    if (!yr.files.empty()) {
      yr.artifact = sc.name + "_" + std::to_string(y) + ".nc";
      yr.path = cfg.path("cache/" + yr.artifact);
      yr.key = settings + "year " + std::to_string(y) + "\n" + stamp_files(yr.files);
      const std::string stored = manifest.block(yr.artifact);
      yr.empty = stored.size() >= 6 && stored.compare(stored.size() - 6, 6, "empty\n") == 0;
      yr.cached = cache_serves(stored, yr.key, yr.first, yr.last, yr.build_first, yr.build_last) &&
                  (yr.empty || cache_file_intact(stored, yr.path));
      if (!yr.cached) yr.empty = false;
    }
    job.years.push_back(std::move(yr));
  }
  return job;
}

size_t files_to_read(const SourceJob& job) {
  size_t n = 0;
  for (const auto& yr : job.years)
    if (!yr.cached) n += yr.files.size();
  return n;
}

void read_source(SourceJob& job) {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& yr : job.years) {
    if (yr.files.empty() || yr.cached) continue;
    io::FilesRead report;
    try {
      yr.built = io::daily_from_files(job.product, job.reader, yr.files, yr.build_first, yr.build_last, job.day, &report,
                                      job.on_bad);
    } catch (const std::runtime_error& e) {
      if (!no_step_error(e)) throw;
      yr.empty = true;  // only undated files, none with a step of this year
    }
    for (const auto& [rule, files] : report.stamp_rules)
      log("prepare: %s %d time stamps: %s (%zu files)", job.sc.name.c_str(), yr.year, rule.c_str(), files);
    job.timing.files_read += report.read;
    yr.skipped = std::move(report.skipped);
  }
  job.timing.seconds += seconds_since(t0);
}

std::vector<FlaggedDay> flag_implausible_values(io::DailyCube& cube) {
  const size_t n = cube.grid.size();
  std::vector<FlaggedDay> out(cube.nt());
#pragma omp parallel for schedule(static)
  for (size_t t = 0; t < cube.nt(); ++t) {
    FlaggedDay& f = out[t];
    f.day = cube.days[t];
    float* v = cube.day_ptr(t);
    for (size_t i = 0; i < n; ++i) {
      if (std::isnan(v[i])) continue;
      const bool inf = std::isinf(v[i]), over = !inf && v[i] > kMaxPlausibleMm, neg = !inf && v[i] < kMinPlausibleMm;
      if (!(inf || over || neg)) continue;
      f.infinite += inf, f.over += over, f.negative += neg;
      v[i] = NAN;
    }
  }
  std::vector<FlaggedDay> flagged;
  for (const FlaggedDay& f : out)
    if (f.over + f.negative + f.infinite) flagged.push_back(f);
  return flagged;
}

std::string flagged_days_csv(const std::vector<FlaggedDay>& days) {
  std::string s = "date,cells_over_1000mm,cells_negative,cells_infinite\n";
  for (const FlaggedDay& f : days)
    s += io::format_date(f.day) + "," + std::to_string(f.over) + "," + std::to_string(f.negative) + "," +
         std::to_string(f.infinite) + "\n";
  return s;
}

void finish_source(const RunConfig& cfg, SourceJob& job, const io::Grid& working, Manifest& manifest, SourceData& sd) {
  const auto t0 = std::chrono::steady_clock::now();
  const SourceConfig& sc = job.sc;
  SourceTiming& timing = job.timing;
  timing.files = job.files.size();
  const io::DayNumber first = job.first, last = job.last;
  const size_t nt = size_t(last - first + 1);
  sd.name = sc.name;
  sd.configured = true;
  io::DailyCube& cube = sd.cube;
  cube = io::DailyCube{};
  cube.product = sc.name;
  cube.convention = job.day.convention;
  for (io::DayNumber d = first; d <= last; ++d) cube.days.push_back(d);
  bool have_grid = false;

  for (auto& yr : job.years) {
    if (yr.files.empty()) {
      ++timing.years_absent;
      continue;
    }
    io::DailyCube yc;
    if (yr.cached) {
      ++timing.years_cached;
      if (!yr.empty) yc = io::read_cf_daily(yr.path);
    } else {
      ++timing.years_built;
      ++manifest.rebuilt;
      timing.files_skipped += yr.skipped.size();
      for (const auto& m : yr.skipped) log("prepare: %s %d: skipped unreadable file %s", sc.name.c_str(), yr.year, m.c_str());
      if (!yr.empty) {
        io::CfOptions opt;
        opt.title = "rainfuse prepare cache: " + sc.name + " daily totals on the native grid";
        opt.source = std::string(io::product_name(job.product)) + " files";
        opt.model = "none";
        opt.history = "rainfuse prepare";
        if (!yr.skipped.empty()) opt.history += "\n" + io::skipped_files_note(yr.skipped);
        opt.history_timestamp = false;  // the same inputs give the same bytes (a killed run's rebuild too)
        opt.deflate_level = 1;
        io::write_cf_daily(yr.path, yr.built, opt);
        yr.built = io::DailyCube{};
        yc = io::read_cf_daily(yr.path);  // what a cached run loads: both runs see the same values
      }
      manifest.set(yr.artifact, cache_block(yr.key, yr.build_first, yr.build_last) +
                                    (yr.empty ? std::string("empty\n") : content_line(yr.path)));
    }
    if (yr.empty) {
      ++timing.years_absent;
      continue;
    }
    if (!have_grid) {
      cube.grid = yc.grid;
      cube.steps_per_day = yc.steps_per_day;
      cube.precip.assign(nt * cube.grid.size(), NAN);
      cube.valid_steps.assign(nt * cube.grid.size(), 0);
      have_grid = true;
    } else if (!(yc.grid == cube.grid)) {
      throw std::runtime_error(yr.path + ": source '" + sc.name + "' has a different native grid in " +
                               std::to_string(yr.year) + " than in earlier years (" + std::to_string(yc.grid.nx()) +
                               "x" + std::to_string(yc.grid.ny()) + " vs " + std::to_string(cube.grid.nx()) + "x" +
                               std::to_string(cube.grid.ny()) + ")");
    }
    const size_t n = cube.grid.size();
    for (size_t t = 0; t < yc.days.size(); ++t) {
      const io::DayNumber day = yc.days[t];
      if (day < first || day > last) continue;
      std::copy_n(yc.day_ptr(t), n, cube.day_ptr(size_t(day - first)));
      if (!yc.valid_steps.empty())
        std::copy_n(yc.valid_steps.data() + t * n, n, cube.valid_steps.data() + size_t(day - first) * n);
    }
  }
  if (!have_grid) {
    // No data in the period at all: the native grid from one file's read, so
    // the source still has a plan (every day NaN and unavailable).
    io::ReaderOptions ro = job.reader;
    ro.keep_from = ro.keep_to = 0;
    cube.grid = ascending(io::ProductReader(job.product, ro).read(job.files.front()).grid);
    cube.precip.assign(nt * cube.grid.size(), NAN);
    cube.valid_steps.assign(nt * cube.grid.size(), 0);
  }

  // Poisoned numbers (a wrong scale factor, units or sign in some files) are
  // made missing here, logged and listed in cache/flagged_<source>.csv.
  const std::vector<FlaggedDay> flagged = flag_implausible_values(cube);
  timing.days_flagged = flagged.size();
  const std::string flagged_csv = cfg.path("cache/flagged_" + sc.name + ".csv");
  for (size_t i = 0; i < flagged.size() && i < 5; ++i)
    log("prepare: %s %s: %zu cell(s) over %.0f mm/day, %zu negative, %zu infinite: set missing", sc.name.c_str(),
        io::format_date(flagged[i].day).c_str(), flagged[i].over, double(kMaxPlausibleMm), flagged[i].negative,
        flagged[i].infinite);
  if (flagged.size() > 5) log("prepare: %s: %zu more such days, all in %s", sc.name.c_str(), flagged.size() - 5, flagged_csv.c_str());
  if (flagged.empty())
    std::filesystem::remove(flagged_csv);
  else
    write_file_atomic(flagged_csv, flagged_days_csv(flagged));

  // Regrid plan and the planes apply_regrid_span reads, per day.
  sd.plan = io::make_regrid_plan(cube.grid, working, io::parse_regrid_method(cfg.regrid_method));
  sd.planes = io::regrid_source_planes(sd.plan);
  const size_t n = cube.grid.size(), per_day = size_t(sd.planes) * n;
  sd.source_planes.resize(nt * per_day);
#pragma omp parallel for schedule(static)
  for (size_t t = 0; t < nt; ++t) io::make_regrid_source(sd.plan, cube.day_ptr(t), sd.source_planes.data() + t * per_day);

  // Availability: the fraction of native cells centred inside the working
  // grid's box that hold a value.
  const io::Region box = grid_box(working);
  std::vector<size_t> inside;
  for (size_t j = 0; j < cube.grid.ny(); ++j) {
    const double lat = cube.grid.lat[j];
    if (lat < box.lat0 || lat >= box.lat1) continue;
    for (size_t i = 0; i < cube.grid.nx(); ++i) {
      double lon = cube.grid.lon[i];
      while (lon < box.lon0 - 180) lon += 360;
      while (lon >= box.lon0 + 180) lon -= 360;
      if (lon >= box.lon0 && lon < box.lon1) inside.push_back(j * cube.grid.nx() + i);
    }
  }
  sd.available.assign(nt, 0);
#pragma omp parallel for schedule(static)
  for (size_t t = 0; t < nt; ++t) {
    const float* f = cube.day_ptr(t);
    size_t valid = 0;
    for (size_t k : inside) valid += !std::isnan(f[k]);
    sd.available[t] = valid > 0 && double(valid) >= cfg.min_coverage * double(inside.size());
  }
  timing.seconds += seconds_since(t0);
}

}  // namespace rf::pipe::prep

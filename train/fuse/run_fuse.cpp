// run_fuse (fuse.h): one CF netCDF per year of the fuse period, streamed day by
// day (io/cf/stream_writer.h: only CfOptions::time_chunk days are held), so a
// 0.01-degree year (1.7 GB of floats) never sits in memory. A year whose file
// exists is done (files are only ever renamed into place complete) when its
// content is the one written: each finished year gets a sidecar
// rainfuse_YYYY.nc.crc32 ("crc32 XXXXXXXX size N", put in place just before the
// finished file is renamed to its final name), and a year file whose CRC-32 or
// size differs, or that has no sidecar (a file from elsewhere), is moved aside to
// rainfuse_YYYY.nc.damaged (nothing is deleted) and the year redone. The
// temporary file of an interrupted run is removed and the year redone from its
// first day, which gives the same bytes (no timestamps in the file).
// With [fuse] pack_int16, values beyond the packed range (645.34 mm/day) are
// clipped, counted in the attribute precipitation:rainfuse_clipped_values and
// logged once per year.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "io/cf/cf_define.h"
#include "io/cf/stream_writer.h"
#include "io/checksum.h"
#include "train/fit/checkpoint.h"
#include "train/fuse/fuse.h"
#include "train/common/log.h"

namespace rf::pipe {

namespace fs = std::filesystem;

std::string fused_path(const RunConfig& cfg, int year) {
  char name[32];
  std::snprintf(name, sizeof name, "fused/rainfuse_%04d.nc", year);
  return cfg.path(name);
}

namespace {

int year_of(io::DayNumber d) {
  int y, m, dd;
  io::ymd_from_day(d, y, m, dd);
  return y;
}

// out += sep + item (no separator before the first item).
void append(std::string& out, const char* sep, const std::string& item) {
  if (!out.empty()) out += sep;
  out += item;
}

// Removes "<path>.part-*" left by a killed run (a running writer holds its own pid's).
void remove_stale_parts(const std::string& path) {
  const fs::path p(path);
  if (!fs::is_directory(p.parent_path())) return;
  const std::string prefix = p.filename().string() + ".part-";
  for (const auto& e : fs::directory_iterator(p.parent_path()))
    if (e.path().filename().string().rfind(prefix, 0) == 0) {
      log("fuse: removing %s (left by an interrupted run)", e.path().c_str());
      fs::remove(e.path());
    }
}

std::string checksum_line(const io::FileCrc& c) {
  char line[64];
  std::snprintf(line, sizeof line, "crc32 %08x size %llu\n", unsigned(c.crc), (unsigned long long)c.size);
  return line;
}

// Why the existing year file is not the one fuse finished ("" = it is).
std::string year_file_problem(const std::string& path) {
  const std::string side = path + ".crc32";
  if (!fs::exists(side)) return "has no checksum file " + side;
  std::ifstream f(side);
  std::string recorded;
  std::getline(f, recorded);
  const std::string actual = checksum_line(io::file_crc32(path));
  if (recorded + "\n" != actual)
    return "does not match its checksum (" + side + ": '" + recorded + "', the file: '" +
           actual.substr(0, actual.size() - 1) + "')";
  return "";
}

// The per-day `source_set` variable: which model (its source set) made each day.
io::CfDayVariable source_set_variable(const std::vector<SourceSet>& sets) {
  io::CfDayVariable v;
  v.name = "source_set";
  v.long_name = "sources of the model that produced the day (bit mask; 0 = no model available, day missing)";
  for (int k = 0; k < 5; ++k) {
    v.flag_masks.push_back(1 << k);
    append(v.flag_meanings, " ", kSourceNames[k]);
  }
  for (SourceSet s : sets) v.values.push_back(int(s));
  return v;
}

io::CfOptions fused_options(const RunConfig& cfg, const std::map<SourceSet, int>& used, const std::string& history) {
  io::CfOptions o;
  o.title = "rainfuse fused daily precipitation (" + cfg.model + ")";
  std::string src;
  for (const SourceConfig& s : cfg.sources)
    append(src, ", ", s.product.empty() || s.product == s.name ? s.name : s.name + " (" + s.product + ")");
  o.source = "daily totals of " + src + ", regridded (" + cfg.regrid_method + ") to the working grid, fused with " +
             cfg.model + " trained on rain gauges";
  std::string sets;
  for (const auto& [set, days] : used)
    if (set) append(sets, ", ", source_set_name(set));
  o.model = cfg.model + " (source sets: " + (sets.empty() ? "none" : sets) + ")";
  o.history = history;
  o.history_timestamp = false;
  o.pack_int16 = cfg.pack_int16;
  o.clip_int16 = true;  // an extreme fused value is clipped and counted, never a failed year
  o.fast_deflate = cfg.fast_deflate;
  o.write_qinghai_mask = cfg.qinghai_mask;
  o.write_valid_steps = false;
  return o;
}

void fuse_year(const RunConfig& cfg, const Fuser& fuser, int year, io::DayNumber first, io::DayNumber last,
               const std::string& history) {
  const std::string path = fused_path(cfg, year);
  if (fs::exists(path)) {
    const std::string problem = year_file_problem(path);
    if (problem.empty()) {
      log("fuse %d: %s exists (checksum verified), skipped", year, path.c_str());
      return;
    }
    std::string aside = path + ".damaged";  // never over an earlier one
    for (int k = 2; fs::exists(aside); ++k) aside = path + ".damaged-" + std::to_string(k);
    fs::rename(path, aside);
    log("fuse %d: %s %s: moved to %s, the year is fused again", year, path.c_str(), problem.c_str(), aside.c_str());
  }
  fs::create_directories(fs::path(path).parent_path());
  remove_stale_parts(path);
  const Prepared p = prepare(cfg, first - 3, last + 3, progress_fn());

  std::vector<io::DayNumber> days;
  std::vector<SourceSet> sets;
  std::map<SourceSet, int> used;
  for (io::DayNumber d = first; d <= last; ++d) {
    days.push_back(d);
    sets.push_back(fuser.pick(p, p.day_index(d)));
    ++used[sets.back()];
  }
  const io::DayConvention conv = cfg.day == "utc" ? io::DayConvention::UTC : io::DayConvention::CMA;
  io::CfStreamWriter writer(path, p.grid, days, conv, "rainfuse", fused_options(cfg, used, history),
                            {source_set_variable(sets)});

  const auto t0 = std::chrono::steady_clock::now();
  const double px = double(p.ny()) * double(p.nx());
  std::vector<float> field(size_t(p.ny() * p.nx()));
  Progress bar("fuse " + std::to_string(year), int64_t(days.size()), "days");
  for (size_t t = 0; t < days.size(); ++t) {
    const auto td = std::chrono::steady_clock::now();
    const SourceSet s = fuser.day(p, p.day_index(days[t]), field.data());
    if (s != sets[t]) throw std::logic_error("fuse: the model picked changed within a run");
    writer.add_day(field.data());
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - td).count();
    if (s == 0) {
      SourceSet avail = 0;
      for (int k = 0; k < 5; ++k)
        if (set_available(p, SourceSet(1) << k, p.day_index(days[t]))) avail |= SourceSet(1) << k;
      log("fuse %s: no trained source set is available (sources available: %s): day written as missing (NaN)",
          io::format_date(days[t]).c_str(), avail ? source_set_name(avail).c_str() : "none");
    } else
      log("fuse %s: %s, %.2f s (input %.2f s, model %.2f s; %.3g px/s)", io::format_date(days[t]).c_str(),
          source_set_name(s).c_str(), sec, fuser.last_timing().input_s, fuser.last_timing().model_s, px / sec);
    bar.tick();
  }
  bar.done();
  // The checksum of the complete temporary file goes in place first: a kill
  // between the two leaves a checksum without a year file (the year is redone),
  // never a year file without its checksum.
  writer.finish([&](const std::string& tmp) { write_file_atomic(path + ".crc32", checksum_line(io::file_crc32(tmp))); });
  if (cfg.pack_int16)
    log("fuse %d: %lld value(s) outside the int16 packing range [%.2f, %.2f] mm/day clipped to it (attribute "
        "precipitation:%s)",
        year, (long long)writer.clipped_values(), io::kCfPackMin, io::kCfPackMax, io::kCfClippedAttribute);
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string per_set;
  for (const auto& [set, n] : used)
    append(per_set, ", ", (set ? source_set_name(set) : std::string("none (missing)")) + " " + std::to_string(n));
  log("fuse %d: %zu days on %lldx%lld px in %.1f s (%.2f s/day, %.3g px/s); days per set: %s; %s (%.2f MB)", year,
      days.size(), (long long)p.nx(), (long long)p.ny(), sec, sec / double(days.size()),
      px * double(days.size()) / sec, per_set.c_str(), path.c_str(), double(fs::file_size(path)) / 1e6);
}

}  // namespace

void run_fuse(const RunConfig& cfg) { run_fuse(cfg, "rainfuse fuse"); }

void run_fuse(const RunConfig& cfg, const std::string& history) {
  const io::DayNumber first = cfg.fuse_first(), last = cfg.fuse_last();
  if (last < first)
    throw std::runtime_error("fuse: the period ends (" + io::format_date(last) + ") before it starts (" +
                             io::format_date(first) + ")");
  const std::vector<TrainedModel> models = find_trained_models(cfg);
  std::string names;
  for (const TrainedModel& m : models) append(names, ", ", source_set_name(m.set));
  log("fuse: %s .. %s with %zu model(s): %s; tiles %d px, halo %d px", io::format_date(first).c_str(),
      io::format_date(last).c_str(), models.size(), names.c_str(), cfg.tile, cfg.halo);
  const Fuser fuser(cfg, models);
  for (int y = year_of(first); y <= year_of(last); ++y)
    fuse_year(cfg, fuser, y, std::max(first, io::day_from_ymd(y, 1, 1)), std::min(last, io::day_from_ymd(y, 12, 31)),
              history);
}

}  // namespace rf::pipe

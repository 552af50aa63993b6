// `rainfuse evaluate`, pipeline form. Every method is scored on held-out
// stations under the SAME leave-stations-out folds (<out>/train/folds.csv):
//   fused           per day, the out-of-fold predictions of the largest trained
//                   source set available that day (what `fuse` writes), from
//                   train/oof_<set>.csv
//   fused[<set>]    each other trained set, on the days its sources are available
//   era5 ... cmorph each configured raw source at the station's working-grid pixel
//   baselines       fitted on the stations outside fold k, predicting fold k
// Pairs are common to all methods (a station-day counts when the gauge and every
// method are valid). On the twin (evaluate.truth) every method is also scored on
// the whole working grid against the truth averaged onto it.
#include "train/pipeline/evaluate_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "train/baselines/baseline.h"
#include "train/data/model_input.h"
#include "train/evaluate/evaluate.h"
#include "train/fit/folds.h"
#include "train/fit/trainer.h"
#include "train/fuse/fuse.h"
#include "train/pipeline/eval_grid.h"
#include "train/pipeline/eval_report.h"
#include "train/common/log.h"
#include "train/plots/plots.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Pixel-days of whole-grid predictions per method the twin's grid scores may
// cost (every `stride`-th day of the fuse period beyond it): keeps evaluate
// within a minute or two on 2 cores at 0.05 degrees with xgboost.
constexpr double kGridPixelDayBudget = 3e6;

struct OofSet {
  SourceSet set = 0;
  eval::PointValues values;
};

int popcount(SourceSet s) { return __builtin_popcount(s); }

// train/oof_<set>.csv of every trained set, largest sets first.
std::vector<OofSet> read_oof_sets(const RunConfig& cfg) {
  const std::string dir = cfg.path("train");
  std::vector<std::pair<SourceSet, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.size() <= 8 || f.rfind("oof_", 0) != 0 || f.substr(f.size() - 4) != ".csv") continue;
    std::vector<std::string> names;
    std::stringstream ss(f.substr(4, f.size() - 8));
    for (std::string n; std::getline(ss, n, '+');) names.push_back(n);
    found.emplace_back(parse_source_set(names), e.path().string());
  }
  if (found.empty()) throw std::runtime_error(dir + ": no oof_<set>.csv (run `rainfuse train` first)");
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return popcount(a.first) != popcount(b.first) ? popcount(a.first) > popcount(b.first) : a.first < b.first;
  });
  std::vector<OofSet> out;
  for (const auto& [set, path] : found) out.push_back({set, eval::read_point_csv(path)});
  return out;
}

SourceSet available_sources(const Prepared& p, size_t t) {
  SourceSet a = 0;
  for (int i = 0; i < 5; ++i)
    if (p.sources[i].configured && p.sources[i].available[t]) a |= SourceSet(1) << i;
  return a;
}

double value_of(const eval::PointValues& v, const std::string& id, io::DayNumber d) {
  auto it = v.find({id, d});
  return it == v.end() ? NAN : it->second;
}

// fused (per-day pick, as fuse does) and fused[<set>] for every smaller trained set.
std::vector<eval::MethodSeries> fused_methods(const Prepared& p, const std::vector<OofSet>& oofs) {
  std::vector<TrainedModel> models;
  for (const auto& o : oofs) models.push_back({o.set, "", ""});
  std::vector<eval::MethodSeries> out(1);
  out[0].name = "fused";
  for (size_t k = 1; k < oofs.size(); ++k) out.push_back({"fused[" + source_set_name(oofs[k].set) + "]", {}});
  for (size_t t = 0; t < p.days.size(); ++t) {
    const io::DayNumber d = p.days[t];
    const TrainedModel* m = pick_model(models, available_sources(p, t));
    for (const auto& st : p.stations) {
      if (m) {
        const size_t k = size_t(m - models.data());
        out[0].values[{st.id, d}] = value_of(oofs[k].values, st.id, d);
      }
      for (size_t k = 1; k < oofs.size(); ++k)
        if (set_available(p, oofs[k].set, int(t))) out[k].values[{st.id, d}] = value_of(oofs[k].values, st.id, d);
    }
  }
  return out;
}

// Each configured raw source at the stations' working-grid pixels.
std::vector<eval::MethodSeries> source_methods(const Prepared& p) {
  std::vector<eval::MethodSeries> out;
  for (const auto& src : p.sources) {
    if (!src.configured) continue;
    eval::MethodSeries m{src.name, {}};
    for (size_t t = 0; t < p.days.size(); ++t)
      for (const auto& st : p.stations) {
        float v;
        src.row(t, st.row, st.col, 1, &v);
        m.values[{st.id, p.days[t]}] = v;
      }
    out.push_back(std::move(m));
  }
  return out;
}

// A baseline out of fold: for each fold k, fitted on the other folds' stations,
// predicting fold k's stations on every day.
eval::MethodSeries baseline_method(const std::string& name, const RunConfig& cfg, const Prepared& p,
                                   const std::vector<int>& fold) {
  const int k_folds = fold.empty() ? 0 : *std::max_element(fold.begin(), fold.end()) + 1;
  eval::MethodSeries m{name, {}};
  for (int k = 0; k < k_folds; ++k) {
    std::vector<uint8_t> use(p.stations.size(), 0);
    std::vector<size_t> test;
    std::vector<int64_t> pixels;
    for (size_t s = 0; s < p.stations.size(); ++s) {
      if (fold[s] < 0) continue;
      use[s] = fold[s] != k;
      if (fold[s] == k) test.push_back(s), pixels.push_back(p.stations[s].row * p.nx() + p.stations[s].col);
    }
    if (test.empty()) continue;
    auto b = make_baseline(name, cfg);
    b->fit(p, use);
    std::vector<float> pred(pixels.size());
    for (size_t t = 0; t < p.days.size(); ++t) {
      b->predict(p, int(t), pixels, pred.data());
      for (size_t i = 0; i < test.size(); ++i) m.values[{p.stations[test[i]].id, p.days[t]}] = pred[i];
    }
  }
  return m;
}

// Adds finite values of `f` to `total` and counts them (totals of a period).
void accumulate(const float* f, size_t n, std::vector<double>& total, std::vector<int32_t>& count) {
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(f[i])) total[i] += f[i], ++count[i];
}
std::vector<float> totals(const std::vector<double>& total, const std::vector<int32_t>& count) {
  std::vector<float> out(total.size());
  for (size_t i = 0; i < total.size(); ++i) out[i] = count[i] ? float(total[i]) : NAN;
  return out;
}

bool same_grid(const io::Grid& a, const io::Grid& b) {
  if (a.nx() != b.nx() || a.ny() != b.ny()) return false;
  for (size_t i = 0; i < a.nx(); ++i)
    if (std::fabs(a.lon[i] - b.lon[i]) > 1e-6) return false;
  for (size_t j = 0; j < a.ny(); ++j)
    if (std::fabs(a.lat[j] - b.lat[j]) > 1e-6) return false;
  return true;
}

// The whole-grid part: maps of the fused field (the wettest day by the gauges'
// mean, and the total of the year with most fused days) beside every source and
// the truth, and on the twin the grid scores of every method (returned, with a
// line saying which days).
std::vector<eval::ScoreRow> grid_stage(const RunConfig& cfg, const Prepared& p, bool plots, std::string& days_note) {
  const auto t0 = Clock::now();
  const size_t n = p.grid.size();

  // Fused files of the fuse period (optional: without them, no fused maps/row).
  std::vector<std::string> fused_files;
  {
    int y0, y1, m, d;
    io::ymd_from_day(cfg.fuse_first(), y0, m, d);
    io::ymd_from_day(cfg.fuse_last(), y1, m, d);
    for (int y = y0; y <= y1; ++y)
      if (fs::exists(fused_path(cfg, y))) fused_files.push_back(fused_path(cfg, y));
  }
  std::unique_ptr<CfDaySeries> fused;
  if (!fused_files.empty()) {
    fused = std::make_unique<CfDaySeries>(fused_files);
    if (!same_grid(fused->grid(), p.grid))
      throw std::runtime_error(fused_files[0] + ": grid differs from the run's working grid (" +
                               std::to_string(p.grid.nx()) + " x " + std::to_string(p.grid.ny()) + ")");
  } else {
    log("evaluate: no fused file under %s (run `rainfuse fuse`): no fused maps or grid row", cfg.path("fused").c_str());
  }
  std::unique_ptr<CfDaySeries> truth;
  std::unique_ptr<BlockMean> to_work;
  if (!cfg.truth.empty()) {
    truth = std::make_unique<CfDaySeries>(glob_files(cfg.truth));
    to_work = std::make_unique<BlockMean>(truth->grid(), p.grid);
  }

  // Days: fuse period, prepared, fused (when there is a fused product).
  std::vector<io::DayNumber> days;
  for (io::DayNumber d = cfg.fuse_first(); d <= cfg.fuse_last(); ++d)
    if (p.day_index(d) >= 0 && (!fused || fused->has(d))) days.push_back(d);
  if (days.empty()) {
    log("evaluate: no day of the fuse period is prepared%s: no maps or grid scores", fused ? " and fused" : "");
    return {};
  }
  std::map<int, int> per_year;
  for (auto d : days) {
    int y, m, dd;
    io::ymd_from_day(d, y, m, dd);
    ++per_year[y];
  }
  int map_year = per_year.begin()->first;
  for (const auto& [y, c] : per_year)
    if (c > per_year[map_year]) map_year = y;

  // Grid scores: every stride-th day with truth; baselines fitted on all stations.
  std::vector<io::DayNumber> score_days;
  int stride = 1;
  std::vector<std::unique_ptr<Baseline>> baselines;
  if (truth) {
    std::vector<io::DayNumber> with_truth;
    for (auto d : days)
      if (truth->has(d)) with_truth.push_back(d);
    stride = std::max(1, int(std::ceil(double(n) * double(with_truth.size()) / kGridPixelDayBudget)));
    for (size_t i = 0; i < with_truth.size(); i += size_t(stride)) score_days.push_back(with_truth[i]);
    const std::vector<uint8_t> all(p.stations.size(), 1);
    for (const auto& name : cfg.baselines) {
      baselines.push_back(make_baseline(name, cfg));
      baselines.back()->fit(p, all);
    }
  }
  std::vector<std::string> grid_methods;
  if (fused) grid_methods.push_back("fused");
  for (const auto& s : p.sources)
    if (s.configured) grid_methods.push_back(s.name);
  for (const auto& b : baselines) grid_methods.push_back(b->name());
  std::vector<eval::ScoreAccumulator> acc(grid_methods.size(), eval::ScoreAccumulator(cfg.thresholds));
  std::vector<double> method_s(grid_methods.size(), 0.0);  // whole-grid prediction time per method

  // Period totals (map year) of fused, truth (working grid) and sources (native grids).
  std::vector<double> fused_sum(n, 0.0), truth_sum(n, 0.0);
  std::vector<int32_t> fused_cnt(n, 0), truth_cnt(n, 0);
  std::vector<std::vector<double>> src_sum(5);
  std::vector<std::vector<int32_t>> src_cnt(5);
  for (int i = 0; i < 5; ++i)
    if (p.sources[i].configured)
      src_sum[i].assign(p.sources[i].cube.grid.size(), 0.0), src_cnt[i].assign(p.sources[i].cube.grid.size(), 0);
  io::DayNumber wettest = days[0], map_first = 0, map_last = 0;
  double wettest_mean = -1;

  std::vector<float> F(n, NAN), T(n), truth_fine(truth ? truth->grid().size() : 0);
  std::vector<std::vector<float>> M(grid_methods.size(), std::vector<float>(n));
  std::vector<int64_t> all_pixels(n);
  for (size_t i = 0; i < n; ++i) all_pixels[i] = int64_t(i);
  size_t next_score = 0;
  Progress bar("evaluate grid", int64_t(days.size()), "days");
  for (auto d : days) {
    const int t = p.day_index(d);
    int y, mo, dd;
    io::ymd_from_day(d, y, mo, dd);
    const bool in_map_year = y == map_year;
    const bool scoring = next_score < score_days.size() && score_days[next_score] == d;
    {  // the wettest day by the gauges' mean (independent of any product)
      double s = 0;
      long c = 0;
      for (size_t st = 0; st < p.stations.size(); ++st)
        if (std::isfinite(p.gauge(st, size_t(t)))) s += p.gauge(st, size_t(t)), ++c;
      if (c && s / double(c) > wettest_mean) wettest_mean = s / double(c), wettest = d;
    }
    if (fused) {
      fused->read(d, F.data());
      if (in_map_year) accumulate(F.data(), n, fused_sum, fused_cnt);
    }
    if (in_map_year) {
      map_first = map_first ? map_first : d;
      map_last = d;
      for (int i = 0; i < 5; ++i)
        if (p.sources[i].configured)
          accumulate(p.sources[i].cube.day_ptr(size_t(t)), src_sum[i].size(), src_sum[i], src_cnt[i]);
    }
    const bool need_truth = truth && truth->has(d) && (in_map_year || scoring);
    if (need_truth) {
      truth->read(d, truth_fine.data());
      to_work->apply(truth_fine.data(), T.data());
      if (in_map_year) accumulate(T.data(), n, truth_sum, truth_cnt);
    }
    if (scoring) {
      ++next_score;
      size_t m = 0;
      auto tm = Clock::now();
      if (fused) method_s[m] += seconds_since(tm), M[m++] = F;
      for (const auto& s : p.sources)
        if (s.configured) {
          tm = Clock::now();
          for (int64_t r = 0; r < p.ny(); ++r) s.row(size_t(t), r, 0, p.nx(), M[m].data() + r * p.nx());
          method_s[m++] += seconds_since(tm);
        }
      for (const auto& b : baselines) {
        tm = Clock::now();
        b->predict(p, t, all_pixels, M[m].data());
        method_s[m++] += seconds_since(tm);
      }
      for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(T[i])) continue;
        bool ok = true;
        for (const auto& v : M) ok = ok && std::isfinite(v[i]);
        if (!ok) continue;
        for (size_t k = 0; k < M.size(); ++k) acc[k].add(M[k][i], T[i]);
      }
    }
    bar.tick();
  }
  bar.done();

  const std::string dir = cfg.path("eval");
  std::vector<eval::ScoreRow> rows;
  if (truth && !score_days.empty()) {
    for (size_t k = 0; k < grid_methods.size(); ++k) rows.push_back({grid_methods[k], "grid", acc[k].scores()});
    eval::write_metrics_csv(dir + "/metrics_truth_grid.csv", rows, cfg.thresholds);
    const char* nth = stride == 2 ? "nd" : stride == 3 ? "rd" : "th";
    std::ostringstream note;
    note << "whole working grid (" << p.grid.nx() << " x " << p.grid.ny() << ") against the truth averaged onto it, "
         << "every method on the same pixel-days: " << score_days.size() << " days, every "
         << (stride == 1 ? std::string() : std::to_string(stride) + nth + " ")
         << "day from " << io::format_date(score_days.front()) << " to " << io::format_date(score_days.back())
         << "; baselines fitted on all stations";
    days_note = note.str();
    std::string times;
    for (size_t k = 0; k < grid_methods.size(); ++k) {
      char b[64];
      std::snprintf(b, sizeof b, "%s%s %.1f s", k ? ", " : "", grid_methods[k].c_str(), method_s[k]);
      times += b;
    }
    log("evaluate grid: %zu days x %zu pixels; per method: %s", score_days.size(), n, times.c_str());
    // The Markdown twin of the table says which days were scored.
    const std::string md = dir + "/metrics_truth_grid.md";
    eval::write_metrics_markdown(md, rows, cfg.thresholds);
    std::ifstream in(md);
    std::ostringstream text;
    text << days_note << ".\n\n" << in.rdbuf();
    in.close();
    std::ofstream(md) << text.str();
  }

  if (!fused || !plots_enabled(plots)) {
    log("evaluate: grid stage %.1f s", seconds_since(t0));
    return rows;
  }
  std::vector<plots::MapPoint> points;
  for (const auto& st : p.stations) points.push_back({st.lon, st.lat, ""});
  // Wettest day (largest fused domain mean).
  {
    std::vector<plots::MapPanel> panels;
    fused->read(wettest, F.data());
    panels.push_back({"fused", p.grid, F});
    const int t = p.day_index(wettest);
    if (truth && truth->has(wettest)) {
      truth->read(wettest, truth_fine.data());
      to_work->apply(truth_fine.data(), T.data());
      panels.push_back({"truth", p.grid, T});
    }
    for (const auto& s : p.sources)
      if (s.configured) {
        const float* f = s.cube.day_ptr(size_t(t));
        panels.push_back({s.name, s.cube.grid, std::vector<float>(f, f + s.cube.grid.size())});
      }
    char title[160];
    std::snprintf(title, sizeof title, "wettest day %s (gauge mean %.1f mm)", io::format_date(wettest).c_str(),
                  wettest_mean);
    plots::plot_maps(dir + "/map_wettest_day.png", title, "mm/day", panels, points);
  }
  // Totals of the map year.
  {
    std::vector<plots::MapPanel> panels;
    panels.push_back({"fused", p.grid, totals(fused_sum, fused_cnt)});
    if (truth) panels.push_back({"truth", p.grid, totals(truth_sum, truth_cnt)});
    for (int i = 0; i < 5; ++i)
      if (p.sources[i].configured) panels.push_back({p.sources[i].name, p.sources[i].cube.grid, totals(src_sum[i], src_cnt[i])});
    const std::string png = dir + "/map_total_" + std::to_string(map_year) + ".png";
    const std::string title = "total " + io::format_date(map_first) + " .. " + io::format_date(map_last);
    plots::plot_maps(png, title, "mm", panels, points);
  }
  log("evaluate: maps and grid stage %.1f s", seconds_since(t0));
  return rows;
}

}  // namespace

void run_evaluate(const RunConfig& cfg) { evaluate_prepared(cfg, prepare(cfg, progress_fn())); }

void evaluate_prepared(const RunConfig& cfg, const Prepared& p) {
  const auto t0 = Clock::now();
  if (p.stations.empty()) throw std::runtime_error(cfg.path("cache") + ": the prepared data hold no station");
  const auto fold = read_folds_csv(cfg.path("train/folds.csv"), p.stations);

  eval::PointValues gauges;
  for (size_t s = 0; s < p.stations.size(); ++s)
    for (size_t t = 0; t < p.days.size(); ++t)
      if (std::isfinite(p.gauge(s, t))) gauges[{p.stations[s].id, p.days[t]}] = p.gauge(s, t);

  auto methods = fused_methods(p, read_oof_sets(cfg));
  for (auto& m : source_methods(p)) methods.push_back(std::move(m));
  for (const auto& name : cfg.baselines) {
    const auto tb = Clock::now();
    methods.push_back(baseline_method(name, cfg, p, fold));
    log("evaluate: baseline %s out of fold in %.1f s", name.c_str(), seconds_since(tb));
  }

  eval::EvalOptions eo;
  eo.thresholds = cfg.thresholds;
  eo.common_pairs = true;
  const std::string dir = cfg.path("eval");
  const auto rows = write_eval_report(dir, gauges, methods, eo, cfg.plots);
  std::string days_note;
  const auto grid_rows = grid_stage(cfg, p, cfg.plots, days_note);

  std::printf("\nheld-out gauges, common station-days (%s):\n", (dir + "/metrics.csv").c_str());
  print_pooled_table(stdout, rows, cfg.thresholds);
  if (!grid_rows.empty()) {
    std::printf("\n%s (%s):\n", days_note.c_str(), (dir + "/metrics_truth_grid.csv").c_str());
    print_pooled_table(stdout, grid_rows, cfg.thresholds);
  }
  log("evaluate: %s/metrics.csv, metrics.md%s in %.1f s", dir.c_str(),
      cfg.truth.empty() ? "" : ", metrics_truth_grid.csv", seconds_since(t0));
}

}  // namespace rf::pipe

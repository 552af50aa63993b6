// `rainfuse demo` (demo.h): synth -> prepare -> train -> fuse -> evaluate on
// the twin, then a summary of where everything is.
//
// Time of the full demo on 2 CPU cores (docs/performance.md, "Fusion skill";
// AVX2-only AMD EPYC, 2026-12-03):
//   synth 2019-2020, CMORPH as netCDF                   3.3 min
//   prepare (five products' daily totals, 2 years)      1.7 min
//   train: qh-fuse and its prior MLPs, 5 folds + final, 6 epochs x 50 steps
//          of 16 patches of 16x16, calibration, out-of-fold on 2020  9.2 min
//   fuse 2020 at 0.05 deg (278x170 px in one pass)      4.5 min (one window day assembled a day)
//   evaluate (baselines out of fold, truth grid, plots) 2.4 min
// A re-run reuses the twin and the prepare cache; a GPU makes train and fuse cheap.
// --quick (CI): two weeks of July 2020 at 0.1 deg, 3 folds of one epoch of 2
// steps: about a minute on a quiet machine.
#include "train/pipeline/demo.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "io/synth/synth.h"
#include "train/fit/trainer.h"
#include "train/fuse/fuse.h"
#include "train/pipeline/evaluate_run.h"
#include "train/common/log.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

namespace fs = std::filesystem;

namespace {

struct TwinPeriod {
  io::DayNumber start, end;
};

TwinPeriod twin_period(bool quick) {
  if (quick) return {io::parse_date("2020-07-01"), io::parse_date("2020-07-14")};
  return {io::parse_date("2019-01-01"), io::parse_date("2020-12-31")};
}

io::synth::SynthOptions synth_options(const DemoOptions& opt) {
  io::synth::SynthOptions s;
  s.out_dir = opt.out_dir + "/twin";
  const TwinPeriod tp = twin_period(opt.quick);
  s.start = tp.start;
  s.end = tp.end;
  s.seed = opt.twin_seed;
  s.cmorph_format = "nc";  // ~6x cheaper to write than CPC bz2, read by the same reader
  s.progress = !opt.quiet;
  return s;
}

// True when <twin>/synth_info.txt (written last by run_synth) describes the
// twin these options would write.
bool twin_matches(const io::synth::SynthOptions& s) {
  std::ifstream in(s.out_dir + "/synth_info.txt");
  if (!in) return false;
  std::string seed, start, end, products, cmorph, gauges;
  for (std::string line; std::getline(in, line);) {
    const std::string key = line.substr(0, line.find(' ')), val = line.substr(std::min(line.size(), key.size() + 1));
    if (key == "seed") seed = val;
    if (key == "start") start = val;
    if (key == "end") end = val;
    if (key == "products") products = " " + val + " ";
    if (key == "cmorph_format") cmorph = val;
    if (key == "gauges") gauges = val;
  }
  bool all_products = true;
  for (const char* n : kSourceNames) all_products &= products.find(std::string(" ") + n + " ") != std::string::npos;
  return seed == std::to_string(s.seed) && start == io::format_date(s.start) && end == io::format_date(s.end) &&
         cmorph == s.cmorph_format && gauges == "yes" && all_products;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  return out;
}

// The pooled rows of metrics.csv as an aligned table on stdout.
void print_pooled_rows(const std::string& csv) {
  std::ifstream in(csv);
  std::string line;
  if (!std::getline(in, line)) {
    std::printf("  (%s is empty)\n", csv.c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{split_csv_line(line)};
  while (std::getline(in, line)) {
    auto f = split_csv_line(line);
    if (f.size() > 1 && f[1] == "pooled") rows.push_back(std::move(f));
  }
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::printf(" ");
    for (size_t i = 0; i < r.size(); ++i) std::printf(" %*s", int(width[i]), r[i].c_str());
    std::printf("\n");
  }
}

}  // namespace

RunConfig demo_config(const DemoOptions& opt) {
  // Paths relative to <out_dir>, where demo.toml is written.
  RunConfig c;
  c.out_dir = std::string(".");  // (a std::string: GCC 12 -Wrestrict false positive on = ".")
  c.region = io::kQinghai;
  c.resolution = opt.quick ? 0.1 : 0.05;  // 0.01 is the production (GPU) grid
  c.regrid_method = "nearest";
  const TwinPeriod tp = twin_period(opt.quick);
  c.start = tp.start;
  c.end = tp.end;
  c.fuse_start = opt.quick ? tp.start : io::parse_date("2020-01-01");
  c.fuse_end = tp.end;
  c.day = "cma";
  const char* globs[5] = {"twin/era5/era5_tp_*.nc", "twin/imerg/*/*/3B-HHR.MS.MRG.3IMERG.*.HDF5",
                          "twin/gldas/*/*/GLDAS_NOAH025_3H.A*.nc4", "twin/gsmap/*/*/*/gsmap_gauge.*.dat.gz",
                          "twin/cmorph/*/*/*/CMORPH_V1.0_ADJ_8km-30min_*.nc"};
  for (int i = 0; i < 5; ++i) {
    SourceConfig s;
    s.name = kSourceNames[i];
    s.paths = {globs[i]};
    c.sources.push_back(s);
  }
  c.gauge_files = {"twin/gauges/daily_*.csv"};
  c.gauge_format = "daily";
  c.stations = "twin/gauges/stations.csv";
  c.dem = "twin/dem.nc";
  c.dem_var = "elevation";
  // The production settings (docs/model.md): qh-fuse, gauge-centred patches
  // with the loss at their station, fold models on every non-test fold,
  // calibrated output.
  c.model = "qh-fuse";
  c.sampling = "centred";
  c.loss_pixels = "anchor";  // ConvLSTMs on the station's 9x9 box: ~2x the samples per second
  c.validation = "none";
  c.calibrate = true;
  c.prior = "mlp";
  c.seed = opt.seed;
  if (opt.quick) {
    c.folds = 3;  // the fewest leave-stations-out folds the trainer accepts
    c.epochs = 1;
    c.patience = 1;
    c.steps_per_epoch = 2;
    c.batch = 4;
    c.patch = 16;
  } else {
    c.folds = 5;
    c.epochs = 6;
    c.patience = 2;
    c.steps_per_epoch = 50;
    c.batch = 16;
    c.patch = 16;
  }
  c.lr = 2e-3;
  c.lr_schedule = "cosine";  // held-out RMSE 1.47 -> 1.35 against constant at this budget (docs/pipeline.md)
  c.tile = opt.quick ? 256 : 512;  // the 278x170 demo grid in one pass (no halo overlap)
  c.halo = 16;
  c.truth = "twin/truth/truth_*.nc";
  c.plots = true;
  return c;
}

int run_demo(const DemoOptions& opt) {
  using clock = std::chrono::steady_clock;
  fs::create_directories(opt.out_dir);
  std::vector<std::pair<std::string, double>> timings;
  auto stage = [&](const char* name, auto&& fn) {
    const auto t0 = clock::now();
    log("demo: %s ...", name);
    fn();
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    log("demo: %s done in %.1f s", name, s);
    timings.emplace_back(name, s);
  };

  // 1. The twin (kept when it already matches).
  const io::synth::SynthOptions so = synth_options(opt);
  stage("synth", [&] {
    if (twin_matches(so)) {
      log("demo: twin %s already there (synth_info.txt matches)", so.out_dir.c_str());
      return;
    }
    fs::remove_all(so.out_dir);  // a partial or different twin: its files would match the globs
    const auto s = io::synth::run_synth(so);
    log("demo: synth %d days, %ld files, %.1f s", s.days, s.files, s.seconds);
  });

  // 2. demo.toml; a run of another mode in the same folder is cleared first.
  const std::string toml_path = opt.out_dir + "/demo.toml";
  const std::string text =
      std::string("# rainfuse demo") + (opt.quick ? " --quick" : "") +
      ": the synthetic Qinghai twin under twin/ (written by `rainfuse demo`).\n"
      "# Re-run any stage with e.g.: rainfuse fuse --config demo.toml\n\n" +
      run_config_toml(demo_config(opt));
  if (fs::exists(toml_path) && read_file(toml_path) != text) {
    log("demo: %s describes another run: clearing its outputs", toml_path.c_str());
    // The prepare cache stays: prepare checks its own fingerprint (another
    // training seed, say, reuses it).
    for (const char* d : {"train", "models", "fused", "eval"}) fs::remove_all(opt.out_dir + "/" + d);
  }
  {
    std::ofstream out(toml_path + ".part");
    out << text;
    if (!out.flush()) throw std::runtime_error(toml_path + ": cannot write");
  }
  fs::rename(toml_path + ".part", toml_path);
  const RunConfig cfg = load_run_config(toml_path);

  // 3. The pipeline.
  std::optional<Prepared> p;
  stage("prepare", [&] {
    p.emplace(prepare(cfg, progress_fn()));
    log("demo: %zu stations, %zu days, working grid %lld x %lld", p->stations.size(), p->days.size(),
        (long long)p->nx(), (long long)p->ny());
  });
  const bool resume = fs::exists(cfg.path("train"));
  stage(resume ? "train (resumed)" : "train", [&] { run_training(cfg, *p, resume); });
  p.reset();  // fuse and evaluate load what they need from the cache
  stage("fuse", [&] { run_fuse(cfg); });
  stage("evaluate", [&] { run_evaluate(cfg); });

  // 4. Summary.
  double total = 0;
  std::printf("\nrainfuse demo%s finished: %s\n\nstage timings:\n", opt.quick ? " --quick" : "", opt.out_dir.c_str());
  for (const auto& [name, s] : timings) {
    std::printf("  %-16s %8.1f s\n", name.c_str(), s);
    total += s;
  }
  std::printf("  %-16s %8.1f s\n\n", "total", total);
  std::printf("run configuration: %s\n", toml_path.c_str());
  std::printf("fused netCDF:\n");
  int y0, y1, m, d;
  io::ymd_from_day(cfg.fuse_first(), y0, m, d);
  io::ymd_from_day(cfg.fuse_last(), y1, m, d);
  for (int y = y0; y <= y1; ++y) std::printf("  %s\n", fused_path(cfg, y).c_str());
  const std::string csv = cfg.path("eval/metrics.csv"), md = cfg.path("eval/metrics.md");
  std::printf("scores at held-out gauges: %s\n                           %s\n", csv.c_str(), md.c_str());
  if (fs::exists(cfg.path("eval/metrics_truth_grid.csv")))
    std::printf("scores over the whole grid vs truth: %s\n", cfg.path("eval/metrics_truth_grid.csv").c_str());
  std::vector<std::string> pngs;
  if (fs::is_directory(cfg.path("eval")))
    for (const auto& e : fs::directory_iterator(cfg.path("eval")))
      if (e.path().extension() == ".png") pngs.push_back(e.path().string());
  std::sort(pngs.begin(), pngs.end());
  std::printf("pictures (%zu):\n", pngs.size());
  for (const auto& p : pngs) std::printf("  %s\n", p.c_str());
  std::printf("\npooled scores at held-out gauges (metrics.csv):\n");
  print_pooled_rows(csv);
  return 0;
}

}  // namespace rf::pipe

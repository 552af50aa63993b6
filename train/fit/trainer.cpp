// run_training: CV folds, OOF predictions and final models per source set (trainer.h).
#include "train/fit/trainer.h"

#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "train/config/run_device.h"
#include "train/fit/checkpoint.h"
#include "train/fit/fit_model.h"
#include "train/fit/folds.h"
#include "train/fit/oof.h"
#include "train/fit/rng.h"
#include "train/common/log.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kFinalJob = 0xF17A1;  // seed stream of the final model

std::vector<SourceSet> training_sets(const RunConfig& cfg, const Prepared& p) {
  std::vector<SourceSet> sets;
  for (const auto& names : cfg.source_sets) sets.push_back(parse_source_set(names));
  if (sets.empty()) {
    SourceSet all = 0;
    for (int i = 0; i < 5; ++i)
      if (p.sources[i].configured) all |= 1u << i;
    sets.push_back(all);
  }
  for (SourceSet s : sets)
    if (s == 0) throw std::runtime_error("train: an empty source set");
  return sets;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

// Folds: reused from folds.csv on --resume (the held-out stations must not
// change under a resumed run), else made from the seed and written.
std::vector<int> station_folds(const RunConfig& cfg, const Prepared& p, bool resume) {
  const std::string path = cfg.path("train/folds.csv");
  if (resume && fs::exists(path)) {
    std::vector<int> fold = read_folds_csv(path, p.stations);
    for (int f : fold)
      if (f < 0 || f >= cfg.folds)
        throw std::runtime_error(path + ": fold " + std::to_string(f) + " outside 0.." + std::to_string(cfg.folds - 1) +
                                 " (the run was started with other --folds)");
    return fold;
  }
  const std::vector<int> fold = make_station_folds(p.stations, cfg.folds, cfg.fold_mode, cfg.seed);
  write_folds_csv(path + ".tmp", p.stations, fold);
  commit_file(path + ".tmp", path);
  return fold;
}

int median_epoch(std::vector<int> e) {
  std::sort(e.begin(), e.end());
  const size_t n = e.size();
  const int m = n % 2 ? e[n / 2] : (e[n / 2 - 1] + e[n / 2]) / 2;
  return std::max(1, m);
}

struct FoldSummary {
  int fold = 0, best_epoch = 0, epochs = 0, test_stations = 0;
  double val_loss = 0;
  size_t oof_rows = 0;
};

void train_set(const RunConfig& cfg, const Prepared& p, SourceSet set, const std::vector<int>& fold, bool resume) {
  const std::string name = source_set_name(set);
  const std::string set_dir = cfg.path("train/" + name);
  const size_t ns = p.stations.size();
  std::vector<FoldSummary> summary;
  std::vector<OofRow> oof;
  std::vector<int> best_epochs;
  for (int k = 0; k < cfg.folds; ++k) {
    FitJob job;
    job.dir = set_dir + "/fold" + std::to_string(k);
    job.label = name + " fold " + std::to_string(k);
    job.set = set;
    job.max_epochs = cfg.epochs;
    job.seed = derive_seed(cfg.seed, set, uint64_t(k) + 1);
    job.train_use.assign(ns, 0);
    job.val_use.assign(ns, 0);
    std::vector<int> test;
    const bool validate = cfg.validation == "fold";
    const int vf = validate ? validation_fold(k, cfg.folds) : -1;
    for (size_t s = 0; s < ns; ++s) {
      if (fold[s] == k) test.push_back(int(s));
      else if (fold[s] == vf) job.val_use[s] = 1;
      else job.train_use[s] = 1;
    }
    if (!validate) job.val_use.clear();  // every non-test fold trains, for `epochs` epochs
    const std::string oof_path = job.dir + "/oof.csv";
    TrainState st;
    if (resume && fs::exists(oof_path) && fs::exists(checkpoint_path(job.dir)) &&
        fit_finished(st = read_checkpoint_state(checkpoint_path(job.dir)), job, cfg.patience)) {
      log("%s: finished, skipped (best epoch %d)", job.label.c_str(), st.best_epoch);
      const std::vector<OofRow> rows = read_oof_csv(oof_path, p);
      oof.insert(oof.end(), rows.begin(), rows.end());
      summary.push_back({k, st.best_epoch, st.epochs_done, int(test.size()), st.best_val, rows.size()});
    } else {
      st = fit_model(cfg, p, job, resume);
      nn::QhRef model(nn::QhRefConfig::by_name(cfg.model), resolve_device(cfg.device));
      model.load(job.dir + "/best.safetensors");
      const NormStats norm = NormStats::load(job.dir + "/norm.txt");
      const std::vector<OofRow> rows = predict_stations(cfg, p, model, norm, set, test, job.label + " OOF");
      write_file_atomic(oof_path, oof_csv(p, rows));
      oof.insert(oof.end(), rows.begin(), rows.end());
      summary.push_back({k, st.best_epoch, st.epochs_done, int(test.size()), st.best_val, rows.size()});
    }
    best_epochs.push_back(st.best_epoch);
  }
  write_file_atomic(cfg.path("train/oof_" + name + ".csv"), oof_csv(p, oof));

  // Final model: every station, the median best epoch count, no validation.
  FitJob job;
  job.dir = set_dir + "/final";
  job.label = name + " final";
  job.set = set;
  job.max_epochs = median_epoch(best_epochs);
  job.seed = derive_seed(cfg.seed, set, kFinalJob);
  job.train_use.assign(ns, 1);
  const std::string weights = cfg.path("models/" + name + ".safetensors"), norm = cfg.path("models/" + name + ".norm.txt");
  TrainState st;
  if (resume && fs::exists(weights) && fs::exists(norm) && fs::exists(checkpoint_path(job.dir)) &&
      fit_finished(st = read_checkpoint_state(checkpoint_path(job.dir)), job, cfg.patience)) {
    log("%s: finished, skipped", job.label.c_str());
  } else {
    st = fit_model(cfg, p, job, resume);
    fs::create_directories(cfg.path("models"));
    write_file_atomic(norm, read_text(job.dir + "/norm.txt"));
    write_file_atomic(weights, read_text(job.dir + "/best.safetensors"));
  }

  log("summary of %s (%s folds, %d threads):", name.c_str(), cfg.fold_mode.c_str(), omp_get_max_threads());
  log("  %-6s %-9s %-11s %-10s %-13s %s", "fold", "stations", "best epoch", "epochs", "val loss", "OOF rows");
  for (const FoldSummary& f : summary)
    log("  %-6d %-9d %-11d %-10d %-13.5f %zu", f.fold, f.test_stations, f.best_epoch, f.epochs, f.val_loss, f.oof_rows);
  log("  final: %d epochs on %zu stations -> %s", job.max_epochs, ns, weights.c_str());
}

}  // namespace

void run_training(const RunConfig& cfg, const Prepared& p, bool resume) {
  if (cfg.folds < 3) throw std::runtime_error("train: need at least 3 folds (test, validation, training)");
  if (p.stations.size() < size_t(cfg.folds))
    throw std::runtime_error("train: " + std::to_string(p.stations.size()) + " stations for " +
                             std::to_string(cfg.folds) + " folds");
  log("train: %s on %s, %s sampling, validation %s", cfg.model.c_str(), device_label(resolve_device(cfg.device)).c_str(),
      cfg.sampling.c_str(), cfg.validation.c_str());
  fs::create_directories(cfg.path("train"));
  remove_stale_temps(cfg.path("train"));
  remove_stale_temps(cfg.path("models"));
  const std::vector<int> fold = station_folds(cfg, p, resume);
  for (SourceSet set : training_sets(cfg, p)) train_set(cfg, p, set, fold, resume);
}

std::vector<TrainedModel> find_trained_models(const RunConfig& cfg) {
  const std::string dir = cfg.path("models");
  std::vector<TrainedModel> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      const fs::path& f = e.path();
      if (f.extension() != ".safetensors") continue;
      const std::string stem = f.stem().string();
      const std::string norm = (f.parent_path() / (stem + ".norm.txt")).string();
      if (!fs::exists(norm)) continue;
      std::vector<std::string> names;
      std::stringstream ss(stem);
      std::string item;
      while (std::getline(ss, item, '+')) names.push_back(item);
      SourceSet set = 0;
      try {
        set = parse_source_set(names);
      } catch (const std::exception&) {
        continue;  // not a model of ours
      }
      out.push_back({set, f.string(), norm});
    }
  if (out.empty()) throw std::runtime_error(dir + ": no trained models (run `rainfuse train` first)");
  std::sort(out.begin(), out.end(), [](const TrainedModel& a, const TrainedModel& b) { return a.set < b.set; });
  return out;
}

const TrainedModel* pick_model(const std::vector<TrainedModel>& models, SourceSet available) {
  const TrainedModel* best = nullptr;
  for (const TrainedModel& m : models) {
    if (m.set & ~available) continue;
    const int n = __builtin_popcount(m.set), nb = best ? __builtin_popcount(best->set) : -1;
    if (n > nb) best = &m;  // ties: the first in set order (models are sorted)
  }
  return best;
}

}  // namespace rf::pipe

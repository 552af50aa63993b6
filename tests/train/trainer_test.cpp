// rainfuse train on an in-memory Prepared (48x48 working grid, 36 days, five
// noisy coarse-grid versions of a smooth truth, 20 gauges): the loss falls,
// OOF rows belong to held-out stations only and a fold's model never sees
// their gauges, a kill -9 + resume gives the files of an uninterrupted run,
// the final models are found and picked by source set.
#include <gtest/gtest.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "nn/memory_plan.h"
#include "tests/train/fault_util.h"
#include "train/fit/fit_model.h"
#include "train/fit/folds.h"
#include "train/fit/oof.h"
#include "train/fit/trainer.h"

extern char** environ;

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

// One thread: the results are bit-reproducible only for a fixed thread count
// (and some CPU kernels' 2-thread sums depend on scheduling), and a test
// machine shared by parallel jobs punishes OpenMP barriers.
const int kOneThread = (omp_set_num_threads(1), 1);

// Sized for CI (each test well under a minute at AVX2): the properties need
// folds, days and gauges, not a large grid.
constexpr int kN = 48, kDays = 36, kStations = 20;

// Smooth rain field (mm/day) at (lon, lat) on day t: moving blobs, dry patches.
float truth(double lon, double lat, int t) {
  const double a = std::sin(1.3 * lon + 0.21 * t) * std::cos(1.7 * lat - 0.13 * t) + 0.4 * std::sin(0.37 * t);
  return float(std::max(0.0, 12.0 * a - 2.0));
}

Prepared make_prepared(uint32_t seed) {
  Prepared p;
  p.grid = io::Grid::regular(95.025, 0.05, kN, 34.025, 0.05, kN);
  for (int t = 0; t < kDays; ++t) p.days.push_back(io::day_from_ymd(2020, 6, 1) + t);
  std::mt19937 gen(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  const double res[5] = {0.25, 0.1, 0.25, 0.1, 0.08};
  for (int k = 0; k < 5; ++k) {
    SourceData& sd = p.sources[k];
    sd.name = kSourceNames[k];
    sd.configured = true;
    const size_t n = size_t(std::ceil(kN * 0.05 / res[k])) + 1;
    sd.cube.grid = io::Grid::regular(95.0 + res[k] / 2, res[k], n, 34.0 + res[k] / 2, res[k], n);
    sd.cube.days = p.days;
    const size_t g = sd.cube.grid.size();
    sd.cube.precip.resize(size_t(kDays) * g);
    for (int t = 0; t < kDays; ++t)
      for (size_t i = 0; i < g; ++i) {
        const double lon = sd.cube.grid.lon[i % n], lat = sd.cube.grid.lat[i / n];
        const float bias = 0.6f + 0.2f * float(k);
        float v = std::max(0.0f, bias * truth(lon, lat, t) + 1.5f * noise(gen));
        if (k == 1 && (t * 7 + int(i)) % 23 == 0) v = NAN;  // a few missing pixels
        sd.cube.precip[size_t(t) * g + i] = v;
      }
    sd.plan = io::make_regrid_plan(sd.cube.grid, p.grid, io::RegridMethod::Nearest);
    sd.planes = io::regrid_source_planes(sd.plan);
    sd.source_planes = sd.cube.precip;  // nearest: the field itself
    sd.available.assign(size_t(kDays), 1);
  }
  p.sources[4].available[10] = 0;  // CMORPH missing on day 10
  p.elevation.resize(size_t(kN * kN));
  for (int r = 0; r < kN; ++r)
    for (int c = 0; c < kN; ++c) p.elevation[size_t(r * kN + c)] = 3000.0f + 20.0f * float(r) - 5.0f * float(c);
  std::uniform_int_distribution<int> pix(2, kN - 3);
  for (int s = 0; s < kStations; ++s) {
    Station st;
    st.id = std::to_string(52100 + 3 * s);
    st.row = pix(gen);
    st.col = pix(gen);
    st.lon = p.grid.lon[size_t(st.col)];
    st.lat = p.grid.lat[size_t(st.row)];
    p.stations.push_back(st);
  }
  p.gauge_mm.resize(size_t(kStations * kDays));
  for (int s = 0; s < kStations; ++s)
    for (int t = 0; t < kDays; ++t) {
      const Station& st = p.stations[size_t(s)];
      const float v = std::max(0.0f, truth(st.lon, st.lat, t) + 0.3f * noise(gen));
      p.gauge_mm[size_t(s * kDays + t)] = (s + t) % 17 == 0 ? NAN : v;
    }
  return p;
}

RunConfig small_config(const std::string& out) {
  RunConfig cfg;
  cfg.out_dir = out;
  cfg.folds = 4;
  cfg.seed = 11;
  cfg.epochs = 2;
  cfg.patience = 2;
  cfg.steps_per_epoch = 4;
  cfg.batch = 4;
  cfg.patch = 16;
  cfg.lr = 3e-3;
  return cfg;
}

std::string temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("rf_trainer_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

// The files that must not depend on interruptions: every model, norm and OOF file.
std::map<std::string, std::string> result_files(const std::string& out) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), out).string();
    const std::string name = e.path().filename().string();
    if (name == "history.csv" || rel.find("checkpoint") != std::string::npos) continue;  // timings; state
    files[rel] = read_file(e.path().string());
  }
  return files;
}

// cut's result files are ref's, byte for byte, and no more.
void expect_same_results(const std::string& ref, const std::string& cut, const std::string& after) {
  const auto a = result_files(ref), b = result_files(cut);
  ASSERT_GT(a.size(), 10u);
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.count(name)) << name << " missing after " << after;
    EXPECT_TRUE(b.at(name) == bytes) << name << " differs after " << after;
  }
  for (const auto& [name, bytes] : b) EXPECT_TRUE(a.count(name)) << "stray file after " << after << ": " << name;
}

// Four epochs of 8 steps cut the training loss clearly, with the loss at every
// training station of a patch (random patches) or at the sampled station only
// (loss_pixels = "anchor", gauge-centred patches).
void loss_decreases(const std::string& loss_pixels) {
  const Prepared p = make_prepared(1);
  RunConfig cfg = small_config(temp_dir("loss_" + loss_pixels));
  cfg.loss_pixels = loss_pixels;
  if (loss_pixels == "anchor") cfg.sampling = "centred";
  cfg.epochs = 4;
  cfg.steps_per_epoch = 8;
  cfg.patience = 10;
  FitJob job;
  job.dir = cfg.path("fit");
  job.label = "loss test (" + loss_pixels + ")";
  job.set = 0x1f;
  job.train_use.assign(p.stations.size(), 1);
  job.max_epochs = cfg.epochs;
  job.seed = 3;
  const TrainState st = fit_model(cfg, p, job, false);
  ASSERT_EQ(st.history.size(), 4u);
  EXPECT_LT(st.history.back().train_loss, 0.6 * st.history.front().train_loss);
  EXPECT_TRUE(fs::exists(job.dir + "/best.safetensors"));
  EXPECT_TRUE(fs::exists(job.dir + "/norm.txt"));
  fs::remove_all(cfg.out_dir);
}

TEST(Trainer, LossDecreases) { loss_decreases("patch"); }
TEST(Trainer, AnchorLossDecreases) { loss_decreases("anchor"); }

// The production settings: gauge-centred patches, no validation fold (every
// non-test fold trains for `epochs` epochs), calibrated output, with `model`
// `prior` and `loss_pixels`; every model's statistics are fitted (the MLP prior per model)
// and its out-of-fold values are finite.
void train_residual_model(const std::string& model, const std::string& prior, const std::string& loss_pixels,
                          uint32_t seed) {
  const Prepared p = make_prepared(seed);
  RunConfig cfg = small_config(temp_dir("qhfuse_" + prior));
  cfg.model = model;
  cfg.prior = prior;
  cfg.sampling = "centred";
  cfg.loss_pixels = loss_pixels;
  cfg.validation = "none";
  cfg.calibrate = true;
  cfg.folds = 3;
  cfg.epochs = 1;
  run_training(cfg, p, false);
  std::vector<std::vector<float>> mlps;
  for (const std::string dir : {"fold0", "fold1", "fold2", "final"}) {
    const std::string base = cfg.path("train/era5+imerg+gldas+gsmap+cmorph/" + dir);
    const NormStats ns = NormStats::load(base + "/norm.txt");
    EXPECT_GE(ns.wet_threshold, 0.0f) << dir;
    EXPECT_GE(ns.output_gain, 0.5f) << dir;
    EXPECT_LE(ns.output_gain, 2.0f) << dir;
    EXPECT_GT(ns.gauge_std, 0.1f) << dir;
    EXPECT_NE(ns.prior_b, 1.0f) << dir;  // fitted
    if (prior == "mlp") {
      ASSERT_EQ(ns.prior_mlp.params.size(), PriorMlp::kSize) << dir;
      for (const auto& other : mlps) EXPECT_NE(other, ns.prior_mlp.params) << dir;  // fitted per model
      mlps.push_back(ns.prior_mlp.params);
    } else {
      EXPECT_TRUE(ns.prior_mlp.empty()) << dir;
    }
    // No early stopping: every epoch ran.
    const std::string h = read_file(base + "/history.csv");
    EXPECT_EQ(std::count(h.begin(), h.end(), '\n'), cfg.epochs + 1) << dir;
  }
  const std::vector<OofRow> rows = read_oof_csv(cfg.path("train/oof_era5+imerg+gldas+gsmap+cmorph.csv"), p);
  ASSERT_FALSE(rows.empty());
  for (const OofRow& r : rows) ASSERT_TRUE(std::isfinite(r.value) && r.value >= 0);
  fs::remove_all(cfg.out_dir);
}

TEST(Trainer, QhFuseMmCentredWithoutValidationAndCalibrated) {
  train_residual_model("qh-fuse-mm", "linear", "patch", 4);
}
TEST(Trainer, QhFuseWithTheMlpPriorAndTheLossAtTheAnchor) { train_residual_model("qh-fuse", "mlp", "anchor", 5); }

// train.memory_budget: the trainer picks a plan that fits and logs it; a budget
// nothing fits stops training with the planner's message.
TEST(Trainer, MemoryBudgetPicksAPlanOrSaysNoneFits) {
  const Prepared p = make_prepared(6);
  RunConfig cfg = small_config(temp_dir("budget"));
  cfg.folds = 3;
  cfg.epochs = 1;
  cfg.loss_pixels = "anchor";
  const nn::QhRefConfig model = nn::QhRefConfig::by_name(cfg.model);
  const int64_t plain = nn::predict_step_peak(model, nn::RecomputePlan(), {cfg.batch, cfg.patch, cfg.patch, true});
  cfg.memory_budget = std::to_string(plain * 9 / 10);  // bytes: the plain step does not fit
  ::testing::internal::CaptureStderr();
  run_training(cfg, p, false);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("memory budget " + cfg.memory_budget + ": recompute plan layers"), std::string::npos) << log;
  fs::remove_all(cfg.out_dir);
  cfg.out_dir = temp_dir("budget_none");
  cfg.memory_budget = "1MiB";
  try {
    run_training(cfg, p, false);
    ADD_FAILURE() << "trained in 1 MiB";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no recompute plan fits"), std::string::npos) << e.what();
  }
  fs::remove_all(cfg.out_dir);
}

TEST(Trainer, OofIsHeldOutAndModelsNeverSeeTestGauges) {
  const Prepared p = make_prepared(2);
  const RunConfig cfg = small_config(temp_dir("oof"));
  run_training(cfg, p, false);
  const SourceSet all = 0x1f;
  const std::string set = source_set_name(all);
  const std::vector<int> fold = read_folds_csv(cfg.path("train/folds.csv"), p.stations);
  std::map<std::string, int> fold_of;
  for (size_t s = 0; s < p.stations.size(); ++s) fold_of[p.stations[s].id] = fold[s];

  // Each fold's OOF file holds only its own stations, every available day.
  int available_days = 0;
  for (int t = 0; t < kDays; ++t) available_days += set_available(p, all, t);
  size_t total = 0;
  for (int k = 0; k < cfg.folds; ++k) {
    std::istringstream in(read_file(cfg.path("train/" + set + "/fold" + std::to_string(k) + "/oof.csv")));
    std::string line;
    std::getline(in, line);
    std::map<std::string, int> rows;
    while (std::getline(in, line)) {
      const std::string id = line.substr(0, line.find(','));
      EXPECT_EQ(fold_of.at(id), k) << "fold " << k << " predicted a station it did not hold out: " << line;
      const double v = std::stod(line.substr(line.rfind(',') + 1));
      EXPECT_TRUE(std::isfinite(v) && v >= 0) << line;
      ++rows[id];
    }
    for (size_t s = 0; s < p.stations.size(); ++s) {
      if (fold[s] == k) {
        EXPECT_EQ(rows[p.stations[s].id], available_days);
      }
    }
    total += size_t(std::count(fold.begin(), fold.end(), k)) * size_t(available_days);
  }
  const std::string merged = read_file(cfg.path("train/oof_" + set + ".csv"));
  EXPECT_EQ(size_t(std::count(merged.begin(), merged.end(), '\n')), total + 1);
  {  // sorted by station id, then date
    std::istringstream in(merged);
    std::string line, prev;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const std::string key = line.substr(0, line.rfind(','));
      EXPECT_LT(prev, key);
      prev = key;
    }
  }

  // Sabotage: other gauge values at fold 1's stations. Fold 1's model and
  // norm must be byte-identical (it never used them); a fold that trains on
  // them must change.
  Prepared q = p;
  for (size_t s = 0; s < q.stations.size(); ++s)
    if (fold[s] == 1)
      for (int t = 0; t < kDays; ++t) q.gauge_mm[s * kDays + size_t(t)] = 3.0f * q.gauge(s, size_t(t)) + 5.0f;
  const RunConfig cfg2 = small_config(temp_dir("sabotage"));
  run_training(cfg2, q, false);
  const auto fold_file = [&](const RunConfig& c, int k, const char* f) {
    return read_file(c.path("train/" + set + "/fold" + std::to_string(k) + "/" + f));
  };
  EXPECT_EQ(fold_file(cfg, 1, "best.safetensors"), fold_file(cfg2, 1, "best.safetensors"));
  EXPECT_EQ(fold_file(cfg, 1, "norm.txt"), fold_file(cfg2, 1, "norm.txt"));
  EXPECT_EQ(fold_file(cfg, 1, "oof.csv"), fold_file(cfg2, 1, "oof.csv"));
  // Fold 3 trains on fold 1 (validation fold of 3 is 0): its model differs.
  EXPECT_NE(fold_file(cfg, 3, "best.safetensors"), fold_file(cfg2, 3, "best.safetensors"));
  // Fold 0 validates on fold 1: same training data, so the same norm.
  EXPECT_EQ(fold_file(cfg, 0, "norm.txt"), fold_file(cfg2, 0, "norm.txt"));

  // Final models: found, and picked by availability.
  const auto models = find_trained_models(cfg);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].set, all);
  EXPECT_EQ(pick_model(models, all), &models[0]);
  EXPECT_EQ(pick_model(models, all & ~2u), nullptr);
  fs::remove_all(cfg.out_dir);
  fs::remove_all(cfg2.out_dir);
}

TEST(Trainer, PickModelPrefersLargestAvailableSet) {
  const std::vector<TrainedModel> models{{0x5, "a", "a"}, {0x1f, "b", "b"}, {0x1, "c", "c"}, {0x7, "d", "d"}};
  EXPECT_EQ(pick_model(models, 0x1f)->weights, "b");
  EXPECT_EQ(pick_model(models, 0x0f)->weights, "d");
  EXPECT_EQ(pick_model(models, 0x05)->weights, "a");
  EXPECT_EQ(pick_model(models, 0x03)->weights, "c");
  EXPECT_EQ(pick_model(models, 0x02), nullptr);
}

// Child mode of the kill/resume test: trains into $RF_TRAINER_CHILD_OUT.
TEST(Trainer, ChildRun) {
  const char* out = std::getenv("RF_TRAINER_CHILD_OUT");
  if (!out) GTEST_SKIP() << "helper of KillAndResume";
  RunConfig cfg = small_config(out);
  cfg.source_sets = {{"era5", "gldas"}, {"era5", "imerg", "gldas", "gsmap", "cmorph"}};
  run_training(cfg, make_prepared(3), std::getenv("RF_TRAINER_CHILD_RESUME") != nullptr);
}

pid_t spawn_child(const std::string& out, bool resume) {
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.push_back(*e);
  env_s.push_back("RF_TRAINER_CHILD_OUT=" + out);
  env_s.push_back("OMP_NUM_THREADS=" + std::to_string(kOneThread));
  if (resume) env_s.push_back("RF_TRAINER_CHILD_RESUME=1");
  std::vector<char*> env;
  for (auto& s : env_s) env.push_back(s.data());
  env.push_back(nullptr);
  std::string exe = fs::read_symlink("/proc/self/exe").string(), filter = "--gtest_filter=Trainer.ChildRun";
  char* argv[] = {exe.data(), filter.data(), nullptr};
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, env.data()), 0);
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(Trainer, KillAndResumeGivesIdenticalFiles) {
  // The uninterrupted reference run goes on beside the interrupted one (one
  // thread each: the two cores of a CI machine).
  const std::string ref = temp_dir("ref"), cut = temp_dir("cut");
  const pid_t ref_pid = spawn_child(ref, false);

  // Kill -9 at several points: after the first checkpoint of the second set's
  // fold 2 (earlier sets and folds finished), then mid-way again on resume.
  const std::vector<std::string> kill_after{
      "train/era5+gldas/fold1/checkpoint/state.bin",
      "train/era5+imerg+gldas+gsmap+cmorph/fold2/checkpoint/state.bin"};
  bool resume = false;
  for (const std::string& marker : kill_after) {
    const pid_t pid = spawn_child(cut, resume);
    const auto t0 = std::chrono::steady_clock::now();
    while (!fs::exists(cut + "/" + marker) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(300))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(pid, SIGKILL);
    const int st = wait_child(pid);
    ASSERT_TRUE(WIFSIGNALED(st)) << "the child finished before it could be killed";
    resume = true;
  }
  const int st_res = wait_child(spawn_child(cut, true));
  const int st_ref = wait_child(ref_pid);
  ASSERT_TRUE(WIFEXITED(st_ref) && WEXITSTATUS(st_ref) == 0);
  ASSERT_TRUE(WIFEXITED(st_res) && WEXITSTATUS(st_res) == 0);

  expect_same_results(ref, cut, "kill + resume");
  fs::remove_all(ref);
  fs::remove_all(cut);
}

// SIGKILL at seeded random moments (issue 13): four runs of the same training
// killed 0.3-3 s after they start (each resuming from what the last one
// checkpointed), then one to the end, beside an uninterrupted run (one
// thread each): the same result files, byte for byte, and no stray file.
TEST(Trainer, KilledAtRandomMomentsThenResumeGivesIdenticalFiles) {
  const std::string ref = temp_dir("rand_ref"), cut = temp_dir("rand_cut");
  const pid_t ref_pid = spawn_child(ref, false);
  std::mt19937 rng(20261206);
  std::uniform_real_distribution<double> after(0.3, 3.0);
  int killed = 0;
  for (int k = 0; k < 4; ++k) {
    const pid_t pid = spawn_child(cut, k > 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(after(rng)));
    kill(pid, SIGKILL);
    killed += WIFSIGNALED(wait_child(pid));
  }
  EXPECT_GE(killed, 3);
  const int st_res = wait_child(spawn_child(cut, true));
  const int st_ref = wait_child(ref_pid);
  ASSERT_TRUE(WIFEXITED(st_ref) && WEXITSTATUS(st_ref) == 0);
  ASSERT_TRUE(WIFEXITED(st_res) && WEXITSTATUS(st_res) == 0);
  expect_same_results(ref, cut, "the kills + resume");
  RecordProperty("kills_mid_run", killed);
  fs::remove_all(ref);
  fs::remove_all(cut);
}

// A full disk: the run folder on a tmpfs with room for half of what training
// writes. Training stops with an error naming a file under the run folder and
// the cause; after space is freed, a resumed run ends with the uninterrupted
// run's files, byte for byte. Needs root (mount).
TEST(Trainer, FullDiskFailsClearlyAndAResumeCompletes) {
  const Prepared p = make_prepared(7);
  RunConfig cfg = small_config(temp_dir("disk_ref"));
  cfg.folds = 3;
  cfg.source_sets = {{"era5", "gldas"}};
  run_training(cfg, p, false);
  uintmax_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(cfg.out_dir))
    if (e.is_regular_file()) total += rf::testing::tmpfs_pages(e.file_size()) + 4096;
  const std::string ref = cfg.out_dir;
  cfg.out_dir = temp_dir("disk_cut");
  rf::testing::SmallFs disk(cfg.out_dir, total / 2);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (" << disk.why_not() << "): needs root";
  std::string error;
  try {
    run_training(cfg, p, false);
  } catch (const std::exception& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  EXPECT_NE(error.find(cfg.out_dir), std::string::npos) << error;
  RecordProperty("error", error);
  ASSERT_EQ(disk.resize(4 * total), "");
  run_training(cfg, p, true);
  expect_same_results(ref, cfg.out_dir, "the full disk and the resume");
  fs::remove_all(ref);
}

}  // namespace
}  // namespace rf::pipe

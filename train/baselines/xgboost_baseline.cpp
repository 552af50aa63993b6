// xgboost: gradient-boosted regression trees (Debian libxgboost, C API) on the
// per-pixel inputs of the model's centre day. Feature row of pixel x on day t:
//   [era5, imerg, gldas, gsmap, cmorph] mm/day at x (NaN = missing: XGBoost's
//   native missing value, so a split learns where missing rows go),
//   elevation m, lon, lat of the pixel centre, sin/cos(2 pi doy / 365.25).
// Training rows: the training stations' station-days with a valid gauge, the
// features taken at the station's pixel (as predictions are), target
// log1p(gauge mm/day). Prediction: max(expm1(y), 0) mm/day.
// Booster: reg:squarederror, hist trees, max_depth 6, eta 0.1, 200 rounds,
// subsample 0.8, seed from RunConfig::seed: hist on a fixed thread count with a
// fixed seed gives the same model, hence the same predictions.
// One thread: XGBoost opens an OpenMP region per tree node, and libgomp's
// spin-wait makes 2 threads on a busy 2-core machine ~13x SLOWER than one
// (measured: 28k rows fit 30 s vs 2.3 s; at best equal with passive waiting).
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/baselines/baseline_kinds.h"
#include "train/baselines/pixel_inputs.h"

namespace rf::pipe {
namespace {

constexpr int kFeatures = 10;
constexpr int kRounds = 200;
constexpr int kThreads = 1;

// A failed C API call as a one-line exception.
void check(int rc, const char* what) {
  if (rc == 0) return;
  std::string msg = XGBGetLastError();
  std::replace(msg.begin(), msg.end(), '\n', ' ');
  throw std::runtime_error(std::string("baseline xgboost: ") + what + ": " + msg);
}

class DMatrix {
 public:
  DMatrix(const std::vector<float>& x, size_t rows) {
    check(XGDMatrixCreateFromMat_omp(x.data(), bst_ulong(rows), kFeatures, NAN, &h_, kThreads), "XGDMatrixCreateFromMat");
  }
  ~DMatrix() { XGDMatrixFree(h_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

// x[i * kFeatures + f] for pixels[0, n) on day `day`.
void pixel_features(const Prepared& p, int day, const int64_t* pixels, size_t n, float* x) {
  std::vector<float> src(5 * n);
  gather_sources(p, day, pixels, n, src.data());
  const double angle = 2 * std::numbers::pi * io::day_of_year(p.days[size_t(day)]) / 365.25;
  const float sin_doy = float(std::sin(angle)), cos_doy = float(std::cos(angle));
  for (size_t i = 0; i < n; ++i) {
    float* row = x + i * kFeatures;
    for (int k = 0; k < 5; ++k) row[k] = src[size_t(k) * n + i];
    const int64_t px = pixels[i];
    row[5] = p.elevation.empty() ? 0.0f : p.elevation[size_t(px)];
    row[6] = float(p.grid.lon[size_t(px % p.nx())]);
    row[7] = float(p.grid.lat[size_t(px / p.nx())]);
    row[8] = sin_doy;
    row[9] = cos_doy;
  }
}

class XgboostBaseline final : public Baseline {
 public:
  explicit XgboostBaseline(uint64_t seed) : seed_(seed) {}
  ~XgboostBaseline() override {
    if (booster_) XGBoosterFree(booster_);
  }
  std::string name() const override { return "xgboost"; }

  void fit(const Prepared& p, const std::vector<uint8_t>& use_station) override {
    check_stations("xgboost", p, use_station.size());
    std::vector<size_t> train;
    std::vector<int64_t> pixels;
    for (size_t s = 0; s < p.stations.size(); ++s)
      if (use_station[s]) train.push_back(s), pixels.push_back(p.stations[s].row * p.nx() + p.stations[s].col);
    std::vector<float> x, y, day_x(pixels.size() * kFeatures);
    for (size_t t = 0; t < p.days.size() && !train.empty(); ++t) {
      pixel_features(p, int(t), pixels.data(), pixels.size(), day_x.data());
      for (size_t i = 0; i < train.size(); ++i) {
        const float g = p.gauge(train[i], t);
        if (!std::isfinite(g)) continue;
        x.insert(x.end(), day_x.begin() + long(i * kFeatures), day_x.begin() + long((i + 1) * kFeatures));
        y.push_back(std::log1p(std::max(g, 0.0f)));
      }
    }
    if (y.empty()) throw std::runtime_error("baseline xgboost: no training station-day with a valid gauge");

    DMatrix dtrain(x, y.size());
    check(XGDMatrixSetFloatInfo(dtrain.get(), "label", y.data(), bst_ulong(y.size())), "XGDMatrixSetFloatInfo(label)");
    if (booster_) XGBoosterFree(booster_), booster_ = nullptr;
    DMatrixHandle dm[1] = {dtrain.get()};
    check(XGBoosterCreate(dm, 1, &booster_), "XGBoosterCreate");
    // XGBoost's seed is a signed int: fold the 64-bit seed into 31 bits.
    const std::string seed = std::to_string((seed_ ^ (seed_ >> 31) ^ (seed_ >> 62)) & 0x7fffffffu);
    const std::pair<const char*, std::string> params[] = {
        {"objective", "reg:squarederror"}, {"tree_method", "hist"}, {"max_depth", "6"},
        {"eta", "0.1"},                    {"subsample", "0.8"},    {"seed", seed},
        {"nthread", std::to_string(kThreads)}, {"verbosity", "0"}};
    for (const auto& [k, v] : params) check(XGBoosterSetParam(booster_, k, v.c_str()), "XGBoosterSetParam");
    for (int it = 0; it < kRounds; ++it) check(XGBoosterUpdateOneIter(booster_, it, dtrain.get()), "XGBoosterUpdateOneIter");
  }

  // One DMatrix for the whole request; predictions are serialised on the booster.
  void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const override {
    if (!booster_) throw std::runtime_error("baseline xgboost: predict before fit");
    check_request("xgboost", p, day, pixels.data(), pixels.size());
    if (pixels.empty()) return;
    std::vector<float> x(pixels.size() * kFeatures);
    pixel_features(p, day, pixels.data(), pixels.size(), x.data());
    DMatrix dm(x, pixels.size());
    std::lock_guard<std::mutex> lock(mutex_);
    bst_ulong len = 0;
    const float* y = nullptr;
    check(XGBoosterPredict(booster_, dm.get(), 0, 0, 0, &len, &y), "XGBoosterPredict");
    if (len != pixels.size())
      throw std::runtime_error("baseline xgboost: " + std::to_string(len) + " predictions for " +
                               std::to_string(pixels.size()) + " pixels");
    for (size_t i = 0; i < pixels.size(); ++i) out[i] = std::max(std::expm1(y[i]), 0.0f);
  }

 private:
  uint64_t seed_;
  BoosterHandle booster_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Baseline> make_xgboost_baseline(uint64_t seed) { return std::make_unique<XgboostBaseline>(seed); }

}  // namespace rf::pipe

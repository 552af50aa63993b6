// xgboost and random_forest: trees of Debian's libxgboost (C API) on per-pixel
// features of the day and its neighbours, as a competent user would build them.
// Feature row of pixel x on day t (kFeatures = 25):
//    0-4   [era5, imerg, gldas, gsmap, cmorph] mm/day at x on day t
//    5-9   the same on day t-1, 10-14 on day t+1 (NaN outside the period)
//   15-19  each source's mean over the 3x3 pixels around x on day t (finite
//          values; clipped at the grid's edge)
//   20-24  elevation m, lon, lat of the pixel centre, sin/cos(2 pi doy / 365.25)
// NaN = missing: XGBoost's native missing value, so a split learns where
// missing rows go. Training rows: the training stations' station-days with a
// valid gauge, the features taken at the station's pixel (as predictions are).
//   xgboost        boosted trees, reg:squarederror on log1p(mm) (the usual
//                  choice for skewed rain), hist, max_depth 6, eta 0.1, 200
//                  rounds, subsample 0.8; prediction max(expm1(y), 0) mm/day
//   random_forest  XGBoost's random-forest mode: one round of 200 parallel
//                  trees, max_depth 12, row subsample 0.632, a third of the
//                  features per node, eta 1, squared error in mm (a forest
//                  averages, so it estimates the mean); prediction max(y, 0)
// Seeds from RunConfig::seed: hist on a fixed thread count with a fixed seed
// gives the same model, hence the same predictions.
// One thread: XGBoost opens an OpenMP region per tree node, and libgomp's
// spin-wait makes 2 threads on a busy 2-core machine ~13x SLOWER than one
// (measured: 28k rows fit 30 s vs 2.3 s; at best equal with passive waiting).
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/baselines/baseline_kinds.h"
#include "train/baselines/pixel_inputs.h"
#include "train/data/pixel_prior.h"

namespace rf::pipe {
namespace {

constexpr int kFeatures = 25;
constexpr int kThreads = 1;

enum class Kind { Boosted, Forest };

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
  const int64_t nx = p.nx(), ny = p.ny();
  std::vector<float> src(5 * n);
  auto put = [&](int first) {
    for (size_t i = 0; i < n; ++i)
      for (int k = 0; k < 5; ++k) x[i * kFeatures + size_t(first + k)] = src[size_t(k) * n + i];
  };
  for (int dt : {0, -1, 1}) {
    const int d = day + dt;
    if (d < 0 || size_t(d) >= p.days.size()) std::fill(src.begin(), src.end(), NAN);
    else gather_sources(p, d, pixels, n, src.data());
    put(dt == 0 ? 0 : dt < 0 ? 5 : 10);
  }
  // 3x3 neighbourhood means: nine shifted gathers (clamped at the edge, so an
  // edge pixel repeats its own row or column), finite values averaged.
  std::vector<float> sum(5 * n, 0.0f), cnt(5 * n, 0.0f);
  std::vector<int64_t> shifted(n);
  for (int di = -1; di <= 1; ++di)
    for (int dj = -1; dj <= 1; ++dj) {
      for (size_t i = 0; i < n; ++i) {
        const int64_t r = std::clamp<int64_t>(pixels[i] / nx + di, 0, ny - 1);
        const int64_t c = std::clamp<int64_t>(pixels[i] % nx + dj, 0, nx - 1);
        shifted[i] = r * nx + c;
      }
      gather_sources(p, day, shifted.data(), n, src.data());
      for (size_t q = 0; q < 5 * n; ++q)
        if (std::isfinite(src[q])) sum[q] += src[q], cnt[q] += 1;
    }
  for (size_t q = 0; q < 5 * n; ++q) src[q] = cnt[q] > 0 ? sum[q] / cnt[q] : NAN;
  put(15);
  float sin_doy, cos_doy;
  season(p, day, sin_doy, cos_doy);
  for (size_t i = 0; i < n; ++i) {
    float* row = x + i * kFeatures;
    const int64_t px = pixels[i];
    row[20] = p.elevation.empty() ? 0.0f : p.elevation[size_t(px)];
    row[21] = float(p.grid.lon[size_t(px % nx)]);
    row[22] = float(p.grid.lat[size_t(px / nx)]);
    row[23] = sin_doy;
    row[24] = cos_doy;
  }
}

class XgboostBaseline final : public Baseline {
 public:
  XgboostBaseline(uint64_t seed, Kind kind) : seed_(seed), kind_(kind) {}
  ~XgboostBaseline() override {
    if (booster_) XGBoosterFree(booster_);
  }
  std::string name() const override { return kind_ == Kind::Boosted ? "xgboost" : "random_forest"; }

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
        y.push_back(kind_ == Kind::Boosted ? std::log1p(std::max(g, 0.0f)) : std::max(g, 0.0f));
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
    std::vector<std::pair<const char*, std::string>> params = {
        {"objective", "reg:squarederror"}, {"tree_method", "hist"}, {"seed", seed},
        {"nthread", std::to_string(kThreads)}, {"verbosity", "0"}};
    if (kind_ == Kind::Boosted)
      params.insert(params.end(), {{"max_depth", "6"}, {"eta", "0.1"}, {"subsample", "0.8"}});
    else
      params.insert(params.end(), {{"max_depth", "12"}, {"eta", "1"}, {"subsample", "0.632"},
                                   {"colsample_bynode", "0.333"}, {"num_parallel_tree", "200"}});
    for (const auto& [k, v] : params) check(XGBoosterSetParam(booster_, k, v.c_str()), "XGBoosterSetParam");
    const int rounds = kind_ == Kind::Boosted ? 200 : 1;
    for (int it = 0; it < rounds; ++it) check(XGBoosterUpdateOneIter(booster_, it, dtrain.get()), "XGBoosterUpdateOneIter");
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
    for (size_t i = 0; i < pixels.size(); ++i)
      out[i] = std::max(kind_ == Kind::Boosted ? std::expm1(y[i]) : y[i], 0.0f);
  }

 private:
  uint64_t seed_;
  Kind kind_;
  BoosterHandle booster_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Baseline> make_xgboost_baseline(uint64_t seed) {
  return std::make_unique<XgboostBaseline>(seed, Kind::Boosted);
}
std::unique_ptr<Baseline> make_random_forest_baseline(uint64_t seed) {
  return std::make_unique<XgboostBaseline>(seed, Kind::Forest);
}

}  // namespace rf::pipe

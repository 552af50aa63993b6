// Wet-day and volume calibration (calibrate.h).
#include "train/fit/calibrate.h"

#include <algorithm>
#include <cmath>

#include "train/fit/oof.h"
#include "train/fit/samples.h"

namespace rf::pipe {

constexpr size_t kCalibrationSamples = 1024;
constexpr float kWet = 0.1f;  // mm/day: the wet-day threshold of the scores (CSI 0.1)

void fit_calibration(std::vector<float> pred, const std::vector<float>& gauge, float& tau, float& k) {
  tau = 0, k = 1;
  const size_t n = pred.size();
  if (n == 0 || gauge.size() != n) return;
  size_t wet = 0;
  for (float g : gauge) wet += g >= kWet;
  std::vector<float> sorted = pred;
  std::sort(sorted.begin(), sorted.end());
  // The largest `wet` predictions stay; tau = the smallest of them (0 when every day is wet).
  if (wet < n) tau = std::max(0.0f, sorted[n - std::max<size_t>(wet, 1)]);
  if (wet == 0) tau = sorted.back() + 1;  // no wet gauge: every prediction becomes 0
  double sg = 0, sp = 0;
  for (size_t i = 0; i < n; ++i) {
    sg += gauge[i];
    sp += pred[i] < tau ? 0.0 : pred[i];
  }
  if (sp > 0 && sg > 0) k = float(std::clamp(sg / sp, 0.5, 2.0));
}

void calibrate_output(const RunConfig& cfg, const Prepared& p, const nn::QhRef& model, NormStats& ns, SourceSet set,
                      const std::vector<uint8_t>& train_use, uint64_t seed) {
  ns.wet_threshold = 0, ns.output_gain = 1;
  std::vector<OofRow> rows;
  for (const Sample& s : subsample(gauge_samples(p, set, train_use), kCalibrationSamples, seed))
    rows.push_back({s.station, s.day, 0.0f});
  if (rows.empty()) return;
  predict_rows(cfg, p, model, ns, set, rows, "calibration");
  std::vector<float> pred, gauge;
  for (const OofRow& r : rows) {
    pred.push_back(r.value);
    gauge.push_back(std::max(0.0f, p.gauge(size_t(r.station), size_t(r.day))));
  }
  fit_calibration(pred, gauge, ns.wet_threshold, ns.output_gain);
}

}  // namespace rf::pipe

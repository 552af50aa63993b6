#include "train/evaluate/metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace rf::eval {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double ratio(double num, double den) { return den > 0 ? num / den : kNaN; }
}  // namespace

double Categorical::pod() const { return ratio(double(hits), double(hits + misses)); }
double Categorical::far() const { return ratio(double(false_alarms), double(hits + false_alarms)); }
double Categorical::csi() const { return ratio(double(hits), double(hits + misses + false_alarms)); }

ScoreAccumulator::ScoreAccumulator(std::vector<double> thresholds) : thr_(std::move(thresholds)) {
  for (double t : thr_) cat_.push_back(Categorical{t});
}

void ScoreAccumulator::add(double s, double o) {
  if (!std::isfinite(s) || !std::isfinite(o)) return;
  ++n_;
  ss_ += s;
  so_ += o;
  sss_ += (long double)s * s;
  soo_ += (long double)o * o;
  sso_ += (long double)s * o;
  sabs_ += std::fabs(s - o);
  ssq_ += (long double)(s - o) * (s - o);
  for (auto& c : cat_) {
    const bool se = s >= c.threshold, oe = o >= c.threshold;
    if (se && oe) ++c.hits;
    else if (!se && oe) ++c.misses;
    else if (se && !oe) ++c.false_alarms;
    else ++c.correct_negatives;
  }
}

void ScoreAccumulator::merge(const ScoreAccumulator& b) {
  if (b.thr_ != thr_) throw std::invalid_argument("ScoreAccumulator::merge: different thresholds");
  n_ += b.n_;
  ss_ += b.ss_; so_ += b.so_; sss_ += b.sss_; soo_ += b.soo_; sso_ += b.sso_;
  sabs_ += b.sabs_; ssq_ += b.ssq_;
  for (size_t i = 0; i < cat_.size(); ++i) {
    cat_[i].hits += b.cat_[i].hits;
    cat_[i].misses += b.cat_[i].misses;
    cat_[i].false_alarms += b.cat_[i].false_alarms;
    cat_[i].correct_negatives += b.cat_[i].correct_negatives;
  }
}

Scores ScoreAccumulator::scores() const {
  Scores r;
  r.n = n_;
  r.cat = cat_;
  if (n_ == 0) {
    r.rb_pct = r.mae = r.rmse = r.cc = r.kge = kNaN;
    return r;
  }
  const long double n = n_;
  const long double ms = ss_ / n, mo = so_ / n;
  const long double vs = sss_ / n - ms * ms, vo = soo_ / n - mo * mo, cov = sso_ / n - ms * mo;
  r.rb_pct = so_ != 0 ? double((ss_ - so_) / so_ * 100) : kNaN;
  r.mae = double(sabs_ / n);
  r.rmse = double(std::sqrt(ssq_ / n));
  const double sd_s = std::sqrt(double(std::max<long double>(vs, 0))), sd_o = std::sqrt(double(std::max<long double>(vo, 0)));
  r.cc = (sd_s > 0 && sd_o > 0) ? double(cov) / (sd_s * sd_o) : kNaN;
  const double alpha = sd_o > 0 ? sd_s / sd_o : kNaN, beta = mo != 0 ? double(ms / mo) : kNaN;
  r.kge = 1.0 - std::sqrt((r.cc - 1) * (r.cc - 1) + (alpha - 1) * (alpha - 1) + (beta - 1) * (beta - 1));
  return r;
}

Scores score(const std::vector<double>& s, const std::vector<double>& o, const std::vector<double>& thresholds) {
  if (s.size() != o.size()) throw std::invalid_argument("score: series of different lengths");
  ScoreAccumulator acc(thresholds);
  for (size_t i = 0; i < s.size(); ++i) acc.add(s[i], o[i]);
  return acc.scores();
}

}  // namespace rf::eval

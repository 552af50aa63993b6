// Verification scores of a product S against gauges O on paired daily values
// (fact sheet §D). Only pairs where both values are finite are used.
//   RB %  = (sum S - sum O) / sum O * 100          (sum-based relative bias)
//   MAE   = mean |S - O| ; RMSE = sqrt(mean (S - O)^2)   (mm/day)
//   CC    = Pearson correlation
//   KGE   = 1 - sqrt((r-1)^2 + (a-1)^2 + (b-1)^2), a = sd_S/sd_O, b = mean_S/mean_O
//           (Gupta et al. 2009; population standard deviations)
//   event = P >= t:  POD = H/(H+M), FAR = F/(H+F), CSI = H/(H+M+F)
// A score whose denominator is zero is NaN (written as empty/NaN, never 0).
#pragma once
#include <cstddef>
#include <vector>

namespace rf::eval {

struct Categorical {
  double threshold = 0.1;
  long hits = 0, misses = 0, false_alarms = 0, correct_negatives = 0;
  double pod() const;
  double far() const;
  double csi() const;
};

struct Scores {
  long n = 0;
  double rb_pct = 0, mae = 0, rmse = 0, cc = 0, kge = 0;
  std::vector<Categorical> cat;  // one per threshold, in the order given
};

// Accumulates pairs in double precision (Welford-free two-moment sums are fine
// for daily precipitation magnitudes; sums are kept in long double).
class ScoreAccumulator {
 public:
  explicit ScoreAccumulator(std::vector<double> thresholds = {0.1, 1.0});
  void add(double s, double o);  // ignores the pair if either is not finite
  void merge(const ScoreAccumulator& other);
  Scores scores() const;
  long count() const { return n_; }

 private:
  std::vector<double> thr_;
  std::vector<Categorical> cat_;
  long n_ = 0;
  long double ss_ = 0, so_ = 0, sss_ = 0, soo_ = 0, sso_ = 0, sabs_ = 0, ssq_ = 0;
};

Scores score(const std::vector<double>& s, const std::vector<double>& o,
             const std::vector<double>& thresholds = {0.1, 1.0});

}  // namespace rf::eval

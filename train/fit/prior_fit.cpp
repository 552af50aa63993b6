// Fitting the prior MLP (prior_fit.h): plain minibatch backprop through two
// ReLU layers, written out (a few thousand numbers, one thread).
#include "train/fit/prior_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "train/data/model_input.h"
#include "train/fit/rng.h"

namespace rf::pipe {
namespace {

constexpr int F = kPriorFeatures, H = kPriorHidden, kBatch = 128, kMaxEpochs = 60, kPatience = 5;

// The standardised features z [n][F] and targets log1p(mm) of every row.
struct Standardised {
  std::vector<float> z, t;
};

// Trains the numbers after mean/std (W1 b1 W2 b2 w3 b3) on rows `train` for
// `epochs` epochs; with `val` rows, evaluates their MSE after every epoch,
// stops after kPatience epochs without improvement and returns the best
// epoch (its weights in w); else returns `epochs`.
int train(const Standardised& d, const std::vector<size_t>& train_rows, const std::vector<size_t>& val, int epochs,
          uint64_t seed, float* w, double* best_mse) {
  const size_t nw = PriorMlp::kSize - 2 * F;
  float *w1 = w, *b1 = w1 + H * F, *w2 = b1 + H, *b2 = w2 + H * H, *w3 = b2 + H, *b3 = w3 + H;
  Rng rng(seed);
  auto uniform = [&](float bound) { return float((2 * rng.uniform() - 1) * bound); };
  for (int i = 0; i < H * F; ++i) w1[i] = uniform(std::sqrt(6.0f / F));
  for (int i = 0; i < H * H; ++i) w2[i] = uniform(std::sqrt(6.0f / H));
  for (int i = 0; i < H; ++i) w3[i] = uniform(std::sqrt(1.0f / H));
  std::fill(b1, b1 + H, 0.0f), std::fill(b2, b2 + H, 0.0f);
  double tm = 0;
  for (size_t r : train_rows) tm += d.t[r];
  *b3 = float(tm / double(train_rows.size()));

  // y of row r; h1, h2 receive the hidden activations.
  auto forward = [&](size_t r, float* h1, float* h2) {
    const float* zi = d.z.data() + r * F;
    for (int h = 0; h < H; ++h) {
      float s = b1[h];
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < F; ++j) s += w1[h * F + j] * zi[j];
      h1[h] = std::max(s, 0.0f);
    }
    float y = *b3;
    for (int h = 0; h < H; ++h) {
      float s = b2[h];
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < H; ++j) s += w2[h * H + j] * h1[j];
      h2[h] = std::max(s, 0.0f);
      y += w3[h] * h2[h];
    }
    return y;
  };

  std::vector<float> g(nw), m1(nw, 0.0f), m2(nw, 0.0f), best;
  float *g1 = g.data(), *gb1 = g1 + H * F, *g2 = gb1 + H, *gb2 = g2 + H * H, *g3 = gb2 + H, *gb3 = g3 + H;
  std::vector<size_t> order = train_rows;
  const size_t n = order.size(), total = (n + kBatch - 1) / kBatch * size_t(epochs);
  size_t step = 0;
  constexpr double lr0 = 3e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int best_epoch = epochs, bad = 0;
  *best_mse = std::numeric_limits<double>::quiet_NaN();
  for (int e = 1; e <= epochs; ++e) {
    rng.shuffle(order);
    for (size_t q0 = 0; q0 < n; q0 += kBatch, ++step) {
      const size_t q1 = std::min(n, q0 + kBatch);
      std::fill(g.begin(), g.end(), 0.0f);
      const float scale = 2.0f / float(q1 - q0);
      for (size_t q = q0; q < q1; ++q) {
        const size_t r = order[q];
        const float* zi = d.z.data() + r * F;
        float h1[H], h2[H], d2[H], d1[H];
        const float dy = scale * (forward(r, h1, h2) - d.t[r]);
        *gb3 += dy;
        for (int h = 0; h < H; ++h) {
          g3[h] += dy * h2[h];
          d2[h] = h2[h] > 0 ? dy * w3[h] : 0.0f;
          gb2[h] += d2[h];
        }
        std::fill(d1, d1 + H, 0.0f);
        for (int h = 0; h < H; ++h)
          for (int j = 0; j < H; ++j) g2[h * H + j] += d2[h] * h1[j], d1[j] += d2[h] * w2[h * H + j];
        for (int h = 0; h < H; ++h) {
          const float dh = h1[h] > 0 ? d1[h] : 0.0f;
          gb1[h] += dh;
          for (int j = 0; j < F; ++j) g1[h * F + j] += dh * zi[j];
        }
      }
      // Adam with a cosine learning rate.
      const double lr = lr0 * 0.5 * (1 + std::cos(std::numbers::pi * double(step) / double(total)));
      const double c1 = 1 - std::pow(beta1, double(step + 1)), c2 = 1 - std::pow(beta2, double(step + 1));
      for (size_t i = 0; i < nw; ++i) {
        m1[i] = float(beta1 * m1[i] + (1 - beta1) * g[i]);
        m2[i] = float(beta2 * m2[i] + (1 - beta2) * double(g[i]) * g[i]);
        w[i] -= float(lr * (m1[i] / c1) / (std::sqrt(m2[i] / c2) + eps));
      }
    }
    if (val.empty()) continue;
    double se = 0;
    for (size_t r : val) {
      float h1[H], h2[H];
      const double err = forward(r, h1, h2) - d.t[r];
      se += err * err;
    }
    const double mse = se / double(val.size());
    if (!(mse >= *best_mse)) {  // also the first epoch (best is NaN)
      *best_mse = mse, best_epoch = e, bad = 0;
      best.assign(w, w + nw);
    } else if (++bad >= kPatience) {
      break;
    }
  }
  if (!best.empty()) std::copy(best.begin(), best.end(), w);
  return best_epoch;
}

}  // namespace

PriorRows prior_rows(const Prepared& p, uint32_t set, const std::vector<uint8_t>& use, bool set_days_only) {
  PriorRows rows;
  float f[kPriorFeatures];
  for (size_t t = 0; t < p.days.size(); ++t) {
    if (set_days_only && !set_available(p, set, int(t))) continue;
    for (size_t s = 0; s < p.stations.size(); ++s) {
      const float g = p.gauge(s, t);
      if (!use[s] || !std::isfinite(g)) continue;
      prior_features(p, set, int(t), p.stations[s].row, p.stations[s].col, 1, f);
      rows.x.insert(rows.x.end(), f, f + kPriorFeatures);
      rows.gauge_mm.push_back(std::max(g, 0.0f));
      rows.station.push_back(int(s));
    }
  }
  return rows;
}

PriorMlp fit_prior_mlp(const PriorRows& rows, uint64_t seed, PriorFitReport* report) {
  const size_t n = rows.size();
  if (n == 0 || rows.x.size() != n * F || rows.station.size() != n)
    throw std::runtime_error("prior MLP: no training station-day");
  PriorMlp m;
  m.params.assign(PriorMlp::kSize, 0.0f);
  float* mean = m.params.data();
  float* sd = mean + F;
  // Standardisation over the finite values; a feature with no spread keeps std 1.
  for (int j = 0; j < F; ++j) {
    double s = 0, s2 = 0, c = 0;
    for (size_t i = 0; i < n; ++i)
      if (const float v = rows.x[i * F + size_t(j)]; v == v) s += v, s2 += double(v) * v, c += 1;
    const double mu = c > 0 ? s / c : 0, var = c > 1 ? std::max(s2 / c - mu * mu, 0.0) : 0;
    mean[j] = float(mu), sd[j] = var > 1e-12 ? float(std::sqrt(var)) : 1.0f;
  }
  Standardised d;
  d.z.resize(n * F), d.t.resize(n);
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < F; ++j) {
      const float v = rows.x[i * F + size_t(j)];
      d.z[i * F + size_t(j)] = v == v ? (v - mean[j]) / sd[j] : 0.0f;
    }
    d.t[i] = std::log1p(rows.gauge_mm[i]);
  }

  // About a fifth of the stations held out (by the seed) to choose the epoch count.
  std::vector<size_t> fit_rows, val_rows, all(n);
  for (size_t i = 0; i < n; ++i) {
    all[i] = i;
    (derive_seed(seed, 7, uint64_t(rows.station[i])) % 5 == 0 ? val_rows : fit_rows).push_back(i);
  }
  int epochs = kMaxEpochs;
  double mse = std::numeric_limits<double>::quiet_NaN();
  float* w = sd + F;
  if (!fit_rows.empty() && !val_rows.empty()) epochs = train(d, fit_rows, val_rows, kMaxEpochs, seed, w, &mse);
  double unused;
  train(d, all, {}, epochs, derive_seed(seed, 8), w, &unused);
  if (report) report->epochs = epochs, report->held_out_mse = mse;
  return m;
}

}  // namespace rf::pipe

#include "io/synth/products.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "io/synth/landscape.h"
#include "io/synth/rng.h"
#include "io/synth/smooth_field.h"

namespace rf::io::synth {

const char* product_name(Product p) {
  switch (p) {
    case Product::ERA5: return "era5";
    case Product::IMERG: return "imerg";
    case Product::GLDAS: return "gldas";
    case Product::GSMAP: return "gsmap";
    case Product::CMORPH: return "cmorph";
  }
  return "?";
}

Product parse_product(const std::string& s) {
  for (Product p : kAllProducts)
    if (s == product_name(p)) return p;
  throw std::runtime_error("unknown product '" + s + "' (expected era5, imerg, gldas, gsmap or cmorph)");
}

namespace {
constexpr double kWinLon0 = 88.5, kWinLon1 = 104.5, kWinLat0 = 30.25, kWinLat1 = 40.75, kEps = 1e-9;

// Storage indices whose centres lie in [lo, hi].
void axis_window(double first, double step, int n, double lo, double hi, int& k0, int& nk) {
  int a = n, b = -1;
  for (int k = 0; k < n; ++k) {
    const double c = first + k * step;
    if (c >= lo - kEps && c <= hi + kEps) a = std::min(a, k), b = std::max(b, k);
  }
  k0 = a, nk = b - a + 1;
}

NativeWindow make_window(Product p, double lonf, double lons, int lonn, double latf, double lats, int latn, int spd) {
  NativeWindow w{p, lonf, lons, lonn, latf, lats, latn, 0, 0, 0, 0, spd, 24.0 / spd};
  axis_window(lonf, lons, lonn, kWinLon0, kWinLon1, w.i0, w.ni);
  axis_window(latf, lats, latn, kWinLat0, kWinLat1, w.j0, w.nj);
  return w;
}

// Error model per product (fact sheet §E.3, [M] priors): seasonal multiplicative
// bias, log-normal amount noise correlated over ~1.5 native cells, misses of
// light rain, false alarms (drizzle), compression of heavy amounts.
struct ErrorModel {
  double bias_warm, bias_cold;
  double sigma_ln;
  double light_mm;             // a truth amount below this can be missed
  double miss_warm, miss_cold;  // miss probability for light rain
  double false_alarm;           // probability of rain where truth < 0.1 mm
  double fa_mean_mm;            // mean false-alarm amount
  double heavy_knee, heavy_slope;  // amounts above the knee scaled by slope
  double diurnal_amp, step_noise;  // sub-daily shape
};

ErrorModel error_model(Product p) {
  switch (p) {  // bias_w bias_c sigma light miss_w miss_c fa fa_mm knee slope amp noise
    case Product::ERA5: return {1.35, 1.9, 0.45, 0.5, 0.03, 0.03, 0.50, 0.6, 12, 0.6, 0.3, 0.3};
    case Product::IMERG: return {0.95, 0.6, 0.55, 2.0, 0.35, 0.65, 0.08, 0.5, 1e9, 1, 0.8, 0.9};
    case Product::GLDAS: return {1.1, 0.75, 0.30, 0.3, 0.10, 0.20, 0.30, 0.3, 1e9, 1, 0.4, 0.3};
    case Product::GSMAP: return {1.2, 1.15, 0.60, 1.0, 0.20, 0.35, 0.20, 1.0, 1e9, 1, 0.8, 0.9};
    case Product::CMORPH: return {1.0, 0.6, 0.70, 1.5, 0.30, 0.60, 0.15, 0.6, 1e9, 1, 0.8, 0.9};
  }
  return {};
}

// A unit-variance correlated noise field on the window.
std::vector<float> window_noise(uint64_t key, int ni, int nj, double sigma) {
  std::vector<float> f(size_t(ni) * nj);
  for (size_t i = 0; i < f.size(); ++i) f[i] = float(normal(key, i));
  gaussian_blur(f.data(), ni, nj, sigma);
  const float g = float(1.0 / std::sqrt(blur_variance_gain(sigma)));
  for (auto& v : f) v *= g;
  return f;
}
}  // namespace

NativeWindow native_window(Product p) {
  switch (p) {
    case Product::ERA5: return make_window(p, 0.0, 0.25, 1440, 90.0, -0.25, 721, 24);
    case Product::IMERG: return make_window(p, -179.95, 0.1, 3600, -89.95, 0.1, 1800, 48);
    case Product::GLDAS: return make_window(p, -179.875, 0.25, 1440, -59.875, 0.25, 600, 8);
    case Product::GSMAP: return make_window(p, 0.05, 0.1, 3600, 59.95, -0.1, 1200, 24);
    case Product::CMORPH:
      return make_window(p, 0.036378335, 0.072756669, 4948, -59.963614, 0.072771377, 1649, 48);
  }
  throw std::logic_error("native_window");
}

Grid NativeWindow::grid() const {
  Grid g;
  for (int i = 0; i < ni; ++i) g.lon.push_back(lon_first + (i0 + i) * lon_step);
  for (int j = 0; j < nj; ++j) g.lat.push_back(lat_first + (j0 + j) * lat_step);
  return g;
}

UnixSeconds product_start(Product p) {
  switch (p) {
    case Product::ERA5: return day_start(day_from_ymd(1940, 1, 1));
    case Product::GLDAS: return day_start(day_from_ymd(1948, 1, 1));
    default: return day_start(day_from_ymd(1998, 1, 1));
  }
}

ProductModel::ProductModel(Product p, uint64_t seed) : p_(p), seed_(seed), w_(native_window(p)) {
  const Grid ext = ExtGrid::grid();
  col_of_.assign(ext.nx(), -1);
  row_of_.assign(ext.ny(), -1);
  for (size_t i = 0; i < ext.nx(); ++i) {
    const long c = std::lround((ext.lon[i] - w_.lon_first) / w_.lon_step) - w_.i0;
    if (c >= 0 && c < w_.ni) col_of_[i] = int(c);
  }
  for (size_t j = 0; j < ext.ny(); ++j) {
    const long r = std::lround((ext.lat[j] - w_.lat_first) / w_.lat_step) - w_.j0;
    if (r >= 0 && r < w_.nj) row_of_[j] = int(r);
  }
  count_.assign(w_.size(), 0.f);
  for (size_t j = 0; j < ext.ny(); ++j)
    for (size_t i = 0; i < ext.nx(); ++i)
      if (row_of_[j] >= 0 && col_of_[i] >= 0) count_[size_t(row_of_[j]) * w_.ni + col_of_[i]] += 1.f;
  for (float c : count_)
    if (c == 0.f) throw std::logic_error(std::string("synth: a ") + product_name(p) + " window cell has no truth pixel");
}

std::vector<float> ProductModel::block_mean(const std::vector<float>& truth) const {
  std::vector<double> acc(w_.size(), 0.0);
  for (int j = 0; j < ExtGrid::kNy; ++j) {
    const int r = row_of_[j];
    if (r < 0) continue;
    const float* t = truth.data() + size_t(j) * ExtGrid::kNx;
    double* a = acc.data() + size_t(r) * w_.ni;
    for (int i = 0; i < ExtGrid::kNx; ++i)
      if (col_of_[i] >= 0) a[col_of_[i]] += t[i];
  }
  std::vector<float> out(w_.size());
  for (size_t k = 0; k < out.size(); ++k) out[k] = float(acc[k] / count_[k]);
  return out;
}

void ProductModel::make_day(DayNumber day, const std::vector<float>& truth, ProductDay& out) const {
  const ErrorModel e = error_model(p_);
  const int ni = w_.ni, nj = w_.nj;
  std::vector<float> b = block_mean(truth);
  if (p_ == Product::GLDAS) gaussian_blur(b.data(), ni, nj, 2.0);  // GPCP 1-degree forcing: ~1-degree effective resolution
  const uint64_t pk = stream_key(seed_, 100 + uint64_t(p_), uint64_t(int64_t(day)));
  const auto amp_noise = window_noise(stream_key(pk, 1), ni, nj, 1.5);
  const auto det_noise = window_noise(stream_key(pk, 2), ni, nj, 1.0);
  const double doy = day_of_year(day), warm = warm_season_weight(doy);
  const double bias = warm * e.bias_warm + (1 - warm) * e.bias_cold;
  const double miss = warm * e.miss_warm + (1 - warm) * e.miss_cold;
  // Satellites see little spurious rain over cold ground (their cold-season
  // errors are misses); ERA5 drizzles all year.
  const double fa = p_ == Product::ERA5 ? e.false_alarm : e.false_alarm * (0.3 + 0.7 * warm);
  const double fa_mm = e.fa_mean_mm * (p_ == Product::ERA5 ? 1.0 : bias);
  const Grid g = w_.grid();
  out.day = day;
  out.daily.assign(w_.size(), 0.f);
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) {
      const size_t k = size_t(j) * ni + i;
      const double t = b[k];
      const double u = 0.5 * std::erfc(-det_noise[k] * 0.7071067811865476);
      double a = 0;
      if (t >= 0.1) {
        // IMERG misses more in the west of the province (fact sheet §E.2).
        const double m = miss + (p_ == Product::IMERG && g.lon[i] < 94.0 ? 0.15 : 0.0);
        if (!(t < e.light_mm && u < m)) {
          const double g_t = t < e.heavy_knee ? t : e.heavy_knee + e.heavy_slope * (t - e.heavy_knee);
          a = bias * g_t * std::exp(e.sigma_ln * amp_noise[k] - 0.5 * e.sigma_ln * e.sigma_ln);
        }
      } else if (u > 1.0 - fa) {
        const double v = std::min((u - (1.0 - fa)) / fa, 1.0 - 1e-6);
        a = t + fa_mm * -std::log1p(-v);
      } else {
        a = t * bias;  // sub-threshold truth stays sub-threshold
      }
      out.daily[k] = float(a);
    }
  // Sub-daily split: a diurnal cycle peaking near 18 h local solar time, with a
  // per-cell phase (from the amount noise, +-3 h) and a per-step random modulation
  // common to the window; weights are normalised per cell so the steps sum to the
  // daily amount.
  const int n = w_.steps_per_day;
  std::vector<double> mod(n);
  for (int s = 0; s < n; ++s) mod[s] = std::exp(e.step_noise * normal(stream_key(pk, 3), uint64_t(s)));
  out.steps.assign(size_t(n) * w_.size(), 0.f);
  std::vector<double> wk(n);
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) {
      const size_t k = size_t(j) * ni + i;
      const double a = out.daily[k];
      if (a <= 0) continue;
      const double shift = g.lon[i] / 15.0 + 3.0 * std::tanh(amp_noise[k]);
      double s = 0;
      for (int q = 0; q < n; ++q) {
        const double hloc = 12.0 + (q + 0.5) * w_.step_hours + shift;
        wk[q] = mod[q] * (1.0 + e.diurnal_amp * std::cos(6.283185307179586 * (hloc - 18.0) / 24.0));
        s += wk[q];
      }
      for (int q = 0; q < n; ++q) out.steps[size_t(q) * w_.size() + k] = float(a * wk[q] / s);
    }
}

}  // namespace rf::io::synth

#include "io/synth/landscape.h"

#include <algorithm>
#include <cmath>

#include "io/synth/rng.h"
#include "io/synth/smooth_field.h"

namespace rf::io::synth {

static double smoothstep(double e0, double e1, double x) {
  const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

// Distance (degrees, lon scaled by cos 36) from point to segment a-b.
static double seg_dist(double x, double y, double ax, double ay, double bx, double by) {
  const double c = 0.81;
  x *= c, ax *= c, bx *= c;
  const double dx = bx - ax, dy = by - ay;
  const double t = std::clamp(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
  return std::hypot(x - ax - t * dx, y - ay - t * dy);
}

static double ridge(double x, double y, double ax, double ay, double bx, double by, double h, double w) {
  const double d = seg_dist(x, y, ax, ay, bx, by);
  return h * std::exp(-0.5 * d * d / (w * w));
}

double qaidam_weight(double lon, double lat) {
  // Rotated ellipse along the WNW-ESE axis of the basin, centre (94.6E, 37.3N).
  const double a = -0.22, dx = (lon - 94.6) * 0.81, dy = lat - 37.3;
  const double u = dx * std::cos(a) + dy * std::sin(a), v = -dx * std::sin(a) + dy * std::cos(a);
  const double r = std::hypot(u / 3.6, v / 1.15);
  return 1.0 - smoothstep(0.8, 1.1, r);
}

static double base_relief(double lon, double lat) {
  double h = 4450;                                                  // plateau surface
  h += ridge(lon, lat, 89.5, 36.3, 99.0, 35.6, 900, 0.35);          // Kunlun / Burhan Budai
  h += ridge(lon, lat, 93.5, 39.3, 102.5, 37.3, 650, 0.4);          // Qilian
  h += ridge(lon, lat, 89.5, 33.0, 94.0, 32.6, 700, 0.45);          // Tanggula
  h += ridge(lon, lat, 98.5, 34.9, 100.5, 34.4, 800, 0.3);          // Amne Machin
  const double qd = qaidam_weight(lon, lat);
  h = h * (1 - qd) + qd * (2780 + 60 * (lon - 94.6) + 80 * std::fabs(lat - 37.3));  // basin floor
  const double lake = std::exp(-0.5 * (std::pow((lon - 100.2) * 0.81 / 0.55, 2) + std::pow((lat - 36.9) / 0.35, 2)));
  h = h * (1 - lake) + lake * 3200;                                  // Qinghai Lake basin
  // Huangshui / Yellow River valleys: the plateau edge falls to ~2200 m eastward.
  const double east = smoothstep(100.8, 102.8, lon) * (1 - smoothstep(37.4, 38.0, lat)) * smoothstep(35.0, 35.8, lat);
  h = h * (1 - east) + east * (2300 + 300 * std::fabs(lat - 36.5));
  // The south-east (Banma, Jiuzhi) is lower and dissected.
  const double se = smoothstep(99.8, 101.5, lon) * (1 - smoothstep(33.6, 34.4, lat));
  return h - 650 * se;
}

std::vector<float> synthetic_dem(const Grid& g) {
  // Base relief plus three octaves of smooth noise (a fixed seed: one landscape).
  const int nx = int(g.nx()), ny = int(g.ny());
  std::vector<float> out(g.size());
  struct Octave { double step, sigma, amp; };
  const Octave oct[] = {{0.2, 2.0, 260}, {0.05, 2.0, 140}, {0.02, 1.5, 60}};
  std::vector<float> tmp(g.size());
  for (size_t j = 0; j < g.ny(); ++j)
    for (size_t i = 0; i < g.nx(); ++i) out[j * nx + i] = float(base_relief(g.lon[i], g.lat[j]));
  const double lo = g.lon.front() - 0.5, la = std::min(g.lat.front(), g.lat.back()) - 0.5;
  const double span_x = std::fabs(g.lon.back() - g.lon.front()) + 1, span_y = std::fabs(g.lat.back() - g.lat.front()) + 1;
  int o = 0;
  for (const auto& oc : oct) {
    LatentField f(lo, la, oc.step, int(span_x / oc.step) + 2, int(span_y / oc.step) + 2, oc.sigma, 0.0);
    f.advance(stream_key(20240601, 77, uint64_t(o++)), 0);
    AxisInterp ax(f.lon0, f.step, f.nx, g.lon), ay(f.lat0, f.step, f.ny, g.lat);
    lattice_to_grid(f, ax, ay, tmp.data());
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        // Rougher in the ranges, smoother on the basin floor.
        const double rough = 1.0 - 0.8 * qaidam_weight(g.lon[i], g.lat[j]);
        out[size_t(j) * nx + i] += float(oc.amp * rough * tmp[size_t(j) * nx + i]);
      }
  }
  return out;
}

std::vector<float> annual_precip(const Grid& g, const std::vector<float>& dem) {
  std::vector<float> p(g.size());
  for (size_t j = 0; j < g.ny(); ++j)
    for (size_t i = 0; i < g.nx(); ++i) {
      const double lon = g.lon[i], lat = g.lat[j];
      const double s = std::clamp(0.55 * (lon - 89.5) / 13.9 + 0.45 * (39.87 - lat) / 8.5, 0.0, 1.1);
      double mm = 60 + 640 * std::pow(s, 1.5);
      // Orographic enhancement: +22 % per km above 3500 m (capped), drier valleys below.
      const double dz = std::clamp((dem[j * g.nx() + i] - 3500.0) / 1000.0, -1.0, 1.6);
      mm *= 1.0 + 0.22 * dz;
      mm *= 1.0 - 0.85 * qaidam_weight(lon, lat);  // rain shadow of the basin
      p[j * g.nx() + i] = float(std::max(mm, 8.0));
    }
  return p;
}

// Monthly shares of the annual total for Qinghai stations (Jan..Dec), [M].
static constexpr double kMonthShare[12] = {0.010, 0.014, 0.025, 0.045, 0.100, 0.170,
                                           0.205, 0.190, 0.140, 0.055, 0.012, 0.009};

double seasonal_fraction(double doy) {
  // Piecewise-linear between mid-month values, per day (divide by month length).
  double tot = 0;
  for (double v : kMonthShare) tot += v;
  const double m = (doy - 15.2) / 30.44;  // 0 at mid-January
  int a = int(std::floor(m));
  const double w = m - a;
  const int b = ((a + 1) % 12 + 12) % 12;
  a = (a % 12 + 12) % 12;
  return ((1 - w) * kMonthShare[a] + w * kMonthShare[b]) / tot / 30.44;
}

double warm_season_weight(double doy) {
  return smoothstep(105, 135, doy) * (1 - smoothstep(258, 288, doy));
}

}  // namespace rf::io::synth

// idw: gauge-only inverse-distance weighting. On day t, the training stations
// with a valid gauge value that day give
//   P(x) = sum_i w_i g_i / sum_i w_i,  w_i = 1 / d(x, s_i)^2
// with d the great-circle distance between the pixel centre and the station's
// own coordinates (d = 2 asin(|u_x - u_s| / 2) on the unit sphere, u the unit
// vectors: no cancellation at small distances). At a pixel holding a valid
// training station the value is exact: that station's gauge (the average if
// several share the pixel). NaN everywhere on a day without a valid station.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>
#include <vector>

#include "train/baselines/baseline_kinds.h"
#include "train/baselines/pixel_inputs.h"

namespace rf::pipe {
namespace {

struct Unit {
  double x, y, z;
};
Unit unit_vector(double lon_deg, double lat_deg) {
  const double lon = lon_deg * std::numbers::pi / 180, lat = lat_deg * std::numbers::pi / 180;
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}

class IdwBaseline final : public Baseline {
 public:
  std::string name() const override { return "idw"; }

  void fit(const Prepared& p, const std::vector<uint8_t>& use_station) override {
    check_stations("idw", p, use_station.size());
    train_.clear();
    for (size_t s = 0; s < p.stations.size(); ++s)
      if (use_station[s]) train_.push_back(s);
    fitted_ = true;
  }

  void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const override {
    if (!fitted_) throw std::runtime_error("baseline idw: predict before fit");
    check_request("idw", p, day, pixels.data(), pixels.size());
    // The day's valid training stations: unit vectors, values, and (pixel, value) sorted by pixel.
    std::vector<Unit> u;
    std::vector<double> g;
    std::vector<std::pair<int64_t, double>> at_pixel;
    for (size_t s : train_) {
      const float v = p.gauge(s, size_t(day));
      if (!std::isfinite(v)) continue;
      const Station& st = p.stations[s];
      u.push_back(unit_vector(st.lon, st.lat));
      g.push_back(v);
      at_pixel.emplace_back(st.row * p.nx() + st.col, v);
    }
    std::sort(at_pixel.begin(), at_pixel.end());
    if (g.empty()) {
      std::fill(out, out + pixels.size(), NAN);
      return;
    }
    for (size_t i = 0; i < pixels.size(); ++i) {
      const int64_t px = pixels[i];
      auto lo = std::lower_bound(at_pixel.begin(), at_pixel.end(), std::pair<int64_t, double>(px, -INFINITY));
      if (lo != at_pixel.end() && lo->first == px) {
        double sum = 0;
        int count = 0;
        for (; lo != at_pixel.end() && lo->first == px; ++lo) sum += lo->second, ++count;
        out[i] = float(sum / count);
        continue;
      }
      const Unit x = unit_vector(p.grid.lon[size_t(px % p.nx())], p.grid.lat[size_t(px / p.nx())]);
      double wsum = 0, wg = 0;
      for (size_t k = 0; k < u.size(); ++k) {
        const double dx = x.x - u[k].x, dy = x.y - u[k].y, dz = x.z - u[k].z;
        const double d = 2 * std::asin(std::min(1.0, std::sqrt(dx * dx + dy * dy + dz * dz) / 2));
        const double w = 1 / std::max(d * d, 1e-30);
        wsum += w, wg += w * g[k];
      }
      out[i] = float(wg / wsum);
    }
  }

 private:
  std::vector<size_t> train_;
  bool fitted_ = false;
};

}  // namespace

std::unique_ptr<Baseline> make_idw_baseline() { return std::make_unique<IdwBaseline>(); }

}  // namespace rf::pipe

// StagedInput (staged_input.h).
#include "train/fuse/staged_input.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <stdexcept>

#include "autograd/backend.h"
#include "io/dates.h"

namespace rf::pipe {
namespace {

constexpr int kT = 7;

// An int64 index array on the device, held in a float tensor (2 floats per
// entry; the allocator's alignment suits int64).
Tensor upload_index(const std::vector<int64_t>& idx, Device device) {
  Tensor h = Tensor::empty(Shape{int64_t(idx.size()) * 2});
  std::memcpy(h.data(), idx.data(), idx.size() * sizeof(int64_t));
  return h.to(device);
}

const int64_t* index_of(const Tensor& t) { return reinterpret_cast<const int64_t*>(t.data()); }

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace

bool StagedInput::supported(const Prepared& p) {
  for (const SourceData& sd : p.sources)
    if (sd.configured && (sd.plan.method != io::RegridMethod::Nearest || sd.planes != 1)) return false;
  return true;
}

StagedInput::StagedInput(const Prepared& p, Device device, int window)
    : device_(device), ny_(p.ny()), nx_(p.nx()), hp_(round_up(p.ny(), window)), wp_(round_up(p.nx(), window)) {
  if (!supported(p)) throw std::runtime_error("staged fuse input: a source's regrid plan is not nearest neighbour");
  // Index of padded pixel (r, c) = f(r, c) inside the grid, -1 in the padding.
  auto padded = [&](auto f) {
    std::vector<int64_t> idx(size_t(hp_ * wp_), -1);
    for (int64_t r = 0; r < ny_; ++r)
      for (int64_t c = 0; c < nx_; ++c) idx[size_t(r * wp_ + c)] = f(r, c);
    return upload_index(idx, device_);
  };
  for (int k = 0; k < 5; ++k) {
    const SourceData& sd = p.sources[k];
    if (!sd.configured) continue;
    if (sd.plan.src_index.size() != size_t(ny_ * nx_))
      throw std::runtime_error("staged fuse input: " + sd.name + "'s regrid plan does not target the working grid");
    source_index_[k] = padded([&](int64_t r, int64_t c) { return sd.plan.src_index[size_t(r * nx_ + c)]; });
    window_[k] = Tensor::empty(Shape{kT * int64_t(sd.cube.grid.size())}, device_);
  }
  elevation_index_ = padded([&](int64_t r, int64_t c) { return r * nx_ + c; });
  inside_index_ = padded([](int64_t, int64_t) { return int64_t(0); });
  std::vector<float> elev = p.elevation;
  if (elev.empty()) elev.assign(size_t(ny_ * nx_), 0.0f);
  elevation_ = Tensor::from_vector(Shape{ny_ * nx_}, elev).to(device_);
  missing_ = Tensor::full(Shape{1}, NAN, device_);
  doy_ = Tensor::empty(Shape{2 * kT}, device_);
}

std::vector<kernels::StagedChannel> StagedInput::day(const Prepared& p, const NormStats& ns, SourceSet s, int day) {
  if (p.ny() != ny_ || p.nx() != nx_) throw std::runtime_error("staged fuse input: another working grid");
  const int64_t nd = int64_t(p.days.size());
  std::vector<kernels::StagedChannel> ch(8);
  for (int k = 0; k < 5; ++k) {
    kernels::StagedChannel& c = ch[size_t(k)];
    const SourceData& sd = p.sources[k];
    if (!(s >> k & 1) || !sd.configured) {  // not an input of this model: 0 everywhere
      c.src = missing_.data();
      c.index = index_of(inside_index_);
      c.index_row = wp_;
      continue;
    }
    // The window's native fields; NaN on a day without the source.
    const int64_t cells = int64_t(sd.cube.grid.size());
    host_window_.resize(size_t(kT * cells));
    for (int t = 0; t < kT; ++t) {
      const int64_t d = day - 3 + t;
      float* w = host_window_.data() + t * cells;
      if (d < 0 || d >= nd || !sd.available[size_t(d)]) {
        std::fill(w, w + cells, NAN);
        continue;
      }
      const float* f = sd.planes_of_day(size_t(d));
      for (int64_t j = 0; j < cells; ++j) w[j] = f[j] < 0.0f ? 0.0f : f[j];  // log1p_mm clamps at 0; NaN stays
    }
    backend(device_).from_host(kT * cells, host_window_.data(), window_[k].data());
    c.src = window_[k].data();
    c.nsrc = cells;
    c.time = cells;
    c.index = index_of(source_index_[k]);
    c.index_row = wp_;
    c.log1p = true;
    c.mean = ns.mean[k];
    c.inv_std = 1.0f / ns.std[k];
  }
  kernels::StagedChannel& e = ch[5];
  e.src = elevation_.data();
  e.nsrc = ny_ * nx_;
  e.index = index_of(elevation_index_);
  e.index_row = wp_;
  e.mean = ns.elev_mean;
  e.inv_std = 1.0f / ns.elev_std;
  // sin/cos of each window day's day of year (as assemble_input, float of the double).
  float doy[2 * kT];
  for (int t = 0; t < kT; ++t) {
    const double a = 2.0 * std::numbers::pi * io::day_of_year(p.days.front() + (day - 3 + t)) / 365.25;
    doy[t] = float(std::sin(a));
    doy[kT + t] = float(std::cos(a));
  }
  backend(device_).from_host(2 * kT, doy, doy_.data());
  for (int k = 6; k < 8; ++k) {
    kernels::StagedChannel& c = ch[size_t(k)];
    c.src = doy_.data() + (k - 6) * kT;
    c.time = 1;
    c.index = index_of(inside_index_);
    c.index_row = wp_;
  }
  return ch;
}

}  // namespace rf::pipe

// Samples and batch assembly (samples.h).
#include "train/fit/samples.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rf::pipe {

std::vector<Sample> gauge_samples(const Prepared& p, SourceSet set, const std::vector<uint8_t>& use) {
  std::vector<uint8_t> day_ok(p.days.size());
  for (size_t t = 0; t < p.days.size(); ++t) day_ok[t] = set_available(p, set, int(t));
  std::vector<Sample> out;
  for (size_t s = 0; s < p.stations.size(); ++s) {
    if (!use[s]) continue;
    for (size_t t = 0; t < p.days.size(); ++t)
      if (day_ok[t] && std::isfinite(p.gauge(s, t))) out.push_back({int(t), int(s)});
  }
  return out;
}

std::vector<Sample> subsample(const std::vector<Sample>& all, size_t max_n, uint64_t seed) {
  if (all.size() <= max_n) return all;
  std::vector<size_t> idx(all.size());
  std::iota(idx.begin(), idx.end(), size_t(0));
  Rng rng(seed);
  rng.shuffle(idx);
  idx.resize(max_n);
  std::sort(idx.begin(), idx.end());
  std::vector<Sample> out;
  out.reserve(max_n);
  for (size_t i : idx) out.push_back(all[i]);
  return out;
}

PatchGeometry::PatchGeometry(const Prepared& p, int patch)
    : h(std::min<int64_t>(patch, p.ny())), w(std::min<int64_t>(patch, p.nx())), ny(p.ny()), nx(p.nx()) {}

Box PatchGeometry::random_box(int day, int64_t row, int64_t col, Rng& rng) const {
  // Origins that keep the station inside the box and the box inside the grid.
  const int64_t rlo = std::max<int64_t>(0, row - h + 1), rhi = std::min(row, ny - h);
  const int64_t clo = std::max<int64_t>(0, col - w + 1), chi = std::min(col, nx - w);
  Box b{day, rlo, clo};
  b.r0 += rng.below(rhi - rlo + 1);
  b.c0 += rng.below(chi - clo + 1);
  return b;
}

Box PatchGeometry::centred_box(int day, int64_t row, int64_t col) const {
  return {day, std::clamp<int64_t>(row - h / 2, 0, ny - h), std::clamp<int64_t>(col - w / 2, 0, nx - w)};
}

Box PatchGeometry::gauge_box(int day, int64_t row, int64_t col, Rng& rng) const {
  const int64_t i = h / 4 + rng.below(h - 2 * (h / 4)), j = w / 4 + rng.below(w - 2 * (w / 4));
  return {day, std::clamp<int64_t>(row - i, 0, ny - h), std::clamp<int64_t>(col - j, 0, nx - w)};
}

Tensor assemble_batch(const Prepared& p, const NormStats& ns, SourceSet set, const PatchGeometry& g,
                      const std::vector<Box>& boxes, const nn::QhRefConfig& mc) {
  const int64_t B = int64_t(boxes.size()), per = mc.in_channels * 7 * g.h * g.w;
  Tensor x = Tensor::empty(Shape({B, mc.in_channels, 7, g.h, g.w}));
  const OutputSpace space = output_space(mc);
  for (int64_t b = 0; b < B; ++b) {
    const Box& bx = boxes[size_t(b)];
    assemble_input(p, ns, set, bx.day, bx.r0, bx.c0, g.h, g.w, x.data() + b * per, mc.in_channels, space);
  }
  return x;
}

void assemble_batch_target(const Prepared& p, const std::vector<uint8_t>& use, const PatchGeometry& g,
                           const std::vector<Box>& boxes, Tensor& target, Tensor& mask, OutputSpace o,
                           const NormStats& ns) {
  const int64_t B = int64_t(boxes.size()), per = g.h * g.w;
  target = Tensor::empty(Shape({B, 1, g.h, g.w}));
  mask = Tensor::empty(Shape({B, 1, g.h, g.w}));
  for (int64_t b = 0; b < B; ++b) {
    const Box& bx = boxes[size_t(b)];
    assemble_target(p, use, bx.day, bx.r0, bx.c0, g.h, g.w, target.data() + b * per, mask.data() + b * per, o, ns);
  }
}

void anchor_values(const Tensor& target, const Tensor& mask, const PatchGeometry& g,
                   const std::vector<std::array<int64_t, 2>>& anchors, Tensor& t1, Tensor& m1) {
  const int64_t B = int64_t(anchors.size());
  t1 = Tensor::empty(Shape({B, 1, 1, 1}));
  m1 = Tensor::empty(Shape({B, 1, 1, 1}));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t q = b * g.h * g.w + anchors[size_t(b)][0] * g.w + anchors[size_t(b)][1];
    t1.data()[b] = target.data()[q];
    m1.data()[b] = mask.data()[q];
  }
}

}  // namespace rf::pipe

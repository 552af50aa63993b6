// Fuser (fuse.h): one day of qh-ref on the whole working grid.
//   x [1, 8, 7, ny, nx] = assemble_input(whole grid, the model's NormStats and set)
//   y [1, 1, ny, nx]    = QhRef::forward_tiled(x, cfg.tile, cfg.halo)  (eval, no grad;
//                         it zero-pads to multiples of 8 per tile and crops, so the
//                         result equals forward(x, false) on the whole grid)
//   mm/day              = max(expm1(y), 0)
// One model is loaded per source set, on first use.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "autograd/tape.h"
#include "nn/qh_ref.h"
#include "train/fuse/fuse.h"

namespace rf::pipe {

struct Fuser::Impl {
  RunConfig cfg;
  std::vector<TrainedModel> models;
  struct Loaded {
    std::unique_ptr<nn::QhRef> net;
    NormStats norm;
  };
  std::mutex mu;
  std::map<SourceSet, Loaded> cache;
  Timing timing;

  const Loaded& load(const TrainedModel& m) {
    std::lock_guard<std::mutex> lk(mu);
    auto it = cache.find(m.set);
    if (it != cache.end()) return it->second;
    Loaded l;
    l.net = std::make_unique<nn::QhRef>(nn::QhRefConfig::by_name(cfg.model));
    l.net->load(m.weights);
    l.norm = NormStats::load(m.norm);
    return cache.emplace(m.set, std::move(l)).first->second;
  }
};

Fuser::Fuser(const RunConfig& cfg, const std::vector<TrainedModel>& models) : impl_(new Impl) {
  impl_->cfg = cfg;
  impl_->models = models;
}

Fuser::~Fuser() { delete impl_; }

SourceSet Fuser::pick(const Prepared& p, int day) const {
  SourceSet available = 0;
  for (int k = 0; k < 5; ++k)
    if (set_available(p, SourceSet(1) << k, day)) available |= SourceSet(1) << k;
  const TrainedModel* m = pick_model(impl_->models, available);
  return m ? m->set : 0;
}

Fuser::Timing Fuser::last_timing() const { return impl_->timing; }

SourceSet Fuser::day(const Prepared& p, int day, float* out) const {
  const int64_t ny = p.ny(), nx = p.nx();
  const SourceSet set = pick(p, day);
  if (set == 0) {
    std::fill(out, out + ny * nx, NAN);
    return 0;
  }
  const TrainedModel& tm = *pick_model(impl_->models, set);
  const Impl::Loaded& m = impl_->load(tm);
  const nn::QhRefConfig& mc = m.net->config();
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  Tensor x = Tensor::empty(Shape{1, mc.in_channels, mc.time_steps, ny, nx});
  assemble_input(p, m.norm, set, day, 0, 0, ny, nx, x.data());
  const auto t1 = clock::now();
  Tensor y;
  {
    NoGradGuard no_grad;
    y = m.net->forward_tiled(x, impl_->cfg.tile, impl_->cfg.halo);
  }
  impl_->timing = {std::chrono::duration<double>(t1 - t0).count(),
                   std::chrono::duration<double>(clock::now() - t1).count()};
  const float* v = y.data();
  for (int64_t q = 0; q < ny * nx; ++q) out[q] = std::max(std::expm1(v[q]), 0.0f);
  return set;
}

}  // namespace rf::pipe

// Fuser (fuse.h): one day of qh-ref on the whole working grid, on the run's
// device (RunConfig::device, train/config/run_device.h).
//   materialised: x [1, 8, 7, ny, nx] = assemble_input(whole grid, the model's
//                 NormStats and set) on the host, uploaded to the device;
//                 y = QhRef::forward_tiled(x, cfg.tile, cfg.halo)
//   staged (CUDA device, nearest-neighbour plans, `regrid_staging` fusion on):
//                 conv1 gathers its input from the sources' native-grid windows
//                 and the index plans (staged_input.h); y = forward_tiled_staged.
//   Both are eval, no grad; tiles zero-pad to multiples of 8 and crop, so the
//   result equals forward(x, false) on the whole grid.
//   mm/day = max(expm1(y), 0) (qh-ref) or max(s * y, 0) (qh-fuse; model_input.h)
// One model is loaded per source set, on first use.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "autograd/device_options.h"
#include "autograd/tape.h"
#include "nn/qh_ref.h"
#include "train/config/run_device.h"
#include "train/fuse/fuse.h"
#include "train/fuse/staged_input.h"
#include "train/common/log.h"

namespace rf::pipe {

struct Fuser::Impl {
  RunConfig cfg;
  std::vector<TrainedModel> models;
  Device device = Device::CPU;
  struct Loaded {
    std::unique_ptr<nn::QhRef> net;
    NormStats norm;
  };
  std::mutex mu;
  std::map<SourceSet, Loaded> cache;
  std::unique_ptr<StagedInput> staged;  // built on the first staged day
  const Prepared* staged_for = nullptr;
  bool said_unstaged = false;
  Timing timing;
  // The materialised input of the last day (host): the next day's window is
  // it shifted by one day plus one new window day, the same numbers as a full
  // assembly (every (channel, window day) plane depends on that day alone).
  struct Rolling {
    std::mutex mu;
    std::vector<float> x;
    const Prepared* p = nullptr;
    const Loaded* model = nullptr;
    io::DayNumber first_day = 0;  // with p: the same prepared data, not a new one at the same address
    SourceSet set = 0;
    int day = -2;
  } rolling;

  const Loaded& load(const TrainedModel& m) {
    std::lock_guard<std::mutex> lk(mu);
    auto it = cache.find(m.set);
    if (it != cache.end()) return it->second;
    Loaded l;
    l.net = std::make_unique<nn::QhRef>(nn::QhRefConfig::by_name(cfg.model), device);
    l.net->load(m.weights);
    l.norm = NormStats::load(m.norm);
    return cache.emplace(m.set, std::move(l)).first->second;
  }

  // The staged input of `p` when this day runs the staged path, else null.
  StagedInput* staging(const Prepared& p, int window) {
    if (device != Device::CUDA || !device_options().fuse_regrid_staging) return nullptr;
    std::lock_guard<std::mutex> lk(mu);
    if (!StagedInput::supported(p)) {
      if (!said_unstaged)
        log("fuse: regrid method '%s' is not nearest neighbour: conv1's input is materialised (unfused path)",
            cfg.regrid_method.c_str());
      said_unstaged = true;
      return nullptr;
    }
    if (!staged || staged_for != &p || staged->ny() != p.ny() || staged->nx() != p.nx()) {
      staged = std::make_unique<StagedInput>(p, device, window);
      staged_for = &p;
    }
    return staged.get();
  }
};

Fuser::Fuser(const RunConfig& cfg, const std::vector<TrainedModel>& models) : impl_(new Impl) {
  impl_->cfg = cfg;
  impl_->models = models;
  impl_->device = resolve_device(cfg.device);
  if (impl_->device == Device::CPU)
    log("fuse: %s on %s", cfg.model.c_str(), device_label(impl_->device).c_str());
  else
    log("fuse: %s on %s (%s)", cfg.model.c_str(), device_label(impl_->device).c_str(), describe(device_options()).c_str());
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

Device Fuser::device() const { return impl_->device; }

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
  std::vector<float> v;
  clock::time_point t1;
  // The staged input holds qh-ref's 8 channels only.
  StagedInput* staged = mc.in_channels == 8 && mc.residual_channel < 0 ? impl_->staging(p, mc.window) : nullptr;
  if (staged) {
    const std::vector<kernels::StagedChannel> ch = staged->day(p, m.norm, set, day);
    t1 = clock::now();
    v = m.net->forward_tiled_staged(ch, 1, ny, nx, impl_->cfg.tile, impl_->cfg.halo).to_vector();
  } else {
    Tensor x = Tensor::empty(Shape{1, mc.in_channels, mc.time_steps, ny, nx});
    {
      Impl::Rolling& r = impl_->rolling;
      std::lock_guard<std::mutex> lk(r.mu);
      const int T = mc.time_steps;
      const size_t plane = size_t(ny * nx), n = size_t(mc.in_channels) * size_t(T) * plane;
      if (r.p == &p && r.first_day == p.days.front() && r.model == &m && r.set == set && r.day == day - 1 &&
          r.x.size() == n) {
        for (int c = 0; c < mc.in_channels; ++c) {
          float* ch = r.x.data() + size_t(c) * size_t(T) * plane;
          std::memmove(ch, ch + plane, size_t(T - 1) * plane * sizeof(float));
        }
        assemble_input(p, m.norm, set, day, 0, 0, ny, nx, r.x.data(), mc.in_channels, output_space(mc), T - 1, T);
      } else {
        r.x.resize(n);
        assemble_input(p, m.norm, set, day, 0, 0, ny, nx, r.x.data(), mc.in_channels, output_space(mc));
      }
      r.p = &p, r.first_day = p.days.front(), r.model = &m, r.set = set, r.day = day;
      std::copy(r.x.begin(), r.x.end(), x.data());
    }
    x = x.to(impl_->device);
    t1 = clock::now();
    NoGradGuard no_grad;
    v = m.net->forward_tiled(x, impl_->cfg.tile, impl_->cfg.halo).to_vector();
  }
  impl_->timing = {std::chrono::duration<double>(t1 - t0).count(),
                   std::chrono::duration<double>(clock::now() - t1).count()};
  const OutputSpace space = output_space(mc);
  for (int64_t q = 0; q < ny * nx; ++q) out[q] = output_to_mm(space, m.norm, v[q]);
  return set;
}

}  // namespace rf::pipe

#include "nn/qh_ref.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

#include "autograd/backend.h"
#include "autograd/ops.h"
#include "autograd/saved.h"
#include "autograd/tape.h"
#include "nn/safetensors.h"

namespace rf::nn {

QhRefConfig QhRefConfig::by_name(const std::string& name) {
  if (name == "qh-ref") return QhRefConfig();
  if (name == "qh-fuse" || name == "qh-fuse-mm") {
    QhRefConfig c;
    c.name = name;
    c.in_channels = 11;  // qh-ref's 8 + lon, lat, prior
    c.residual_channel = 10;
    c.target = name == "qh-fuse-mm" ? "mm" : "log1p";
    return c;
  }
  throw std::runtime_error("unknown model config '" + name + "' (known: qh-ref, qh-fuse, qh-fuse-mm)");
}

QhRef::QhRef(const QhRefConfig& c, Device device)
    : cfg_(c),
      device_(device),
      conv1_(c.in_channels, c.width, 3, 3, 3, device),
      conv2_(c.width, c.width, 3, 3, 3, device),
      attn_(c.width, c.heads, c.window, c.ln_eps, device),
      lstm_fwd_(c.width, c.hidden, 3, device),
      lstm_bwd_(c.width, c.hidden, 3, device),
      fc1_(2 * c.hidden, c.head_hidden, device),
      fc2_(c.head_hidden, 1, device) {
  drop_.p = c.dropout;
  if (c.t_center < 0 || c.t_center >= c.time_steps) throw std::runtime_error("qh-ref: t_center out of range");
  if (c.residual_channel >= c.in_channels) throw std::runtime_error("qh-ref: residual_channel out of range");
  init(0);
}

std::vector<NamedTensor> QhRef::named_parameters() const {
  ParamList p;
  conv1_.parameters("conv1.", p);
  conv2_.parameters("conv2.", p);
  attn_.parameters("attn.", p);
  lstm_fwd_.parameters("lstm_fwd.", p);
  lstm_bwd_.parameters("lstm_bwd.", p);
  fc1_.parameters("head.fc1.", p);
  fc2_.parameters("head.fc2.", p);
  return p;
}

std::vector<Tensor> QhRef::parameters() const {
  std::vector<Tensor> out;
  for (auto& p : named_parameters()) out.push_back(p.tensor);
  return out;
}

int64_t QhRef::num_parameters() const {
  int64_t n = 0;
  for (auto& p : named_parameters()) n += p.tensor.numel();
  return n;
}

Tensor QhRef::parameter(const std::string& name) const {
  for (auto& p : named_parameters())
    if (p.name == name) return p.tensor;
  throw std::runtime_error("qh-ref has no parameter '" + name + "'");
}

void QhRef::init(uint64_t seed) {
  conv1_.init(seed * 8 + 1);
  conv2_.init(seed * 8 + 2);
  attn_.init(seed * 8 + 3);
  lstm_fwd_.init(seed * 8 + 4);
  lstm_bwd_.init(seed * 8 + 5);
  fc1_.init(seed * 8 + 6);
  fc2_.init(seed * 8 + 7);
}

void QhRef::zero_grad() {
  for (auto& p : named_parameters()) p.tensor.zero_grad();
}

void QhRef::save(const std::string& path) const { save_safetensors(path, named_parameters()); }
void QhRef::load(const std::string& path) { load_safetensors_into(path, named_parameters()); }

namespace {
int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
}  // namespace

void QhRef::check_input(const Tensor& x) const {
  if (x.dim() != 5 || x.size(1) != cfg_.in_channels || x.size(2) != cfg_.time_steps)
    throw std::runtime_error("qh-ref: input must be [B, " + std::to_string(cfg_.in_channels) + ", " +
                             std::to_string(cfg_.time_steps) + ", H, W], got " + x.shape().str());
}

// The plan's storage of saved activations, for one whole forward (conv1's
// output is saved by conv1 and conv2: both must see the same mode to share it).
static ActivationStorage plan_storage(const RecomputePlan& p) {
  return p.bf16 ? ActivationStorage::bf16 : ActivationStorage::fp32;
}

Tensor QhRef::forward(const Tensor& x, bool training) const {
  check_input(x);
  ActivationStorageGuard storage(plan_storage(plan_));
  const int64_t H = x.size(3), W = x.size(4);
  // Zero-pad the input at the bottom/right to multiples of the window, crop Y back.
  Tensor xp = pad_hw(x, round_up(H, cfg_.window), round_up(W, cfg_.window));
  return with_residual(crop_hw(forward_padded(xp, training), H, W), x);
}

Tensor QhRef::forward_anchored(const Tensor& x, const Anchors& anchors, bool training) const {
  check_input(x);
  ActivationStorageGuard storage(plan_storage(plan_));
  const int64_t B = x.size(0), H = x.size(3), W = x.size(4);
  if (int64_t(anchors.size()) != B)
    throw std::runtime_error("qh-ref: " + std::to_string(anchors.size()) + " anchors for a batch of " + std::to_string(B));
  for (const auto& a : anchors)
    if (a[0] < 0 || a[0] >= H || a[1] < 0 || a[1] >= W)
      throw std::runtime_error("qh-ref: anchor (" + std::to_string(a[0]) + ", " + std::to_string(a[1]) +
                               ") outside the " + std::to_string(H) + " x " + std::to_string(W) + " input");
  const int64_t Hp = round_up(H, cfg_.window), Wp = round_up(W, cfg_.window);
  // Each ConvLSTM step's 3x3 gates reach one pixel further, so after R steps
  // the state at the anchor depends on the attention output within R px.
  // Zero padding at a box edge corrupts one more ring per step, R rings after
  // R steps: the anchor of a (2R+1)^2 box keeps its exact value. A box
  // clamped against the padded input's edge has the zero padding forward()
  // has there.
  const int64_t R = cfg_.lstm_reach();
  LstmBoxes box{{}, {}, std::min(2 * R + 1, Hp), std::min(2 * R + 1, Wp)};
  for (const auto& a : anchors) {
    const int64_t r0 = std::clamp(a[0] - R, int64_t(0), Hp - box.box_h), c0 = std::clamp(a[1] - R, int64_t(0), Wp - box.box_w);
    box.origin.push_back({r0, c0});
    box.pixel.push_back({a[0] - r0, a[1] - c0});
  }
  const Tensor y = after_conv1(conv1_.forward(pad_hw(x, Hp, Wp), /*relu=*/true), training, &box);
  if (cfg_.residual_channel < 0) return y;
  return add(y, crop_hw_at(select_time(narrow(x, 1, cfg_.residual_channel, 1), cfg_.t_center), anchors, 1, 1));
}

Tensor QhRef::with_residual(const Tensor& y, const Tensor& x) const {
  if (cfg_.residual_channel < 0) return y;
  // X[:, rc, t_center] as [B, 1, H, W] (narrow keeps the channel axis).
  return add(y, select_time(narrow(x, 1, cfg_.residual_channel, 1), cfg_.t_center));
}

std::vector<Tensor> QhRef::sequence_part(Tensor a, const LstmBoxes* box, size_t b0) const {
  const int T = int(a.size(2)), tc = cfg_.t_center;
  Tensor s = attn_.forward(a);
  a = Tensor();  // no-grad: the conv features go before the ConvLSTMs start
  if (box) {
    const auto first = box->origin.begin() + std::ptrdiff_t(b0);
    s = crop_hw_at(s, Anchors(first, first + s.size(0)), box->box_h, box->box_w);
  }
  return {lstm_fwd_.run(s, 0, tc), lstm_bwd_.run(s, T - 1, tc)};
}

Tensor QhRef::forward_padded(const Tensor& x, bool training) const {
  return after_conv1(conv1_.forward(x, /*relu=*/true), training);
}

std::vector<Tensor> QhRef::sequence(Tensor a, const LstmBoxes* box) const {
  using Regions = RecomputePlan::Regions;
  if (plan_.regions == Regions::none || !grad_enabled()) return sequence_part(std::move(a), box, 0);
  if (plan_.regions == Regions::sequence) {
    // One recompute region per batch chunk (a dim-0 view of a, no copy).
    std::vector<Tensor> fs, bs;
    // Backward reruns the region after this call returns: it keeps its own boxes.
    const auto kept = box ? std::make_shared<const LstmBoxes>(*box) : nullptr;
    const int64_t chunk = std::max(1, plan_.batch_chunk);
    for (int64_t b0 = 0; b0 < a.size(0); b0 += chunk) {
      const int64_t n = std::min<int64_t>(chunk, a.size(0) - b0);
      auto region = [this, kept, b0](const std::vector<Tensor>& in) {
        return sequence_part(in[0], kept.get(), size_t(b0));
      };
      std::vector<Tensor> h = checkpoint(region, {a.narrow0(b0, n)});
      fs.push_back(h[0]);
      bs.push_back(h[1]);
    }
    if (fs.size() == 1) return {fs[0], bs[0]};
    return {concat(fs, 0), concat(bs, 0)};
  }
  // layers: the attention of each frame (windows never cross frames), then
  // each ConvLSTM direction, as regions over the whole batch. Kept: conv2's
  // output (conv2 keeps it anyway), the attention output s and the two h;
  // backward holds one region's tape at a time.
  const int T = int(a.size(2)), tc = cfg_.t_center, k = plan_.lstm_steps;
  std::vector<Tensor> frames;
  for (int t = 0; t < T; ++t)
    frames.push_back(checkpoint(
        [this, t](const std::vector<Tensor>& in) { return std::vector<Tensor>{attn_.forward(narrow(in[0], 2, t, 1))}; },
        {a})[0]);
  a = Tensor();
  Tensor s = concat(frames, 2);
  frames.clear();
  if (box) s = crop_hw_at(s, box->origin, box->box_h, box->box_w);
  auto direction = [&s, tc, k](const ConvLSTM& lstm, int t0) {
    if (k > 0) return lstm.run_checkpointed(s, t0, tc, k);
    return checkpoint([&lstm, t0, tc](const std::vector<Tensor>& in) { return std::vector<Tensor>{lstm.run(in[0], t0, tc)}; },
                      {s})[0];
  };
  return {direction(lstm_fwd_, 0), direction(lstm_bwd_, T - 1)};
}

Tensor QhRef::after_conv1(Tensor a, bool training, const LstmBoxes* box, const RowBand* band) const {
  a = conv2_.forward(a, /*relu=*/true);
  if (band) a = narrow(a, 3, band->seq_row0, band->seq_rows);
  std::vector<Tensor> hs = sequence(std::move(a), box);
  Tensor h = concat_channels({hs[0], hs[1]});
  hs.clear();
  if (box) h = crop_hw_at(h, box->pixel, 1, 1);  // the head at the anchors only
  if (band) h = narrow(h, 2, band->head_row0, band->head_rows);
  h = fc1_.forward(h, /*relu=*/true);
  h = drop_.forward(h, training);
  return fc2_.forward(h);
}

void QhRef::set_recompute_plan(const RecomputePlan& plan) {
  if (plan.band_rows < 0 || plan.band_rows % cfg_.window)
    throw std::runtime_error("recompute plan " + plan.str() + ": band rows must be a multiple of the window (" +
                             std::to_string(cfg_.window) + ")");
  plan_ = plan;
}

void QhRef::set_recompute(int batch_chunk) {
  RecomputePlan p;
  if (batch_chunk > 0) p.regions = RecomputePlan::Regions::sequence, p.batch_chunk = batch_chunk;
  set_recompute_plan(p);
}

BandRows band_rows(const QhRefConfig& c, int64_t H, int64_t r0, int64_t r1) {
  const int64_t Hp = round_up(H, c.window), halo = round_up(c.lstm_reach(), c.window);
  BandRows b;
  b.p1 = std::min(Hp, round_up(r1, c.window));
  b.s0 = std::max<int64_t>(0, r0 - halo), b.s1 = std::min(Hp, b.p1 + halo);
  b.x0 = std::max<int64_t>(0, b.s0 - 2), b.x1 = std::min(Hp, b.s1 + 2);
  return b;
}

Tensor QhRef::forward_rows(const Tensor& x, int64_t r0, int64_t r1, bool training) const {
  check_input(x);
  ActivationStorageGuard storage(plan_storage(plan_));
  const int64_t H = x.size(3), W = x.size(4), win = cfg_.window;
  if (r0 < 0 || r1 > H || r0 >= r1 || r0 % win)
    throw std::runtime_error("qh-ref: rows [" + std::to_string(r0) + ", " + std::to_string(r1) + ") of a grid of " +
                             std::to_string(H) + " rows (r0 a multiple of " + std::to_string(win) + ")");
  const BandRows b = band_rows(cfg_, H, r0, r1);
  // Rows >= H are forward()'s zero padding; zeros beyond the band's edge only
  // corrupt the context rows, which are cut away.
  const Tensor xb = pad_hw(narrow(x, 3, b.x0, std::min(b.x1, H) - b.x0), b.x1 - b.x0, round_up(W, win));
  const RowBand band{b.s0 - b.x0, b.s1 - b.s0, r0 - b.s0, b.p1 - r0};
  Tensor y = crop_hw(after_conv1(conv1_.forward(xb, /*relu=*/true), training, nullptr, &band), r1 - r0, W);
  if (cfg_.residual_channel < 0) return y;
  return add(y, narrow(select_time(narrow(x, 1, cfg_.residual_channel, 1), cfg_.t_center), 2, r0, r1 - r0));
}

Tensor QhRef::forward_tiled(const Tensor& x, int tile, int halo) const {
  check_input(x);
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
  const Backend& be = backend(x.device());
  const Tensor y = tiled(B, H, W, tile, halo, x.device(), [&](int64_t r0, int64_t c0, int64_t th, int64_t tw) {
    // The tile's input: x where it exists, zeros in the bottom/right padding.
    Tensor xt = Tensor::zeros(Shape{B, C, T, th, tw}, x.device());
    const int64_t vh = std::min(r0 + th, H) - r0, vw = std::min(c0 + tw, W) - c0;
    be.copy_strided(B * C * T, vh, vw, x.data() + r0 * W + c0, H * W, W, xt.data(), th * tw, tw, false);
    return conv1_.forward(xt, /*relu=*/true);
  });
  NoGradGuard no_grad;
  return with_residual(y, x);
}

Tensor QhRef::forward_tiled_staged(const std::vector<kernels::StagedChannel>& channels, int64_t B, int64_t H,
                                   int64_t W, int tile, int halo) const {
  if (cfg_.residual_channel >= 0)
    throw std::runtime_error(cfg_.name + ": staged input is for models without a residual channel");
  if (int64_t(channels.size()) != cfg_.in_channels)
    throw std::runtime_error("qh-ref: " + std::to_string(channels.size()) + " staged channels, the model takes " +
                             std::to_string(cfg_.in_channels));
  const int64_t Wp = round_up(W, cfg_.window);
  for (const kernels::StagedChannel& c : channels)
    if (!c.index || c.index_row < Wp || c.index_batch < 0)
      throw std::runtime_error("qh-ref: every staged channel needs an index over the padded grid (index_row >= " +
                               std::to_string(Wp) + ")");
  const int64_t T = cfg_.time_steps;
  return tiled(B, H, W, tile, halo, device_, [&](int64_t r0, int64_t c0, int64_t th, int64_t tw) {
    // The tile's channels: the same sources, the index shifted to the tile's origin.
    std::vector<kernels::StagedChannel> ch = channels;
    for (kernels::StagedChannel& c : ch) c.index += r0 * c.index_row + c0;
    return conv3d_staged(ch, B, T, th, tw, conv1_.weight, conv1_.bias, /*relu=*/true);
  });
}

Tensor QhRef::tiled(int64_t B, int64_t H, int64_t W, int tile, int halo, Device device,
                    const Conv1Tile& conv1_tile) const {
  const int64_t win = cfg_.window;
  // Receptive field beyond a tile's interior: conv1 + conv2 (2 px), whole
  // attention windows (up to win-1 px), ConvLSTM 4 steps of 3x3 (4 px); with
  // window-aligned tiles a halo of 2 windows (16 px) makes the result exact.
  if (halo < 2 * win || halo % win) throw std::runtime_error("forward_tiled: halo must be a multiple of 8, >= 16");
  const int64_t step = std::max<int64_t>(win, tile / win * win);
  NoGradGuard no_grad;
  const int64_t Hp = round_up(H, win), Wp = round_up(W, win);
  const Backend& be = backend(device);
  Tensor y = Tensor::empty(Shape{B, 1, H, W}, device);
  for (int64_t i0 = 0; i0 < Hp; i0 += step) {
    for (int64_t j0 = 0; j0 < Wp; j0 += step) {
      const int64_t i1 = std::min(Hp, i0 + step), j1 = std::min(Wp, j0 + step);
      const int64_t r0 = std::max<int64_t>(0, i0 - halo), r1 = std::min(Hp, i1 + halo);
      const int64_t c0 = std::max<int64_t>(0, j0 - halo), c1 = std::min(Wp, j1 + halo);
      const int64_t th = r1 - r0, tw = c1 - c0;
      Tensor yt = after_conv1(conv1_tile(r0, c0, th, tw), false);
      // Interior rows/cols of the tile that lie inside H x W.
      const int64_t oh = std::min(i1, H) - i0, ow = std::min(j1, W) - j0;
      if (oh > 0 && ow > 0)
        be.copy_strided(B, oh, ow, yt.data() + (i0 - r0) * tw + (j0 - c0), th * tw, tw, y.data() + i0 * W + j0,
                        H * W, W, false);
    }
  }
  return y;
}

}  // namespace rf::nn

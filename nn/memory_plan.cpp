#include "nn/memory_plan.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/train_step.h"

namespace rf::nn {

namespace {

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
using Regions = RecomputePlan::Regions;

// ConvLSTM steps of both directions together (they meet at t_center).
int lstm_steps(const QhRefConfig& c) { return c.time_steps + 1; }

}  // namespace

int64_t measure_step_peak(const QhRefConfig& cfg, const RecomputePlan& plan, const StepShape& s) {
  if (!grad_enabled()) throw std::runtime_error("measure_step_peak: grad mode is off");
  const int64_t live0 = mem_stats(Device::CPU).live_bytes;
  mem_reset_peak(Device::CPU);
  int64_t params = 0;
  {
    QhRef model(cfg, Device::CPU);
    model.set_recompute_plan(plan);
    params = model.num_parameters();
    const Tensor x = Tensor::full(Shape{s.B, cfg.in_channels, cfg.time_steps, s.H, s.W}, 0.1f);
    if (s.anchored) {
      const QhRef::Anchors anchors(size_t(s.B), {s.H / 2, s.W / 2});
      const Tensor t = Tensor::full(Shape{s.B, 1, 1, 1}, 0.2f), m = Tensor::full(Shape{s.B, 1, 1, 1}, 1.0f);
      backward(mse_loss(model.forward_anchored(x, anchors, true), t, m));
    } else {
      const Tensor t = Tensor::full(Shape{s.B, 1, s.H, s.W}, 0.2f), m = Tensor::full(Shape{s.B, 1, s.H, s.W}, 1.0f);
      loss_backward(model, x, t, m, true);
    }
  }
  // Adam's two moments per parameter live beside the step.
  return mem_stats(Device::CPU).peak_bytes - live0 + 2 * params * int64_t(sizeof(float));
}

int64_t predict_step_peak(const QhRefConfig& cfg, const RecomputePlan& plan, const StepShape& s) {
  // Calibration grids: with bands, 3 and 5 bands (interior bands have both
  // halos); else 32 and 64 rows. A dimension no larger than its second point is
  // measured at its own size.
  const int64_t b = s.anchored ? 0 : plan.band_rows;
  const int64_t h1 = b > 0 ? 3 * b : 32, h2 = b > 0 ? 5 * b : 64;
  const std::vector<int64_t> hs = s.H <= h2 ? std::vector<int64_t>{s.H} : std::vector<int64_t>{h1, h2};
  const std::vector<int64_t> ws = s.W <= 64 ? std::vector<int64_t>{s.W} : std::vector<int64_t>{32, 64};
  double f[2][2] = {};
  for (size_t i = 0; i < hs.size(); ++i)
    for (size_t j = 0; j < ws.size(); ++j) f[i][j] = double(measure_step_peak(cfg, plan, {s.B, hs[i], ws[j], s.anchored}));
  // Linear in each dimension through its (one or two) points.
  auto weights = [](const std::vector<int64_t>& p, int64_t v) {
    if (p.size() == 1) return std::array<double, 2>{1.0, 0.0};
    const double t = double(v - p[0]) / double(p[1] - p[0]);
    return std::array<double, 2>{1 - t, t};
  };
  const auto wh = weights(hs, s.H), ww = weights(ws, s.W);
  double peak = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) peak += wh[size_t(i)] * ww[size_t(j)] * f[i][j];
  return int64_t(std::llround(std::max(0.0, peak)));
}

double predict_step_time(const QhRefConfig& c, const RecomputePlan& plan, const StepShape& s) {
  // Forward FLOP per pixel-row of each layer (the factor W cancels); backward
  // is about twice the forward, so a plain step is 3 forwards.
  const double T = c.time_steps, win = c.window;
  const double conv1 = 2.0 * c.in_channels * c.width * 27 * T, conv2 = 2.0 * c.width * c.width * 27 * T;
  const double attn = T * (2.0 * c.width * 4 * c.width + 4.0 * win * win * c.width);
  double lstm = 2.0 * (c.width + c.hidden) * 4 * c.hidden * 9 * lstm_steps(c);
  double head = 2.0 * (2 * c.hidden * c.head_hidden + c.head_hidden);
  const int64_t Hp = round_up(s.H, c.window);
  if (s.anchored) {  // ConvLSTMs on a (2R+1)^2 box, the head at one pixel, per sample
    const double box = std::pow(2.0 * c.lstm_reach() + 1, 2), px = double(Hp) * double(round_up(s.W, c.window));
    lstm *= std::min(1.0, box / px);
    head /= px;
  }
  // Rows each layer computes: the whole padded grid, or each band with its context.
  double r_conv = double(Hp), r_seq = double(Hp);
  const int64_t b = s.anchored ? 0 : plan.band_rows;
  if (b > 0 && b < s.H) {
    r_conv = r_seq = 0;
    for (int64_t r0 = 0; r0 < s.H; r0 += b) {
      const BandRows rows = band_rows(c, s.H, r0, std::min(s.H, r0 + b));
      r_conv += double(rows.x1 - rows.x0), r_seq += double(rows.s1 - rows.s0);
    }
  }
  const double seq = (attn + lstm) * r_seq;
  double rerun = 0;
  if (plan.regions != Regions::none) rerun = seq;
  const double plain = 3 * (conv1 + conv2 + attn + lstm + head) * double(Hp);
  return (3 * ((conv1 + conv2) * r_conv + seq + head * double(Hp)) + rerun) / plain;
}

std::vector<PlannedStep> candidate_plans(const QhRefConfig& c, const StepShape& s, bool bf16) {
  std::vector<RecomputePlan> plans;
  RecomputePlan p;
  plans.push_back(p);
  p.regions = Regions::layers;
  plans.push_back(p);
  p.lstm_steps = 1;
  plans.push_back(p);
  if (!s.anchored) {
    for (int b : {256, 128, 64, 32, 16}) {
      if (b % c.window || 2 * b > s.H) continue;
      for (int r = 0; r < 3; ++r) {
        RecomputePlan q;
        q.band_rows = b;
        if (r > 0) q.regions = Regions::layers;
        if (r == 2) q.lstm_steps = 1;
        plans.push_back(q);
      }
    }
  }
  std::vector<PlannedStep> out;
  for (RecomputePlan& q : plans) {
    q.bf16 = bf16;  // the FLOPs are the same; packing is memory traffic (docs/memory.md)
    out.push_back({q, 0, predict_step_time(c, q, s)});
  }
  // Regions of single ConvLSTM steps keep more than one region per direction's
  // tape, so at equal predicted time prefer fewer regions (stable order).
  std::stable_sort(out.begin(), out.end(),
                   [](const PlannedStep& a, const PlannedStep& b) { return a.predicted_time < b.predicted_time - 1e-9; });
  return out;
}

PlannedStep plan_for_budget(const QhRefConfig& c, const StepShape& s, int64_t budget, bool bf16) {
  if (budget <= 0) throw std::runtime_error("memory budget must be positive");
  int64_t smallest = -1;
  std::string smallest_plan;
  for (PlannedStep p : candidate_plans(c, s, bf16)) {
    p.predicted_peak = predict_step_peak(c, p.plan, s);
    if (p.predicted_peak <= budget) return p;
    if (smallest < 0 || p.predicted_peak < smallest) smallest = p.predicted_peak, smallest_plan = p.plan.str();
  }
  throw std::runtime_error("memory budget " + format_bytes(budget) + ": no recompute plan fits a training step of [" +
                           std::to_string(s.B) + ", " + std::to_string(s.H) + " x " + std::to_string(s.W) +
                           "]; the smallest is " + smallest_plan + " at a predicted " + format_bytes(smallest));
}

std::string describe(const PlannedStep& p) {
  char t[32];
  std::snprintf(t, sizeof t, "%.2f", p.predicted_time);
  return "recompute plan " + p.plan.str() + ", predicted peak " + format_bytes(p.predicted_peak) + ", ~" + t +
         "x the plain step's time";
}

int64_t parse_bytes(const std::string& text) {
  size_t i = 0;
  double v = 0;
  try {
    v = std::stod(text, &i);
  } catch (const std::exception&) {
    throw std::runtime_error("memory size '" + text + "' is not a number with a unit (4GiB, 512MiB, 2GB)");
  }
  std::string unit;
  for (; i < text.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(text[i]))) unit += char(std::toupper(static_cast<unsigned char>(text[i])));
  double mul = 0;
  const char* prefixes = "KMGT";
  if (unit.empty() || unit == "B") mul = 1;
  for (int k = 0; k < 4 && mul == 0; ++k) {
    const std::string p(1, prefixes[k]);
    if (unit == p || unit == p + "I" || unit == p + "IB") mul = std::pow(1024.0, k + 1);
    if (unit == p + "B") mul = std::pow(1000.0, k + 1);
  }
  if (mul == 0 || !(v > 0) || !std::isfinite(v))
    throw std::runtime_error("memory size '" + text + "' not understood (a positive number and B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)");
  return int64_t(std::llround(v * mul));
}

std::string format_bytes(int64_t bytes) {
  char buf[32];
  if (bytes >= (int64_t(1) << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / double(int64_t(1) << 30));
  else
    std::snprintf(buf, sizeof buf, "%.0f MiB", double(bytes) / double(1 << 20));
  return buf;
}

}  // namespace rf::nn

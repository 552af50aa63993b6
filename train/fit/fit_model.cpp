// One model's training loop (fit_model.h).
#include "train/fit/fit_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "autograd/tape.h"
#include "nn/memory_plan.h"
#include "nn/optim.h"
#include "nn/qh_ref.h"
#include "nn/train_step.h"
#include "train/config/run_device.h"
#include "train/fit/calibrate.h"
#include "train/fit/prior_fit.h"
#include "train/fit/samples.h"
#include "train/common/log.h"

namespace rf::pipe {
namespace {

constexpr int kEvalBatch = 32;

std::vector<int> indices_of(const std::vector<uint8_t>& use) {
  std::vector<int> out;
  for (size_t i = 0; i < use.size(); ++i)
    if (use[i]) out.push_back(int(i));
  return out;
}

// Masked MSE (in the model's output space) of the model in eval mode over fixed boxes; the
// sum runs in a fixed order in double, so it is reproducible.
double validation_loss(const nn::QhRef& model, const Prepared& p, const NormStats& ns, SourceSet set,
                       const PatchGeometry& g, const std::vector<Box>& boxes, const std::vector<uint8_t>& use) {
  NoGradGuard no_grad;
  const OutputSpace space = output_space(model.config());
  double se = 0, n = 0;
  for (size_t b0 = 0; b0 < boxes.size(); b0 += kEvalBatch) {
    const std::vector<Box> chunk(boxes.begin() + long(b0), boxes.begin() + long(std::min(boxes.size(), b0 + kEvalBatch)));
    Tensor target, mask;
    assemble_batch_target(p, use, g, chunk, target, mask, space, ns);
    const Tensor x = assemble_batch(p, ns, set, g, chunk, model.config()).to(model.device());
    const std::vector<float> y = model.forward(x, false).to_vector();
    const float* t = target.data();
    const float* m = mask.data();
    for (size_t i = 0; i < y.size(); ++i)
      if (m[i] > 0) {
        se += (double(y[i]) - t[i]) * (double(y[i]) - t[i]);
        n += 1;
      }
  }
  return n > 0 ? se / n : std::numeric_limits<double>::quiet_NaN();
}

void write_history(const std::string& dir, const std::vector<EpochRecord>& h) {
  std::ostringstream os;
  os << "epoch,train_loss,val_loss,seconds\n";
  char line[160];
  for (const EpochRecord& r : h) {
    std::snprintf(line, sizeof line, "%d,%.6g,%.6g,%.2f\n", r.epoch, r.train_loss, r.val_loss, r.seconds);
    os << line;
  }
  write_file_atomic(dir + "/history.csv", os.str());
}

}  // namespace

double scheduled_lr(const RunConfig& cfg, int max_epochs, int64_t step) {
  if (cfg.lr_schedule == "constant") return cfg.lr;
  const int64_t total = std::max<int64_t>(1, int64_t(max_epochs) * cfg.steps_per_epoch);
  const int64_t warm = std::max<int64_t>(1, total / 20);
  if (step < warm) return cfg.lr * double(step + 1) / double(warm);
  const double x = std::min(1.0, double(step - warm) / double(std::max<int64_t>(1, total - warm)));
  return cfg.lr * 0.5 * (1.0 + std::cos(M_PI * x));
}

size_t validation_sample_count(const RunConfig& cfg) {
  return size_t(std::min<int64_t>(256, std::max<int64_t>(64, int64_t(cfg.steps_per_epoch) * cfg.batch)));
}

std::string checkpoint_path(const std::string& dir) { return dir + "/checkpoint/state.bin"; }

bool fit_finished(const TrainState& st, const FitJob& job, int patience) {
  return st.epochs_done >= job.max_epochs || (!job.val_use.empty() && st.bad_epochs >= patience);
}

TrainState fit_model(const RunConfig& cfg, const Prepared& p, const FitJob& job, bool resume) {
  namespace fs = std::filesystem;
  fs::create_directories(job.dir + "/checkpoint");
  remove_stale_temps(job.dir);
  remove_stale_temps(job.dir + "/checkpoint");
  const bool validate = !job.val_use.empty();

  NormStats ns = compute_norm_stats(p, indices_of(job.train_use), job.set);
  if (cfg.prior == "mlp" && nn::QhRefConfig::by_name(cfg.model).residual_channel >= 0) {
    // The residual's prior, fitted on the same training stations (every day
    // with a valid gauge: it also learns what a missing source means).
    const auto t0 = std::chrono::steady_clock::now();
    const PriorRows rows = prior_rows(p, job.set, job.train_use, false);
    PriorFitReport rep;
    ns.prior_mlp = fit_prior_mlp(rows, derive_seed(job.seed, 6), &rep);
    log("%s: prior MLP on %zu station-days, %d epochs (held-out MSE %.4f in log1p), %.1f s", job.label.c_str(),
        rows.size(), rep.epochs, rep.held_out_mse,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  {
    const std::string tmp = job.dir + "/norm.txt.tmp";
    ns.save(tmp);
    commit_file(tmp, job.dir + "/norm.txt");
  }
  const std::vector<Sample> samples = gauge_samples(p, job.set, job.train_use);
  if (samples.empty())
    throw std::runtime_error(job.dir + ": no training samples (no valid gauge on a day where " +
                             source_set_name(job.set) + " is available)");
  const PatchGeometry g(p, cfg.patch);
  std::vector<Box> val_boxes;
  if (validate) {
    for (const Sample& s : subsample(gauge_samples(p, job.set, job.val_use), validation_sample_count(cfg),
                                     derive_seed(job.seed, 4))) {
      const Station& st = p.stations[size_t(s.station)];
      val_boxes.push_back(g.centred_box(s.day, st.row, st.col));
    }
    if (val_boxes.empty()) throw std::runtime_error(job.dir + ": the validation fold has no valid gauge sample");
  }

  const Device device = resolve_device(cfg.device);
  nn::QhRef model(nn::QhRefConfig::by_name(cfg.model), device);
  model.init(derive_seed(job.seed, 1));
  const OutputSpace space = output_space(model.config());
  if (model.config().residual_channel >= 0) {
    // A residual model starts near its prior: head.fc2's bias at zero, its
    // weights at their default (small, random) init, so the layers below fc2
    // get a gradient from the first step (zero weights would start it exactly
    // at the prior and scale every lower gradient by them). On the demo twin
    // neither start made the learned correction large (docs/model.md).
    Tensor b = model.parameter("head.fc2.bias");
    b.copy_from(Tensor::zeros(b.shape()));
  } else {
    // Start the output at the training gauges' mean log1p(mm): the head then learns
    // corrections instead of spending the first (and, on a CPU budget, scarce)
    // steps on the climatological offset.
    double sum = 0;
    for (const Sample& s : samples) sum += std::log1p(double(p.gauge(size_t(s.station), size_t(s.day))));
    Tensor bias = model.parameter("head.fc2.bias");
    bias.copy_from(Tensor::full(bias.shape(), float(sum / double(samples.size()))));
  }
  const bool bf16 = cfg.activation_storage == "bf16";
  if (!cfg.memory_budget.empty()) {
    // The fastest recompute plan whose predicted step peak fits (measured on
    // small grids, nn/memory_plan.h); every fp32 plan gives the same gradients.
    const nn::StepShape shape{cfg.batch, cfg.patch, cfg.patch, cfg.loss_pixels == "anchor"};
    const nn::PlannedStep plan =
        nn::plan_for_budget(model.config(), shape, nn::parse_bytes(cfg.memory_budget), bf16);
    model.set_recompute_plan(plan.plan);
    log("%s: memory budget %s: %s", job.label.c_str(), cfg.memory_budget.c_str(), nn::describe(plan).c_str());
  } else {
    model.set_recompute(cfg.recompute);
    nn::RecomputePlan plan = model.recompute_plan();
    plan.bf16 = bf16;
    model.set_recompute_plan(plan);
  }
  kernels::AdamParams hyper;
  hyper.lr = float(cfg.lr);
  hyper.weight_decay = float(cfg.weight_decay);
  nn::Adam opt(model.parameters(), hyper);

  TrainState st;
  st.sample_rng = derive_seed(job.seed, 2);
  st.dropout_seed = derive_seed(job.seed, 3);
  st.best_val = std::numeric_limits<double>::infinity();
  const std::string ckpt = checkpoint_path(job.dir);
  if (resume && fs::exists(ckpt)) {
    st = load_checkpoint(ckpt, model, opt);
    if (st.epochs_done > 0) log("%s: resumed after epoch %d", job.label.c_str(), st.epochs_done);
  }

  Rng rng(st.sample_rng);
  while (!fit_finished(st, job, cfg.patience)) {
    const int epoch = st.epochs_done + 1;
    const auto t0 = std::chrono::steady_clock::now();
    rng_state() = RngState{st.dropout_seed, st.dropout_offset};
    double loss_sum = 0;
    {
      Progress bar(job.label + " epoch " + std::to_string(epoch), int64_t(cfg.steps_per_epoch) * cfg.batch, "samples");
      for (int step = 0; step < cfg.steps_per_epoch; ++step) {
        opt.hyper().lr = float(scheduled_lr(cfg, job.max_epochs, opt.steps()));
        std::vector<Box> boxes;
        std::vector<int64_t> anchor_row, anchor_col;
        for (int b = 0; b < cfg.batch; ++b) {
          const Sample& s = samples[size_t(rng.below(int64_t(samples.size())))];
          const Station& stn = p.stations[size_t(s.station)];
          anchor_row.push_back(stn.row);
          anchor_col.push_back(stn.col);
          boxes.push_back(cfg.sampling == "centred" ? g.gauge_box(s.day, stn.row, stn.col, rng)
                                                    : g.random_box(s.day, stn.row, stn.col, rng));
        }
        Tensor target, mask;
        assemble_batch_target(p, job.train_use, g, boxes, target, mask, space, ns);
        const Tensor x = assemble_batch(p, ns, job.set, g, boxes, model.config()).to(device);
        float loss;
        try {
          if (cfg.loss_pixels == "anchor") {
            // The sampled station's pixel of each patch (target and mask read there).
            nn::QhRef::Anchors at;
            for (size_t b = 0; b < boxes.size(); ++b) at.push_back({anchor_row[b] - boxes[b].r0, anchor_col[b] - boxes[b].c0});
            Tensor t1, m1;
            anchor_values(target, mask, g, at, t1, m1);
            loss = nn::train_step(model, opt, x, at, t1.to(device), m1.to(device), true);
          } else {
            loss = nn::train_step(model, opt, x, target.to(device), mask.to(device), true);
          }
        } catch (const NonFiniteError& e) {
          throw std::runtime_error(job.dir + ": epoch " + std::to_string(epoch) + ", step " + std::to_string(step + 1) +
                                   ": " + e.what());
        }
        loss_sum += loss;
        bar.tick(cfg.batch);
      }
      bar.done();
    }
    EpochRecord rec;
    rec.epoch = epoch;
    rec.train_loss = loss_sum / cfg.steps_per_epoch;
    rec.val_loss = validate ? validation_loss(model, p, ns, job.set, g, val_boxes, job.val_use)
                            : std::numeric_limits<double>::quiet_NaN();
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    st.epochs_done = epoch;
    st.adam_steps = opt.steps();
    st.sample_rng = rng.state;
    st.dropout_offset = rng_state().offset;
    st.history.push_back(rec);
    // Without validation the last epoch is the model; with it, the best one.
    if (!validate || rec.val_loss < st.best_val) {
      st.best_val = validate ? rec.val_loss : rec.train_loss;
      st.best_epoch = epoch;
      st.bad_epochs = 0;
      save_model_atomic(model, job.dir + "/best.safetensors");
    } else {
      ++st.bad_epochs;
    }
    save_checkpoint(ckpt, st, model, opt);
    write_history(job.dir, st.history);
    log("%s epoch %d/%d: train loss %.4f, val loss %.4f%s, %.1f s, %.1f samples/s", job.label.c_str(), epoch,
        job.max_epochs, rec.train_loss, rec.val_loss, st.best_epoch == epoch && validate ? " (best)" : "", rec.seconds,
        rec.seconds > 0 ? cfg.steps_per_epoch * cfg.batch / rec.seconds : 0.0);
  }
  write_history(job.dir, st.history);  // also after a resume that found nothing left to train
  if (cfg.calibrate) {
    // On the model that is kept (best.safetensors), deterministic: a resume gives the same file.
    NormStats cal = ns;
    model.load(job.dir + "/best.safetensors");
    calibrate_output(cfg, p, model, cal, job.set, job.train_use, derive_seed(job.seed, 5));
    log("%s: calibration: predictions below %.3f mm/day -> 0, gain %.3f", job.label.c_str(), cal.wet_threshold,
        cal.output_gain);
    const std::string tmp = job.dir + "/norm.txt.tmp";
    cal.save(tmp);
    commit_file(tmp, job.dir + "/norm.txt");
  }
  return st;
}

}  // namespace rf::pipe

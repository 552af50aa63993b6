// rainfuse model init | forward | grad: the interop commands (safetensors
// weights, .npy arrays) that users and external checks rely on.
#include <cstdio>
#include <string>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "nn/memory_plan.h"
#include "nn/npy.h"
#include "nn/qh_ref.h"
#include "nn/safetensors.h"
#include "nn/train_step.h"
#include "train/cli/args.h"
#include "train/cli/commands.h"

namespace rf::cli {
namespace {

const char* kUsage =
    "usage: rainfuse model <init|forward|grad> [options]\n"
    "  init    --config qh-ref --seed N --output W.safetensors\n"
    "  forward --weights W.safetensors --input X.npy --output Y.npy\n"
    "  grad    --weights W.safetensors --input X.npy --target T.npy --output G.safetensors\n"
    "          [--memory-budget 4GiB [--activation-storage bf16] | --recompute PLAN]\n"
    "rainfuse model <sub> --help for details.\n";

const char* kInitHelp =
    "usage: rainfuse model init --config qh-ref --seed N --output W.safetensors\n"
    "Writes freshly initialised weights (PyTorch default init, reproducible from N)\n"
    "with the config's parameter names and shapes.\n";

const char* kForwardHelp =
    "usage: rainfuse model forward --weights W.safetensors --input X.npy --output Y.npy\n"
    "Eval mode (no dropout). X: float32 [B, 8, 7, H, W] (z-scored channels, centre day t=3);\n"
    "Y: float32 [B, 1, H, W] in log1p(mm/day). H, W not multiples of 8 are zero-padded at the\n"
    "bottom/right and cropped back. Large grids run as exact tiles with a 16 px halo.\n";

const char* kGradHelp =
    "usage: rainfuse model grad --weights W.safetensors --input X.npy --target T.npy --output G.safetensors\n"
    "                           [--memory-budget 4GiB [--activation-storage bf16] | --recompute PLAN]\n"
    "Dropout off; loss = mean over all pixels of (Y - T)^2 with T float32 [B, 1, H, W].\n"
    "G holds d loss / d p for every parameter p under p's own name, and 'loss' ([1]).\n"
    "--memory-budget: the fastest recompute plan whose predicted peak fits is used (printed on\n"
    "stderr; an error if none fits). --recompute: a plan by name (none, layers, layers+steps1,\n"
    "bands64, bands64+layers, ...). Every plan gives the same gradients (docs/memory.md), but for\n"
    "those ending +bf16 (\"bf16\", \"bands64+bf16\"): saved activations in bf16, about half the\n"
    "memory, gradients within ~0.5 %. --activation-storage bf16 lets --memory-budget pick those.\n";

nn::QhRef load_model(const std::string& weights) {
  nn::QhRef model;
  model.load(weights);
  return model;
}

Tensor load_input(const std::string& path, const nn::QhRef& model) {
  Tensor x = nn::load_npy(path);
  const auto& c = model.config();
  if (x.dim() != 5 || x.size(1) != c.in_channels || x.size(2) != c.time_steps || x.size(0) < 1 || x.size(3) < 1 ||
      x.size(4) < 1)
    throw std::runtime_error(path + ": input has shape " + x.shape().str() + ", expected [B, " +
                             std::to_string(c.in_channels) + ", " + std::to_string(c.time_steps) + ", H, W]");
  return x;
}

int run_init(const Argv& argv) {
  Args a(argv, {"config", "seed", "output"});
  if (a.help()) return std::fputs(kInitHelp, stdout), 0;
  const long seed = a.get_int("seed", -1);
  if (seed < 0) throw UsageError("--seed N (N >= 0) is required");
  nn::QhRef model(nn::QhRefConfig::by_name(a.required("config")));
  model.init(uint64_t(seed));
  model.save(a.required("output"));
  return 0;
}

int run_forward(const Argv& argv) {
  Args a(argv, {"weights", "input", "output"});
  if (a.help()) return std::fputs(kForwardHelp, stdout), 0;
  const std::string weights = a.required("weights"), input = a.required("input"), output = a.required("output");
  nn::QhRef model = load_model(weights);
  Tensor x = load_input(input, model);
  Tensor y = model.forward_tiled(x);  // exact; equal to forward(x, false), in one tile's memory
  nn::save_npy(output, y);
  return 0;
}

int run_grad(const Argv& argv) {
  Args a(argv, {"weights", "input", "target", "output", "memory-budget", "recompute", "activation-storage"});
  if (a.help()) return std::fputs(kGradHelp, stdout), 0;
  const std::string weights = a.required("weights"), input = a.required("input"), target = a.required("target"),
                    output = a.required("output");
  nn::QhRef model = load_model(weights);
  Tensor x = load_input(input, model);
  Tensor t = nn::load_npy(target);
  const Shape want{x.size(0), 1, x.size(3), x.size(4)};
  if (t.shape() != want)
    throw std::runtime_error(target + ": target has shape " + t.shape().str() + ", expected " + want.str());
  const std::string budget = a.get_or("memory-budget", ""), plan_text = a.get_or("recompute", "");
  if (!budget.empty() && !plan_text.empty()) throw UsageError("--memory-budget and --recompute exclude each other");
  const std::string storage = a.get_or("activation-storage", "fp32");
  if (storage != "fp32" && storage != "bf16") throw UsageError("--activation-storage: fp32 or bf16, not '" + storage + "'");
  if (storage == "bf16" && budget.empty()) throw UsageError("--activation-storage goes with --memory-budget (else write PLAN+bf16)");
  if (!plan_text.empty()) model.set_recompute_plan(nn::RecomputePlan::parse(plan_text));
  if (!budget.empty()) {
    const nn::PlannedStep p =
        nn::plan_for_budget(model.config(), {x.size(0), x.size(3), x.size(4), false}, nn::parse_bytes(budget),
                            storage == "bf16");
    model.set_recompute_plan(p.plan);
    std::fprintf(stderr, "memory budget %s: %s\n", budget.c_str(), nn::describe(p).c_str());
  }
  const float loss = nn::loss_backward(model, x, t, Tensor(), /*training=*/false);
  std::vector<NamedTensor> out;
  for (auto& p : model.named_parameters()) {
    Tensor g = p.tensor.grad();
    out.push_back({p.name, g.defined() ? g : Tensor::zeros(p.tensor.shape())});
  }
  out.push_back({"loss", Tensor::full(Shape{1}, loss)});
  nn::save_safetensors(output, out);
  return 0;
}

}  // namespace

int cmd_model(const Argv& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string sub = args[0];
  const Argv rest(args.begin() + 1, args.end());
  if (sub == "init") return run_init(rest);
  if (sub == "forward") return run_forward(rest);
  if (sub == "grad") return run_grad(rest);
  throw UsageError("unknown subcommand '" + sub + "' (init, forward, grad)");
}

}  // namespace rf::cli

// --config/--out/--start/--end/--set of every pipeline command (config_args.h).
#include "train/config/config_args.h"

#include <filesystem>
#include <stdexcept>

namespace rf::pipe {

std::vector<std::string> pipeline_flags() { return {"config", "out", "start", "end", "set"}; }

namespace {

// An override from a named flag: its errors name the flag, not --set.
void apply_flag(RunConfig& cfg, const std::string& flag, const std::string& kv) {
  try {
    apply_override(cfg, kv);
  } catch (const std::runtime_error& e) {
    std::string m = e.what();
    if (m.rfind("--set", 0) == 0) m.replace(0, 5, "--" + flag);
    throw std::runtime_error(m);
  }
}

}  // namespace

RunConfig run_config_from_args(const cli::Args& a) {
  RunConfig cfg;
  if (auto path = a.get("config")) cfg = load_run_config_unchecked(*path);
  else if (std::filesystem::exists("rainfuse.toml")) cfg = load_run_config_unchecked("rainfuse.toml");
  if (auto out = a.get("out")) apply_flag(cfg, "out", "run.out_dir=" + *out);
  if (auto s = a.get("start")) apply_flag(cfg, "start", "period.start=" + *s);
  if (auto e = a.get("end")) apply_flag(cfg, "end", "period.end=" + *e);
  for (const auto& kv : a.all("set")) apply_override(cfg, kv);
  try {
    validate_run_config(cfg);
  } catch (const std::runtime_error& e) {
    if (!cfg.config_path.empty()) throw;
    throw std::runtime_error(std::string(e.what()) +
                             " (no --config FILE and no ./rainfuse.toml; `rainfuse config --example` prints one)");
  }
  return cfg;
}

}  // namespace rf::pipe

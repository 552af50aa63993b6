// The TOML run configuration (train/config/run_config.h): the file, then each
// `--set KEY=VALUE` override, the cross-key checks, the canonical TOML and the
// prepare fingerprint. Input: the TOML text, then NUL-separated overrides.
// The canonical TOML of a file without overrides must load back to itself
// (run_config_toml's promise) and stay loadable; a difference aborts, a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "tests/fuzz/fuzz_input.h"
#include "train/config/run_config.h"

using namespace rf::pipe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = rf::fuzz::nul_parts(data, size, 9);
  RunConfig c;
  try {
    c = load_run_config_unchecked(rf::fuzz::scratch_file("run.toml", parts[0]));
  } catch (const std::exception&) {
    return 0;
  }
  for (size_t i = 1; i < parts.size(); ++i) try {
      apply_override(c, parts[i]);
    } catch (const std::exception&) {
    }
  if (parts.size() == 1) {
    // Reloading resolves the defaults' relative paths (out_dir) against the
    // file's folder once; from then on the text must be a fixed point.
    auto reload = [](const std::string& toml) {
      try {
        return run_config_toml(load_run_config_unchecked(rf::fuzz::scratch_file("canonical.toml", toml)));
      } catch (const std::exception& e) {
        return std::string("error: ") + e.what();
      }
    };
    const std::string once = reload(run_config_toml(c)), twice = reload(once);
    if (once.rfind("error: ", 0) == 0 || once != twice) {
      std::fprintf(stderr, "canonical TOML does not load back to itself:\n%s\n---- reloaded:\n%s\n", once.c_str(), twice.c_str());
      std::abort();
    }
  } else {
    run_config_toml(c);
  }
  try {
    validate_run_config(c);
    prepare_fingerprint(c);
  } catch (const std::exception&) {
  }
  return 0;
}

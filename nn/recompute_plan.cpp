#include "nn/recompute_plan.h"

#include <stdexcept>

namespace rf::nn {

std::string RecomputePlan::str() const {
  std::string s;
  if (band_rows > 0) s = "bands" + std::to_string(band_rows);
  std::string r;
  if (regions == Regions::layers) r = lstm_steps > 0 ? "layers+steps" + std::to_string(lstm_steps) : "layers";
  if (regions == Regions::sequence) r = "sequence/" + std::to_string(batch_chunk);
  std::string out = s.empty() ? r : r.empty() ? s : s + "+" + r;
  if (bf16) return out.empty() ? "bf16" : out + "+bf16";
  return out.empty() ? "none" : out;
}

namespace {
int positive_int(const std::string& digits, const std::string& text) {
  size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(digits, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != digits.size() || v <= 0 || digits.empty())
    throw std::runtime_error("recompute plan '" + text + "': '" + digits + "' is not a positive integer");
  return v;
}
bool starts(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
}  // namespace

RecomputePlan RecomputePlan::parse(const std::string& text) {
  RecomputePlan p;
  if (text == "none") return p;
  if (text.empty()) throw std::runtime_error("recompute plan '': empty (none, layers, bands64, ...)");
  std::string rest = text;
  const std::string storage = "bf16";
  if (rest == storage) rest.clear(), p.bf16 = true;
  if (rest.size() > storage.size() + 1 && rest.compare(rest.size() - storage.size() - 1, std::string::npos, "+" + storage) == 0)
    rest.resize(rest.size() - storage.size() - 1), p.bf16 = true;
  if (starts(rest, "bands")) {
    const size_t plus = rest.find('+');
    p.band_rows = positive_int(rest.substr(5, plus == std::string::npos ? std::string::npos : plus - 5), text);
    rest = plus == std::string::npos ? "" : rest.substr(plus + 1);
  }
  if (rest.empty()) return p;
  if (rest == "layers") {
    p.regions = Regions::layers;
  } else if (starts(rest, "layers+steps")) {
    p.regions = Regions::layers;
    p.lstm_steps = positive_int(rest.substr(12), text);
  } else if (starts(rest, "sequence/")) {
    p.regions = Regions::sequence;
    p.batch_chunk = positive_int(rest.substr(9), text);
  } else {
    throw std::runtime_error("recompute plan '" + text +
                             "' not understood (none, layers, layers+stepsK, sequence/N, bandsR, bandsR+layers, ..., "
                             "each optionally +bf16)");
  }
  return p;
}

}  // namespace rf::nn

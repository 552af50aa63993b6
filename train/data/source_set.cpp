// Source sets: which of the five input channels a model is trained with.
#include <stdexcept>

#include "train/data/model_input.h"

namespace rf::pipe {

SourceSet parse_source_set(const std::vector<std::string>& names) {
  SourceSet s = 0;
  for (const auto& n : names) s |= SourceSet(1) << source_index(n);
  if (!s) throw std::runtime_error("a source set must name at least one source");
  return s;
}

std::string source_set_name(SourceSet s) {
  std::string out;
  for (int k = 0; k < 5; ++k)
    if (s >> k & 1) {
      if (!out.empty()) out += '+';
      out += kSourceNames[k];
    }
  return out;
}

bool set_available(const Prepared& p, SourceSet s, int day) {
  if (day < 0 || size_t(day) >= p.days.size()) return false;
  for (int k = 0; k < 5; ++k)
    if (s >> k & 1) {
      const SourceData& sd = p.sources[k];
      if (!sd.configured || !sd.available[size_t(day)]) return false;
    }
  return true;
}

}  // namespace rf::pipe

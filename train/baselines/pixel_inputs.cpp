#include "train/baselines/pixel_inputs.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace rf::pipe {

bool source_counts(const Prepared& p, int source, int day) {
  const SourceData& s = p.sources[source];
  return s.configured && size_t(day) < s.available.size() && s.available[size_t(day)];
}

void gather_sources(const Prepared& p, int day, const int64_t* pixels, size_t n, float* values) {
  const int64_t nx = p.nx();
  for (int k = 0; k < 5; ++k) {
    float* out = values + size_t(k) * n;
    if (!source_counts(p, k, day)) {
      for (size_t i = 0; i < n; ++i) out[i] = NAN;
      continue;
    }
    for (size_t i = 0; i < n;) {
      const int64_t r = pixels[i] / nx, c0 = pixels[i] % nx;
      size_t j = i + 1;
      while (j < n && pixels[j] == pixels[j - 1] + 1 && pixels[j] / nx == r) ++j;
      p.sources[k].row(size_t(day), r, c0, int64_t(j - i), out + i);
      i = j;
    }
  }
}

void source_mean(const float* values, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) {
    float sum = 0;
    int count = 0;
    for (int k = 0; k < 5; ++k) {
      const float v = values[size_t(k) * n + i];
      if (std::isfinite(v)) sum += v, ++count;
    }
    out[i] = count ? sum / float(count) : NAN;
  }
}

void check_request(const char* baseline, const Prepared& p, int day, const int64_t* pixels, size_t n) {
  if (day < 0 || size_t(day) >= p.days.size())
    throw std::runtime_error(std::string("baseline ") + baseline + ": day index " + std::to_string(day) +
                             " outside the prepared period (" + std::to_string(p.days.size()) + " days)");
  const int64_t size = p.ny() * p.nx();
  for (size_t i = 0; i < n; ++i)
    if (pixels[i] < 0 || pixels[i] >= size)
      throw std::runtime_error(std::string("baseline ") + baseline + ": pixel " + std::to_string(pixels[i]) +
                               " outside the working grid (" + std::to_string(size) + " pixels)");
}

void check_stations(const char* baseline, const Prepared& p, size_t use_size) {
  if (use_size != p.stations.size())
    throw std::runtime_error(std::string("baseline ") + baseline + ": station mask has " + std::to_string(use_size) +
                             " entries for " + std::to_string(p.stations.size()) + " stations");
}

}  // namespace rf::pipe

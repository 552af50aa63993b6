// Shared by the qh-ref model benchmarks (ours and the LibTorch twin, built as
// separate executables so that each process's peak RSS is its own):
// the benchmark shapes of qh-ref (docs/performance.md), their FLOP counts,
// and the process's peak resident memory.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace rf::bench {

struct ModelCase {
  const char* name;
  int64_t B, H, W;
};
inline constexpr ModelCase kPatch{"patch", 16, 32, 32};
inline constexpr ModelCase kTile{"tile", 1, 256, 256};
inline constexpr ModelCase kProvince{"province", 1, 856, 1392};
inline constexpr int64_t kChannels = 8, kTimeSteps = 7;

// Spec: forward ~1.78 MFLOP per pixel (conv1 96,768 + conv2 387,072 +
// attention ~115,000 + ConvLSTM 1,179,648 + head ~4,200; a multiply-add = 2);
// a training step (forward + backward, backward ~2x forward) ~3x forward.
inline constexpr double kForwardFlopPerPixel = 1.78e6;
inline double forward_flop(const ModelCase& c) { return kForwardFlopPerPixel * double(c.B * c.H * c.W); }
inline double step_flop(const ModelCase& c) { return 3.0 * forward_flop(c); }

// A line of /proc/self/status in MiB: "VmHWM:" (peak resident set size of
// this process) or "VmRSS:" (current).
inline double status_mib(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kib = -1;
  const size_t n = std::strlen(key);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, key, n) == 0) kib = std::strtod(line + n, nullptr);
  std::fclose(f);
  return kib / 1024.0;
}
inline double peak_rss_mib() { return status_mib("VmHWM:"); }
// The resident set before the measured loop (libraries, model, input): the
// step's own memory is the peak less this (`rss_step_MiB`, comparable between
// implementations with and without a counting allocator).
inline void set_rss_base(benchmark::State& st) { st.counters["rss_base_MiB"] = status_mib("VmRSS:"); }

// Counters every model benchmark reports: FLOP per iteration (`flop`, for the
// table), achieved FLOP/s, the process peak RSS and, for ours, the counting
// allocator's peak (pass a negative value when there is none).
inline void set_model_counters(benchmark::State& st, double flop, double alloc_peak_mib) {
  st.counters["flop"] = flop;
  st.counters["FLOPS"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["rss_peak_MiB"] = peak_rss_mib();
  if (st.counters.count("rss_base_MiB")) st.counters["rss_step_MiB"] = peak_rss_mib() - st.counters["rss_base_MiB"];
  if (alloc_peak_mib >= 0) st.counters["alloc_peak_MiB"] = alloc_peak_mib;
}

}  // namespace rf::bench

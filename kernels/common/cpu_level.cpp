#include "kernels/common/cpu_level.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace rf::kernels {
namespace {

// -1 until the first cpu_level() call.
std::atomic<int> g_level{-1};
std::once_flag g_once;
std::string g_source = "auto";

bool x86_has(CpuLevel l) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (l) {
    case CpuLevel::generic: return true;
    case CpuLevel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("bmi2");
    case CpuLevel::avx512:
      return x86_has(CpuLevel::avx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512cd");
  }
  return false;
#else
  return l == CpuLevel::generic;  // other architectures: the baseline copy only
#endif
}

void require(CpuLevel l, const std::string& source) {
  if (!cpu_level_supported(l))
    throw std::runtime_error(source + " asks for CPU level " + cpu_level_name(l) + ", which this CPU lacks (best: " +
                             cpu_level_name(cpu_level_best()) + ")");
}

void init() {
  const char* env = std::getenv("RAINFUSE_CPU_ISA");
  const std::string want = env ? env : "";
  CpuLevel l = cpu_level_best();
  if (!want.empty() && want != "auto") {
    g_source = "RAINFUSE_CPU_ISA=" + want;
    try {
      l = parse_cpu_level(want);
    } catch (const std::invalid_argument&) {
      throw std::runtime_error("RAINFUSE_CPU_ISA=" + want + ": expected auto, avx512, avx2 or generic");
    }
    require(l, g_source);
  }
  g_level.store(int(l), std::memory_order_relaxed);
}

}  // namespace

const char* cpu_level_name(CpuLevel l) {
  switch (l) {
    case CpuLevel::generic: return "generic";
    case CpuLevel::avx2: return "avx2";
    case CpuLevel::avx512: return "avx512";
  }
  return "?";
}

CpuLevel parse_cpu_level(const std::string& name) {
  for (CpuLevel l : kCpuLevels)
    if (name == cpu_level_name(l)) return l;
  throw std::invalid_argument("unknown CPU level '" + name + "' (expected avx512, avx2 or generic)");
}

bool cpu_level_supported(CpuLevel l) { return x86_has(l); }

CpuLevel cpu_level_best() {
  CpuLevel best = CpuLevel::generic;
  for (CpuLevel l : kCpuLevels)
    if (cpu_level_supported(l)) best = l;
  return best;
}

CpuLevel cpu_level() {
  int l = g_level.load(std::memory_order_relaxed);
  if (l < 0) {
    std::call_once(g_once, init);  // a throw leaves the flag unset: the next call throws again
    l = g_level.load(std::memory_order_relaxed);
  }
  return CpuLevel(l);
}

void set_cpu_level(CpuLevel l) {
  require(l, std::string("set_cpu_level(") + cpu_level_name(l) + ")");
  g_level.store(int(l), std::memory_order_relaxed);
  g_source = "forced";
}

std::string cpu_level_report() {
  const CpuLevel l = cpu_level();
  std::string s = std::string(cpu_level_name(l)) + " (" + g_source + "; this CPU has";
  const char* sep = " ";
  for (int i = 2; i >= 0; --i)
    if (cpu_level_supported(CpuLevel(i))) s += sep, s += cpu_level_name(CpuLevel(i)), sep = ", ";
  return s + ")";
}

}  // namespace rf::kernels

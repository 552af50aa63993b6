// CPU instruction-set levels of the hot CPU kernels. Each hot kernel source is
// compiled once per level (kernels/CMakeLists.txt, cpu_dispatch.h) into one
// binary that targets baseline x86-64; the level is picked once at start-up
// from CPUID, or forced with RAINFUSE_CPU_ISA=auto|avx512|avx2|generic.
//   generic: the build's baseline (SSE2 on x86-64, NEON on aarch64)
//   avx2   : AVX2 + FMA + BMI1/2 + F16C (x86-64-v3 without -march)
//   avx512 : avx2 + AVX-512 F/BW/CD/DQ/VL (x86-64-v4 without -march)
#pragma once
#include <string>

namespace rf::kernels {

enum class CpuLevel { generic = 0, avx2 = 1, avx512 = 2 };
constexpr CpuLevel kCpuLevels[] = {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512};

const char* cpu_level_name(CpuLevel l);
// Parses "generic" | "avx2" | "avx512"; throws std::invalid_argument otherwise.
CpuLevel parse_cpu_level(const std::string& name);
// Whether this CPU (and OS) runs the level and this binary holds it.
bool cpu_level_supported(CpuLevel l);
CpuLevel cpu_level_best();
// The level in use. First call: RAINFUSE_CPU_ISA (unset or "auto": the best
// supported); a level the CPU lacks or an unknown name throws
// std::runtime_error with a one-line message.
CpuLevel cpu_level();
// Switches the level for the rest of the process (tests, benchmarks); throws
// like cpu_level() for an unsupported level.
void set_cpu_level(CpuLevel l);
// "avx2 (RAINFUSE_CPU_ISA=avx2; this CPU has avx512, avx2, generic)"
std::string cpu_level_report();

}  // namespace rf::kernels

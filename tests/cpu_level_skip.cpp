// A global test environment that skips every test of the executable when
// RAINFUSE_CPU_ISA names a CPU level this machine lacks (an AVX2-only CI
// machine runs the @avx512 registrations of rf_test(... LEVELS) as skips).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kernels/common/cpu_level.h"

namespace {

class CpuLevelEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* want = std::getenv("RAINFUSE_CPU_ISA");
    if (!want || std::string(want).empty() || std::string(want) == "auto") return;
    const rf::kernels::CpuLevel l = rf::kernels::parse_cpu_level(want);
    if (!rf::kernels::cpu_level_supported(l)) GTEST_SKIP() << "this CPU lacks level " << want;
  }
};

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new CpuLevelEnvironment);

}  // namespace

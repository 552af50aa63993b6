// Helpers for sim tests: the comparison helpers plus a race check that runs a
// computation under two thread orders.
#pragma once
#include <functional>

#include "kernels/sim/sim.h"
#include "tests/sim/compare.h"

namespace rf::simtest {

// Runs `run` (which launches kernels and returns their outputs) under two
// different thread orders; a difference is a race. Returns the first result.
inline std::vector<float> race_checked(const std::function<std::vector<float>()>& run) {
  sim::set_seed(0x5eed0001u);
  std::vector<float> a = run();
  sim::set_seed(0xbadc0ffee0ddf00du);
  std::vector<float> b = run();
  sim::set_seed(0);
  EXPECT_TRUE(same_bits(a, b)) << "race: the result depends on the order of the threads";
  return a;
}

}  // namespace rf::simtest

// Flat binary products through their GrADS descriptor: reads the window rows
// (plus halo) of one variable of every time step one file holds, decompressing
// only up to the last needed byte.
#pragma once
#include <string>

#include "io/grads/ctl.h"
#include "io/grid.h"
#include "io/readers/step.h"

namespace rf::io {

struct GradsReadSpec {
  std::string var;         // "" = the first variable of VARS
  bool rate_per_hour = true;  // values are mm/hr (true) or mm per step (false)
};

// Missing: UNDEF, any negative value (GSMaP -4/-8/-99 codes, CMORPH -999) and
// NaN. Byte order is the descriptor's; values that are insane in that order
// (|v| > 1e4 mm/hr, Inf, subnormal) are an error that says whether the other
// byte order would look sane, never a silent guess.
FileSteps read_grads_file(const GradsCtl& ctl, const std::string& path, const GradsReadSpec& spec, const Region& region,
                          int halo);

}  // namespace rf::io

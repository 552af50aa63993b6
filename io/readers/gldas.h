// Which 3 hours a GLDAS _tavg mean covers. The provider (README, and each
// file's global attribute `tavg_definision` - GLDAS's own spelling; also read
// as `tavg_definition`) calls _tavg the PAST 3-hour average, so the stamp would
// end the mean; the CF metadata GES DISC adds (time_bnds, begin_date/
// begin_time) may put the mean AFTER the stamp. Each file's statements are
// weighed here; the reader reports the rule that decided (`stamp_rule`).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "io/dates.h"

namespace rf::io {

// How a GLDAS stamp relates to its mean when the user settles it (--stamp, or
// `stamp` of a GLDAS source): Unsettled = the file's own statements decide.
enum class StampConvention { Unsettled, Start, End };

// What a file says about one time step.
struct GldasStatements {
  UnixSeconds stamp = 0;                                         // the time coordinate
  std::optional<std::pair<UnixSeconds, UnixSeconds>> bounds;     // time_bnds as stored
  std::optional<UnixSeconds> begin;                              // begin_date + begin_time
  std::string tavg_definition;                                   // "" when absent
  std::string tavg_attribute = "tavg_definision";                // the attribute's name as spelt in the file
};

struct GldasInterval {
  UnixSeconds start = 0;
  int32_t seconds = 0;
  std::string rule;  // one line: the statement or setting that decided (no times in it)
};

// Rules, in order: an upper bound one second short of a whole hour is
// inclusive and rounded up to it; time_bnds and begin_time must agree with
// each other; a user setting decides over the file (the rule says what it
// overrode); otherwise the file's statements decide and must not contradict
// each other (contradiction or silence: error asking for the setting).
// Throws std::runtime_error with the problem (the caller names the file).
GldasInterval gldas_interval(const GldasStatements& s, StampConvention setting);

// GLDAS-2.2 by its file name (".022." version field or a _DA1_ data-assimilation product).
bool gldas22_name(const std::string& basename);

}  // namespace rf::io

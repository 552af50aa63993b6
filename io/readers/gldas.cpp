// GLDAS-2.0/2.1 3-hourly Rainf_f_tavg (kg m-2 s-1 = mm/s, the forcing's total
// precipitation) and the rule that places each 3-hour mean (gldas.h).
#include "io/readers/gldas.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "io/readers/cf_time.h"
#include "io/readers/nc_field.h"
#include "io/readers/products.h"

namespace rf::io {
namespace {

constexpr int32_t kThreeHours = 3 * 3600;

const char* side(StampConvention c) { return c == StampConvention::Start ? "start" : "end"; }

// "past 3-hour average" -> End, "following 3-hour average" -> Start.
StampConvention definition_side(const std::string& text) {
  std::string s;
  for (char c : text) s += char(std::tolower(static_cast<unsigned char>(c)));
  const bool past = s.find("past") != std::string::npos || s.find("preceding") != std::string::npos ||
                    s.find("previous") != std::string::npos;
  const bool next = s.find("following") != std::string::npos || s.find("next") != std::string::npos;
  if (past == next) return StampConvention::Unsettled;
  return past ? StampConvention::End : StampConvention::Start;
}

std::string basename_of(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

// begin_date "YYYYMMDD" + begin_time "HHMMSS" (leading zeros may be missing).
std::optional<UnixSeconds> begin_of(const std::string& date, std::string time) {
  if (date.empty()) return std::nullopt;
  while (time.size() < 6) time = "0" + time;
  int y, m, d, hh, mm, ss;
  char tail;
  if (std::sscanf(date.c_str(), "%4d%2d%2d%c", &y, &m, &d, &tail) != 3 ||
      std::sscanf(time.c_str(), "%2d%2d%2d%c", &hh, &mm, &ss, &tail) != 3)
    throw std::runtime_error("malformed begin_date/begin_time '" + date + " " + time + "'");
  return day_start(day_from_ymd(y, m, d)) + hh * 3600 + mm * 60 + ss;
}

}  // namespace

bool gldas22_name(const std::string& b) {
  return b.find(".022.") != std::string::npos || b.find("_DA1_") != std::string::npos;
}

GldasInterval gldas_interval(const GldasStatements& s, StampConvention setting) {
  int32_t secs = kThreeHours;
  UnixSeconds stamp = s.stamp;
  std::string meta_name;  // the CF statement (time_bnds / begin_time), if any
  StampConvention meta = StampConvention::Unsettled;
  if (s.bounds) {
    UnixSeconds b0 = s.bounds->first, b1 = s.bounds->second;
    const bool inclusive = b1 > b0 && (b1 - b0) % 3600 == 3599;
    if (inclusive) {
      ++b1;  // [t, t + 10799]: the last second of the mean, not its end
      if (stamp == b1 - 1) stamp = b1;
    }
    if (b1 <= b0) throw std::runtime_error("time_bnds are not increasing");
    if (stamp != b0 && stamp != b1) throw std::runtime_error("time is neither bound of time_bnds");
    secs = int32_t(b1 - b0);
    meta = stamp == b0 ? StampConvention::Start : StampConvention::End;
    meta_name = inclusive ? "time_bnds (inclusive upper bound rounded up to the hour)" : "time_bnds";
    if (s.begin && *s.begin != b0) throw std::runtime_error("begin_date/begin_time disagree with time_bnds");
  } else if (s.begin) {
    if (*s.begin == stamp) meta = StampConvention::Start;
    else if (*s.begin == stamp - secs) meta = StampConvention::End;
    else throw std::runtime_error("begin_date/begin_time is neither the time stamp nor 3 hours before it");
    meta_name = "begin_date/begin_time";
  }
  const StampConvention def = definition_side(s.tavg_definition);
  const std::string def_name = s.tavg_attribute + " '" + s.tavg_definition + "'";

  GldasInterval out;
  out.seconds = secs;
  StampConvention decided;
  if (setting != StampConvention::Unsettled) {
    decided = setting;
    out.rule = std::string("stamp setting: ") + side(setting) + " of the 3-hour mean";
    std::string over;
    if (meta != StampConvention::Unsettled && meta != setting) over = meta_name + " (" + side(meta) + ")";
    if (def != StampConvention::Unsettled && def != setting) over += (over.empty() ? "" : " and ") + def_name;
    if (!over.empty()) out.rule += ", overriding the file's " + over;
  } else if (meta != StampConvention::Unsettled && def != StampConvention::Unsettled && meta != def) {
    throw std::runtime_error(meta_name + " make the stamp the " + side(meta) + " of the 3-hour mean but the global attribute " +
                             def_name + " makes it the " + side(def) +
                             "; settle it with --stamp start|end (rainfuse daily) or stamp = \"start\"|\"end\" in the GLDAS "
                             "[[sources]] entry");
  } else if (meta != StampConvention::Unsettled) {
    decided = meta;
    out.rule = meta_name + ": stamp = " + side(meta) + " of the 3-hour mean" +
               (def == meta ? " (" + s.tavg_attribute + " agrees)" : "");
  } else if (def != StampConvention::Unsettled) {
    decided = def;
    out.rule = def_name + ": stamp = " + side(def) + " of the 3-hour mean";
  } else {
    throw std::runtime_error("time stamp convention unsettled: no time_bnds, begin_time or tavg_definision; pass --stamp "
                             "start|end (rainfuse daily) or set stamp = \"start\"|\"end\" in the GLDAS [[sources]] entry");
  }
  out.start = decided == StampConvention::Start ? stamp : stamp - secs;
  return out;
}

// Rainf_tavg (rainfall, snowfall excluded) is read only to name it in the
// refusal: it is not the total precipitation the model channel expects.
FileSteps ProductReader::read_gldas(const std::string& path) const {
  const std::string base = basename_of(path);
  const std::string v22 = "GLDAS-2.2 files carry no forcing precipitation Rainf_f_tavg; use GLDAS-2.0/2.1 3-hourly files "
                          "(GLDAS_NOAH025_3H *.020.nc4 / *.021.nc4)";
  NcFieldSpec spec{{"Rainf_f_tavg", "Rainf_tavg"}, {""}, {"kg m-2 s-1", "kg/m^2/s", "kg m**-2 s**-1"}, true, 1.0, 0};
  std::optional<NcField> fo;
  try {
    fo.emplace(path, spec, opt_.region, opt_.halo);
  } catch (const std::runtime_error& e) {
    if (gldas22_name(base) && std::string(e.what()).find("variable not found") != std::string::npos)
      throw std::runtime_error(path + ": " + v22);
    throw;
  }
  const NcField& f = *fo;
  if (f.var() == "Rainf_tavg")
    f.fail(gldas22_name(base) ? v22 + " (Rainf_tavg is rainfall without snowfall)"
                              : "no Rainf_f_tavg (total precipitation forcing); Rainf_tavg is rainfall without snowfall");
  FileSteps out{f.grid(), {}};
  const std::vector<UnixSeconds> t = f.time_stamps();
  const CfTimeUnits u = f.parsed_time_units();
  const auto b = f.time_bounds();
  GldasStatements st;
  st.tavg_definition = f.global_attribute("tavg_definision");
  if (st.tavg_definition.empty()) {
    st.tavg_definition = f.global_attribute("tavg_definition");
    st.tavg_attribute = "tavg_definition";
  }
  std::string bd = f.time_attribute("begin_date"), bt = f.time_attribute("begin_time");
  if (bd.empty()) bd = f.global_attribute("begin_date"), bt = f.global_attribute("begin_time");
  for (size_t k = 0; k < t.size(); ++k) {
    st.stamp = t[k];
    try {
      if (!b.empty()) st.bounds = std::make_pair(u.to_unix(b[2 * k]), u.to_unix(b[2 * k + 1]));
    } catch (const std::invalid_argument& e) {
      f.fail(e.what());
    }
    GldasInterval iv;
    try {
      if (t.size() == 1) st.begin = begin_of(bd, bt);
      iv = gldas_interval(st, opt_.gldas_stamp);
    } catch (const std::runtime_error& e) {
      f.fail(e.what());
    }
    if (out.stamp_rule.find(iv.rule) == std::string::npos) out.stamp_rule += (out.stamp_rule.empty() ? "" : "; ") + iv.rule;
    if (!keep(iv.start, iv.seconds)) continue;
    out.steps.push_back(Step{iv.start, iv.seconds, f.read_mm(k, double(iv.seconds))});
  }
  return out;
}

}  // namespace rf::io

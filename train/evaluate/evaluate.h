// Scores products against gauges, per method x scope, and writes the tables.
//   scopes: "pooled", "station:<id>", "season:<DJF|MAM|JJA|SON>"
//   metrics.csv columns: method,scope,n,rb_pct,mae,rmse,cc,kge,
//                        pod_<t>,far_<t>,csi_<t> for each threshold t (%g: 0.1, 1)
// Pairs: by default only station-days where the gauge and EVERY method are
// valid (so methods are compared on identical samples); `common_pairs=false`
// scores each method on all its own valid pairs.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/dates.h"
#include "train/evaluate/metrics.h"

namespace rf::eval {

// (station id, day) -> value in mm/day; NaN = missing.
using PointValues = std::map<std::pair<std::string, io::DayNumber>, double>;

struct MethodSeries {
  std::string name;
  PointValues values;
};

struct ScoreRow {
  std::string method, scope;
  Scores s;
};

struct EvalOptions {
  std::vector<double> thresholds{0.1, 1.0};
  bool common_pairs = true;
};

std::vector<ScoreRow> evaluate(const PointValues& gauges, const std::vector<MethodSeries>& methods,
                               const EvalOptions& opt);

// Reads a point-series CSV "station_id,date,value" (header required, any column
// order, extra columns ignored). Throws one line naming file and line on bad rows.
PointValues read_point_csv(const std::string& path);

void write_metrics_csv(const std::string& path, const std::vector<ScoreRow>& rows, const std::vector<double>& thr);
void write_metrics_markdown(const std::string& path, const std::vector<ScoreRow>& rows, const std::vector<double>& thr);

const char* season_of(io::DayNumber day);  // "DJF", "MAM", "JJA", "SON"

}  // namespace rf::eval

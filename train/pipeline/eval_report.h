// The outputs shared by both forms of `rainfuse evaluate`: metrics.csv and
// metrics.md (train/evaluate writers), a scatter PNG per method on the pairs
// that were scored, a bar chart of the pooled scores, and the pooled table on
// stdout.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "train/evaluate/evaluate.h"

namespace rf::pipe {

// A method name as a file-name fragment ("fused[era5+imerg]" -> "fused_era5+imerg_").
std::string method_file_name(const std::string& method);

// True when plots are wanted and gnuplot is installed; warns once on stderr
// ("evaluate: gnuplot not found, no PNG written") when it is not.
bool plots_enabled(bool wanted);

// Scores `methods` against `gauges` and writes into `dir` (created):
//   metrics.csv, metrics.md, and with plots scatter_<method>.png + scores.png.
// Returns the rows (method x scope, as eval::evaluate orders them).
std::vector<eval::ScoreRow> write_eval_report(const std::string& dir, const eval::PointValues& gauges,
                                              const std::vector<eval::MethodSeries>& methods,
                                              const eval::EvalOptions& opt, bool plots);

// The pooled rows as an aligned text table (n, RB %, MAE, RMSE, CC, KGE, CSI per threshold).
void print_pooled_table(std::FILE* out, const std::vector<eval::ScoreRow>& rows, const std::vector<double>& thr);

}  // namespace rf::pipe

// Daily totals of one product from a list of files: files whose name puts them
// outside the period are skipped unopened; flat binaries are decompressed in
// parallel (OpenMP, batches in file order so sums are reproducible), netCDF/HDF5
// files are read serially (netCDF-C is not thread-safe). Steps are streamed into
// the aggregator; no more than one batch of steps is in memory. ERA5-Land hours
// whose two accumulations lie in different files are joined at the end.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "io/aggregate/daily_aggregator.h"
#include "io/readers/products.h"

namespace rf::io {

// Files matching a shell pattern (glob(3)), sorted; throws if none match.
std::vector<std::string> glob_files(const std::string& pattern);

// What to do with a file that cannot be read (truncated, corrupt, not the
// product): Fail stops with its error; Skip leaves its steps missing (the
// max_missing_steps rule then decides each cell-day) and reports it. Skip still
// fails when no file at all could be read: a wrong product or path is not "one
// bad download".
enum class OnBadFile { Fail, Skip };
OnBadFile parse_on_bad_file(const std::string& s);  // fail|skip

struct FilesRead {
  size_t read = 0;                   // files opened (the others were outside the period by name)
  std::vector<std::string> skipped;  // Skip: "path: why", in file order
  // Each distinct FileSteps::stamp_rule with the number of files it decided
  // (GLDAS; empty for the other products).
  std::map<std::string, size_t> stamp_rules;
};

// The line that outputs' `history` carries: "skipped N unreadable input
// file(s): a: why; b: why" (every file named).
std::string skipped_files_note(const std::vector<std::string>& skipped);

// `opt` of the reader gets keep_from/keep_to from the aggregator's days.
DailyCube daily_from_files(Product product, ReaderOptions opt, const std::vector<std::string>& files, DayNumber first,
                           DayNumber last, const DayOptions& day_opt, FilesRead* report = nullptr,
                           OnBadFile on_bad = OnBadFile::Fail);

}  // namespace rf::io

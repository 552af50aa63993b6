// Daily totals of one product from a list of files: files whose name puts them
// outside the period are skipped unopened; flat binaries are decompressed in
// parallel (OpenMP, batches in file order so sums are reproducible), netCDF/HDF5
// files are read serially (netCDF-C is not thread-safe). Steps are streamed into
// the aggregator; no more than one batch of steps is in memory. ERA5-Land hours
// whose two accumulations lie in different files are joined at the end.
#pragma once
#include <string>
#include <vector>

#include "io/aggregate/daily_aggregator.h"
#include "io/readers/products.h"

namespace rf::io {

// Files matching a shell pattern (glob(3)), sorted; throws if none match.
std::vector<std::string> glob_files(const std::string& pattern);

// `opt` of the reader gets keep_from/keep_to from the aggregator's days.
DailyCube daily_from_files(Product product, ReaderOptions opt, const std::vector<std::string>& files, DayNumber first,
                           DayNumber last, const DayOptions& day_opt, size_t* files_read = nullptr);

}  // namespace rf::io

// ERA5 / ERA5-Land hourly tp in every layout the CDS delivers, told apart by
// the file's first bytes, never by its name: netCDF-3/4 (`CDF\1`, `CDF\2`,
// `\x89HDF`: legacy `time` or new `valid_time`), a zip (`PK\3\4`: the new CDS
// packs requests mixing accumulated and instantaneous fields as
// data_stream-oper_stepType-accum.nc + …-instant.nc; the member holding tp is
// found by content) or GRIB (`GRIB`, through ecCodes). ERA5-Land, accumulated
// from 00 UTC, is de-accumulated to hours (accumulation.h). The rules and what
// is refused: docs/formats.md, "ERA5".
#pragma once
#include <string>

#include "io/readers/products.h"

namespace rf::io {

FileSteps read_era5_file(const std::string& path, const ReaderOptions& opt);

}  // namespace rf::io

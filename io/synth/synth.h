// `rainfuse synth`: the synthetic Qinghai twin. Generates the daily truth, the
// five products in their distributed formats and the gauge CSVs under one
// directory (layout in docs/synthetic-twin.md):
//   dem.nc, truth/truth_YYYY.nc, intended/<product>_YYYY.nc (each product's
//   CMA-day totals on its native window: what a reader + daily aggregation must
//   give back), era5/, imerg/, gldas/, gsmap/, cmorph/, gauges/, synth_info.txt.
// Same options and seed -> byte-identical files, whatever the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/dates.h"
#include "io/synth/products.h"

namespace rf::io::synth {

struct SynthOptions {
  std::string out_dir;
  DayNumber start = 0, end = 0;  // CMA days, inclusive
  uint64_t seed = 1;
  std::vector<Product> products{std::begin(kAllProducts), std::end(kAllProducts)};
  bool gauges = true;
  // nc = alternate (even years legacy nc3, odd years CDS nc4) | legacy | cds | zip (CDS
  // accum + instant members) | grib (GRIB 1)
  std::string era5_layout = "alternate";
  bool era5_land = false;  // ERA5 written as ERA5-Land stores tp: accumulated from 00 UTC
  std::string cmorph_format = "bz2";      // bz2 (CPC binary) | nc (NCEI CDR netCDF, ~6x cheaper to write)
  bool unpacked = false;                  // GSMaP .dat and CMORPH binaries written decompressed (17 / 65 MB a file)
  int imerg_version = 0;                  // 0: by period (imerg_version_for), 6 or 7: forced
  std::string stations_path;              // empty: the built-in Qinghai station list
  std::string gauge_format = "csv";       // csv (daily_YYYY.csv) | cma-txt (the CMA daily TXT as distributed)
  bool progress = false;                  // a line per month on stderr
};

struct SynthSummary {
  int days = 0;
  long files = 0;
  double seconds = 0;
};

SynthSummary run_synth(const SynthOptions& opt);

}  // namespace rf::io::synth

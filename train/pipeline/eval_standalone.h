// `rainfuse evaluate --gauges G.csv --product NAME=PATH ... --out DIR`: scores
// products users already have against gauges, for any region.
//   G.csv and point products: station_id,date,value (mm/day, one row per station-day);
//   the gauges may also be CMA daily TXT files as distributed (a file or a glob,
//   recognised by content; their own coordinates place the stations, their
//   20-20 BJT totals or, with day = "utc", the rebuilt UTC days are scored)
//   gridded products: CF netCDF (time, lat, lon), or a glob of such files (one
//   per year); each gauge takes the value of the cell holding it (io/sample),
//   the station's coordinates coming from --stations (default the built-in
//   Qinghai list).
#pragma once
#include <string>
#include <vector>

#include "io/gauges/gauges.h"
#include "train/evaluate/evaluate.h"

namespace rf::pipe {

struct ProductArg {
  std::string name, path;
};
// "NAME=PATH" -> {NAME, PATH}; throws for a missing '=' or an empty side.
ProductArg parse_product_arg(const std::string& arg);

struct StandaloneEvalOptions {
  std::string gauges;               // G.csv, or CMA daily TXT file(s) (a glob)
  std::string day = "cma";          // CMA daily TXT gauges: cma (20-20 BJT) or utc day
  std::vector<ProductArg> products; // in the order given (the tables keep it)
  std::string out;                  // output folder
  std::string stations;             // station metadata CSV ("" = built-in Qinghai list)
  std::string var;                  // gridded variable ("" = precipitation, or the only 3-D variable)
  std::vector<double> thresholds{0.1, 1.0};
  bool all_pairs = false;           // score each product on all its own valid pairs
  bool plots = true;
};

// True when `path` starts with a netCDF-3 or netCDF-4/HDF5 signature.
bool is_netcdf_file(const std::string& path);

// The variable to sample: `wanted` if not empty, else "precipitation" when
// present, else the only 3-D variable; throws naming the file otherwise.
std::string pick_grid_variable(const std::string& path, const std::string& wanted);

// The gauges to score against, and the stations that place them: the metadata
// file if given, else the CMA TXT's own coordinates, else the built-in list.
struct StandaloneGauges {
  eval::PointValues values;
  std::vector<io::GaugeStation> stations;
  std::string stations_from;  // names the metadata in messages
  bool national = false;      // CMA TXT: stations outside a product's grid are skipped, not an error
};
StandaloneGauges load_standalone_gauges(const StandaloneEvalOptions& opt);

// Reads one product (point CSV, a netCDF file or a glob of netCDF files) at the
// gauges' stations.
eval::PointValues load_product(const ProductArg& product, const StandaloneGauges& gauges, const std::string& var);

std::vector<eval::ScoreRow> run_standalone_evaluate(const StandaloneEvalOptions& opt);

}  // namespace rf::pipe

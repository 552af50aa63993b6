// `rainfuse evaluate --gauges G.csv --product NAME=PATH ... --out DIR`: scores
// products users already have against gauges, for any region.
//   G.csv and point products: station_id,date,value (mm/day, one row per station-day)
//   gridded products: CF netCDF (time, lat, lon), or a glob of such files (one
//   per year); each gauge takes the value of the cell holding it (io/sample),
//   the station's coordinates coming from --stations (default the built-in
//   Qinghai list).
#pragma once
#include <string>
#include <vector>

#include "train/evaluate/evaluate.h"

namespace rf::pipe {

struct ProductArg {
  std::string name, path;
};
// "NAME=PATH" -> {NAME, PATH}; throws for a missing '=' or an empty side.
ProductArg parse_product_arg(const std::string& arg);

struct StandaloneEvalOptions {
  std::string gauges;               // G.csv
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

// Reads one product (point CSV, a netCDF file or a glob of netCDF files) at the
// gauges' stations. `where` names the station metadata in error messages.
eval::PointValues load_product(const ProductArg& product, const eval::PointValues& gauges,
                               const std::string& stations_file, const std::string& var);

std::vector<eval::ScoreRow> run_standalone_evaluate(const StandaloneEvalOptions& opt);

}  // namespace rf::pipe

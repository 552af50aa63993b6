// Out-of-fold prediction: a fold's best model at its held-out stations, every
// day on which the model's source set is available. Each (station, day) is a
// patch of cfg.patch px centred on the station (clipped to the grid), run in
// eval mode in batches; the value is the model output at the station pixel in
// mm/day (model_input.h output_to_mm: max(expm1(y), 0) for qh-ref).
#pragma once
#include <string>
#include <vector>

#include "nn/qh_ref.h"
#include "train/config/run_config.h"
#include "train/data/model_input.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

struct OofRow {
  int station = 0, day = 0;  // indices into Prepared::stations / days
  float value = 0;           // mm/day
};

// Fills rows[i].value (mm/day) with the model's prediction at its station on
// its day: a patch of cfg.patch px centred on the station, eval mode, batches.
void predict_rows(const RunConfig& cfg, const Prepared& p, const nn::QhRef& model, const NormStats& ns,
                  SourceSet set, std::vector<OofRow>& rows, const std::string& label);

// Rows ordered by the order of `stations`, then day.
std::vector<OofRow> predict_stations(const RunConfig& cfg, const Prepared& p, const nn::QhRef& model,
                                     const NormStats& ns, SourceSet set, const std::vector<int>& stations,
                                     const std::string& label);

// "station_id,date,value" CSV text of the rows, sorted by station id, then date.
std::string oof_csv(const Prepared& p, std::vector<OofRow> rows);
// Reads such a file back into rows of `p` (throws naming the file for an unknown station or date).
std::vector<OofRow> read_oof_csv(const std::string& path, const Prepared& p);

}  // namespace rf::pipe

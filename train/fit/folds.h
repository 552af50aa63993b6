// Leave-stations-out cross-validation folds. Every score of the fused product is
// on stations its model never saw: fold k's model trains on the other folds
// (minus a validation fold for early stopping) and predicts fold k.
//   random : stations shuffled with the seed, dealt round-robin (sizes differ by <= 1)
//   blocked: stations grouped into k spatial blocks (k-means on lon/lat, seeded),
//            so a held-out station has no close training neighbour
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/prepare/prepared.h"

namespace rf::pipe {

std::vector<int> make_station_folds(const std::vector<Station>& stations, int k, const std::string& mode,
                                    uint64_t seed);
// <out>/train/folds.csv: station_id,fold
void write_folds_csv(const std::string& path, const std::vector<Station>& stations, const std::vector<int>& fold);
std::vector<int> read_folds_csv(const std::string& path, const std::vector<Station>& stations);

// Validation fold used for early stopping while fold `test` is held out.
inline int validation_fold(int test, int k) { return (test + 1) % k; }

}  // namespace rf::pipe

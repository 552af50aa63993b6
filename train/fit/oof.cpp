// Out-of-fold predictions (oof.h).
#include "train/fit/oof.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include "autograd/tape.h"
#include "train/fit/samples.h"
#include "train/common/log.h"

namespace rf::pipe {
namespace {

constexpr size_t kOofBatch = 64;  // patches per forward (eval memory ~ 1 MB per 32x32 patch and layer)

}  // namespace

std::vector<OofRow> predict_stations(const RunConfig& cfg, const Prepared& p, const nn::QhRef& model,
                                     const NormStats& ns, SourceSet set, const std::vector<int>& stations,
                                     const std::string& label) {
  // The days scored are those of the fuse period (the whole data period unless
  // the run fuses a part of it, as the demo does): the out-of-fold values are the
  // held-out counterpart of the fused files.
  // A config without a period (0) means every prepared day.
  const bool whole = cfg.fuse_last() == 0;
  std::vector<int> days;
  for (size_t t = 0; t < p.days.size(); ++t)
    if ((whole || (p.days[t] >= cfg.fuse_first() && p.days[t] <= cfg.fuse_last())) && set_available(p, set, int(t)))
      days.push_back(int(t));
  std::vector<OofRow> rows;
  for (int s : stations)
    for (int t : days) rows.push_back({s, t, 0.0f});
  predict_rows(cfg, p, model, ns, set, rows, label);
  return rows;
}

void predict_rows(const RunConfig& cfg, const Prepared& p, const nn::QhRef& model, const NormStats& ns,
                  SourceSet set, std::vector<OofRow>& rows, const std::string& label) {
  const PatchGeometry g(p, cfg.patch);
  const OutputSpace space = output_space(model.config());
  NoGradGuard no_grad;
  Progress bar(label, int64_t(rows.size()), "station-days");
  for (size_t r0 = 0; r0 < rows.size(); r0 += kOofBatch) {
    const size_t n = std::min(kOofBatch, rows.size() - r0);
    std::vector<Box> boxes(n);
    nn::QhRef::Anchors at(n);
    for (size_t i = 0; i < n; ++i) {
      const Station& st = p.stations[size_t(rows[r0 + i].station)];
      boxes[i] = g.centred_box(rows[r0 + i].day, st.row, st.col);
      at[i] = {st.row - boxes[i].r0, st.col - boxes[i].c0};
    }
    // One pixel per box: the ConvLSTMs and the head on the station's 9 x 9 only.
    const Tensor x = assemble_batch(p, ns, set, g, boxes, model.config()).to(model.device());
    const std::vector<float> y = model.forward_anchored(x, at, false).to_vector();
    for (size_t i = 0; i < n; ++i) rows[r0 + i].value = output_to_mm(space, ns, y[i]);
    bar.tick(int64_t(n));
  }
}

std::string oof_csv(const Prepared& p, std::vector<OofRow> rows) {
  std::stable_sort(rows.begin(), rows.end(), [&](const OofRow& a, const OofRow& b) {
    const std::string &ia = p.stations[size_t(a.station)].id, &ib = p.stations[size_t(b.station)].id;
    return ia != ib ? ia < ib : a.day < b.day;
  });
  std::string out = "station_id,date,value\n";
  char line[128];
  for (const OofRow& r : rows) {
    std::snprintf(line, sizeof line, "%s,%s,%.4f\n", p.stations[size_t(r.station)].id.c_str(),
                  io::format_date(p.days[size_t(r.day)]).c_str(), double(r.value));
    out += line;
  }
  return out;
}

std::vector<OofRow> read_oof_csv(const std::string& path, const Prepared& p) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::map<std::string, int> station;
  for (size_t s = 0; s < p.stations.size(); ++s) station[p.stations[s].id] = int(s);
  std::string line;
  std::getline(f, line);
  if (line != "station_id,date,value") throw std::runtime_error(path + ": header is not 'station_id,date,value'");
  std::vector<OofRow> rows;
  int lineno = 1;
  while (std::getline(f, line)) {
    ++lineno;
    if (line.empty()) continue;
    const size_t c1 = line.find(','), c2 = line.find(',', c1 + 1);
    const auto it = c1 == std::string::npos ? station.end() : station.find(line.substr(0, c1));
    if (c2 == std::string::npos || it == station.end())
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": unknown station or malformed row");
    const int day = p.day_index(io::parse_date(line.substr(c1 + 1, c2 - c1 - 1)));
    if (day < 0) throw std::runtime_error(path + ":" + std::to_string(lineno) + ": date outside the period");
    rows.push_back({it->second, day, std::stof(line.substr(c2 + 1))});
  }
  return rows;
}

}  // namespace rf::pipe

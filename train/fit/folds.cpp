// Station folds for leave-stations-out cross-validation (folds.h).
#include "train/fit/folds.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "train/fit/rng.h"

namespace rf::pipe {
namespace {

struct Point {
  double x, y;  // lon scaled by cos(mean lat), lat: local equirectangular degrees
};

double dist2(const Point& a, const Point& b) { return (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y); }

std::vector<int> random_folds(size_t n, int k, uint64_t seed) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(derive_seed(seed, 0xF01D));
  rng.shuffle(order);
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[size_t(order[i])] = int(i % size_t(k));
  return fold;
}

// Capacity-constrained assignment: every (station, centre) pair by increasing
// distance, a station takes the first centre that still has room. With
// capacities floor/ceil(n/k) the blocks differ in size by at most one.
std::vector<int> assign_balanced(const std::vector<Point>& pts, const std::vector<Point>& centres,
                                 std::vector<int> capacity) {
  const size_t n = pts.size(), k = centres.size();
  std::vector<std::pair<double, size_t>> pairs;
  pairs.reserve(n * k);
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < k; ++c) pairs.push_back({dist2(pts[i], centres[c]), i * k + c});
  std::sort(pairs.begin(), pairs.end());
  std::vector<int> fold(n, -1);
  for (const auto& [d, ic] : pairs) {
    const size_t i = ic / k, c = ic % k;
    if (fold[i] >= 0 || capacity[c] == 0) continue;
    fold[i] = int(c);
    --capacity[c];
  }
  return fold;
}

std::vector<Point> centroids(const std::vector<Point>& pts, const std::vector<int>& fold, const std::vector<Point>& old) {
  std::vector<Point> c(old.size(), Point{0, 0});
  std::vector<int> count(old.size(), 0);
  for (size_t i = 0; i < pts.size(); ++i) {
    c[size_t(fold[i])].x += pts[i].x;
    c[size_t(fold[i])].y += pts[i].y;
    ++count[size_t(fold[i])];
  }
  for (size_t j = 0; j < c.size(); ++j) c[j] = count[j] ? Point{c[j].x / count[j], c[j].y / count[j]} : old[j];
  return c;
}

// Seeded k-means++ start, Lloyd iterations, then balanced reassignment around
// the centres (alternated with centre updates). Blocks are numbered west to east.
std::vector<int> blocked_folds(const std::vector<Station>& st, int k, uint64_t seed) {
  const size_t n = st.size();
  double mean_lat = 0;
  for (const Station& s : st) mean_lat += s.lat;
  mean_lat /= double(n);
  const double sx = std::cos(mean_lat * M_PI / 180.0);
  std::vector<Point> pts(n);
  for (size_t i = 0; i < n; ++i) pts[i] = {st[i].lon * sx, st[i].lat};

  Rng rng(derive_seed(seed, 0xB10C));
  std::vector<Point> centres{pts[size_t(rng.below(int64_t(n)))]};
  std::vector<double> d2(n);
  while (centres.size() < size_t(k)) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      d2[i] = std::numeric_limits<double>::max();
      for (const Point& c : centres) d2[i] = std::min(d2[i], dist2(pts[i], c));
      total += d2[i];
    }
    double u = rng.uniform() * total;
    size_t pick = n - 1;
    for (size_t i = 0; i < n; ++i) {
      if (u < d2[i]) {
        pick = i;
        break;
      }
      u -= d2[i];
    }
    centres.push_back(pts[pick]);
  }
  std::vector<int> fold(n, 0);
  for (int iter = 0; iter < 50; ++iter) {  // plain Lloyd
    bool changed = false;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;
      for (int c = 1; c < k; ++c)
        if (dist2(pts[i], centres[size_t(c)]) < dist2(pts[i], centres[size_t(best)])) best = c;
      changed |= best != fold[i];
      fold[i] = best;
    }
    centres = centroids(pts, fold, centres);
    if (!changed && iter > 0) break;
  }
  // Capacities: the larger blocks of the unconstrained solution get ceil(n/k).
  std::vector<int> size(size_t(k), 0);
  for (int f : fold) ++size[size_t(f)];
  std::vector<int> by_size(static_cast<size_t>(k));
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) { return size[size_t(a)] > size[size_t(b)]; });
  std::vector<int> capacity(size_t(k), int(n / size_t(k)));
  for (size_t j = 0; j < n % size_t(k); ++j) ++capacity[size_t(by_size[j])];
  for (int iter = 0; iter < 20; ++iter) {
    std::vector<int> next = assign_balanced(pts, centres, capacity);
    centres = centroids(pts, next, centres);
    const bool same = next == fold;
    fold = next;
    if (same) break;
  }
  std::vector<int> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return centres[size_t(a)].x != centres[size_t(b)].x ? centres[size_t(a)].x < centres[size_t(b)].x
                                                        : centres[size_t(a)].y < centres[size_t(b)].y;
  });
  std::vector<int> rank(static_cast<size_t>(k));
  for (int j = 0; j < k; ++j) rank[size_t(order[size_t(j)])] = j;
  for (int& f : fold) f = rank[size_t(f)];
  return fold;
}

}  // namespace

std::vector<int> make_station_folds(const std::vector<Station>& stations, int k, const std::string& mode,
                                    uint64_t seed) {
  if (k < 2) throw std::runtime_error("folds: need at least 2 folds, got " + std::to_string(k));
  if (stations.size() < size_t(k))
    throw std::runtime_error("folds: " + std::to_string(stations.size()) + " stations cannot make " +
                             std::to_string(k) + " folds");
  if (mode == "random") return random_folds(stations.size(), k, seed);
  if (mode == "blocked") return blocked_folds(stations, k, seed);
  throw std::runtime_error("folds: unknown fold mode '" + mode + "' (random|blocked)");
}

void write_folds_csv(const std::string& path, const std::vector<Station>& stations, const std::vector<int>& fold) {
  std::ostringstream os;
  os << "station_id,fold\n";
  for (size_t i = 0; i < stations.size(); ++i) os << stations[i].id << ',' << fold[i] << '\n';
  std::ofstream f(path, std::ios::binary);
  f << os.str();
  if (!f.flush()) throw std::runtime_error(path + ": cannot write");
}

std::vector<int> read_folds_csv(const std::string& path, const std::vector<Station>& stations) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::string line;
  if (!std::getline(f, line) || line.rfind("station_id,fold", 0) != 0)
    throw std::runtime_error(path + ": header is not 'station_id,fold'");
  std::map<std::string, int> by_id;
  int lineno = 1;
  while (std::getline(f, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    if (comma == std::string::npos) throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected id,fold");
    try {
      by_id[line.substr(0, comma)] = std::stoi(line.substr(comma + 1));
    } catch (const std::exception&) {
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": bad fold number");
    }
  }
  std::vector<int> fold(stations.size());
  for (size_t i = 0; i < stations.size(); ++i) {
    const auto it = by_id.find(stations[i].id);
    if (it == by_id.end()) throw std::runtime_error(path + ": station " + stations[i].id + " has no fold");
    fold[i] = it->second;
  }
  return fold;
}

}  // namespace rf::pipe

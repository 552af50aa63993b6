// Station folds: partition, balanced sizes, determinism, spatial compactness of
// blocked folds, folds.csv round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "train/fit/folds.h"

namespace rf::pipe {
namespace {

std::vector<Station> random_stations(int n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> lon(89.5, 103.4), lat(31.4, 39.8);
  std::vector<Station> st(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    st[size_t(i)].id = std::to_string(52000 + i * 7);
    st[size_t(i)].lon = lon(gen);
    st[size_t(i)].lat = lat(gen);
  }
  return st;
}

double mean_intra_fold_distance(const std::vector<Station>& st, const std::vector<int>& fold) {
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < st.size(); ++i)
    for (size_t j = i + 1; j < st.size(); ++j)
      if (fold[i] == fold[j]) {
        sum += std::hypot((st[i].lon - st[j].lon) * std::cos(35.6 * M_PI / 180), st[i].lat - st[j].lat);
        ++n;
      }
  return sum / n;
}

void expect_partition(const std::vector<int>& fold, size_t n, int k) {
  ASSERT_EQ(fold.size(), n);
  std::vector<int> size(size_t(k), 0);
  for (int f : fold) {
    ASSERT_GE(f, 0);
    ASSERT_LT(f, k);
    ++size[size_t(f)];
  }
  const auto [lo, hi] = std::minmax_element(size.begin(), size.end());
  EXPECT_LE(*hi - *lo, 1) << "fold sizes are not balanced";
}

TEST(Folds, RandomIsBalancedPartitionAndSeeded) {
  for (int n : {5, 23, 50, 77}) {
    const auto st = random_stations(n, uint32_t(n));
    const auto a = make_station_folds(st, 5, "random", 7);
    expect_partition(a, st.size(), 5);
    EXPECT_EQ(a, make_station_folds(st, 5, "random", 7));
    if (n > 10) {
      EXPECT_NE(a, make_station_folds(st, 5, "random", 8));
    }
  }
}

TEST(Folds, BlockedIsBalancedDeterministicAndCompact) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const auto st = random_stations(60, seed);
    const auto blocked = make_station_folds(st, 5, "blocked", seed);
    expect_partition(blocked, st.size(), 5);
    EXPECT_EQ(blocked, make_station_folds(st, 5, "blocked", seed));
    const double db = mean_intra_fold_distance(st, blocked);
    const double dr = mean_intra_fold_distance(st, make_station_folds(st, 5, "random", seed));
    EXPECT_LT(db, 0.7 * dr) << "blocked folds are not spatially compact";
  }
}

TEST(Folds, ErrorsNameTheProblem) {
  const auto st = random_stations(4, 1);
  EXPECT_THROW(make_station_folds(st, 5, "random", 1), std::runtime_error);
  EXPECT_THROW(make_station_folds(random_stations(20, 1), 5, "checkerboard", 1), std::runtime_error);
}

TEST(Folds, CsvRoundTrip) {
  const auto st = random_stations(31, 4);
  const auto fold = make_station_folds(st, 4, "blocked", 3);
  const std::string path = (std::filesystem::temp_directory_path() / ("rf_folds_" + std::to_string(::getpid()) + ".csv")).string();
  write_folds_csv(path, st, fold);
  EXPECT_EQ(read_folds_csv(path, st), fold);
  auto more = st;
  more.push_back(Station{"99999", "x", 95, 35, 0, 0, 0});
  EXPECT_THROW(read_folds_csv(path, more), std::runtime_error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rf::pipe

// evaluate(): common pairs across methods, scopes, the metrics.csv contract,
// and one-line errors from the point-series CSV reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "train/evaluate/evaluate.h"

using namespace rf::eval;
using rf::io::day_from_ymd;

TEST(Evaluate, CommonPairsScopesAndCsvColumns) {
  std::mt19937 rng(5);
  std::gamma_distribution<double> g(0.7, 3.0);
  PointValues gauges;
  MethodSeries a{"era5", {}}, b{"mine", {}};
  const auto d0 = day_from_ymd(2020, 11, 25);  // spans SON and DJF
  for (const char* st : {"52866", "56029"})
    for (int t = 0; t < 20; ++t) {
      const double o = g(rng);
      gauges[{st, d0 + t}] = o;
      a.values[{st, d0 + t}] = o * 1.5;
      b.values[{st, d0 + t}] = t == 3 ? NAN : o + 0.1;  // one missing day for one method
    }
  auto rows = evaluate(gauges, {a, b}, EvalOptions{});
  ASSERT_EQ(rows[0].method, "era5");
  ASSERT_EQ(rows[0].scope, "pooled");
  EXPECT_EQ(rows[0].s.n, 38);  // the day b misses is dropped for both methods at both stations
  EXPECT_NEAR(rows[0].s.rb_pct, 50.0, 1e-9);
  long djf = 0, son = 0;
  for (const auto& r : rows)
    if (r.method == "mine") {
      if (r.scope == "season:DJF") djf = r.s.n;
      if (r.scope == "season:SON") son = r.s.n;
    }
  EXPECT_EQ(djf + son, 38);
  EXPECT_GT(djf, 0);

  auto each = evaluate(gauges, {a, b}, EvalOptions{{0.1, 1.0}, false});
  EXPECT_EQ(each[0].s.n, 40);

  const std::string path = "metrics_" + std::to_string(getpid()) + ".csv";
  write_metrics_csv(path, rows, {0.1, 1.0});
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "method,scope,n,rb_pct,mae,rmse,cc,kge,pod_0.1,far_0.1,csi_0.1,pod_1,far_1,csi_1");
  std::remove(path.c_str());
}

TEST(Evaluate, PointCsvErrorsNameFileAndLine) {
  const std::string path = "points_" + std::to_string(getpid()) + ".csv";
  std::ofstream(path) << "station_id,date,value\n52866,2020-07-01,3.5\n52866,2020-07-02,abc\n";
  try {
    read_point_csv(path);
    FAIL() << "bad value accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":3"), std::string::npos) << e.what();
  }
  std::ofstream(path) << "station_id,date,value\n52866,2020-07-01,3.5\n52866,2020-07-01,1\n";
  EXPECT_THROW(read_point_csv(path), std::runtime_error);  // duplicate station-day
  std::ofstream(path) << "station_id,date,value\n52866,2020-07-01,3.5\n52866,2020-07-02,\n";
  auto v = read_point_csv(path);
  EXPECT_EQ(v.size(), 2u);
  EXPECT_TRUE(std::isnan(v.at({"52866", day_from_ymd(2020, 7, 2)})));
  std::remove(path.c_str());
}

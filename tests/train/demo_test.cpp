// `rainfuse demo --quick` end to end (RAINFUSE_BINARY): twin -> prepare -> train
// -> fuse -> evaluate into a temporary folder. Checks the files the summary
// points to and the metrics.csv contract (exact header, a pooled row for the
// fused product, every source and every baseline), then that a second run in
// the same folder resumes (twin kept, fused year not rewritten).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Demo, QuickRunsEndToEndAndResumes) {
  const char* bin = std::getenv("RAINFUSE_BINARY");
  ASSERT_NE(bin, nullptr) << "RAINFUSE_BINARY not set";
  const fs::path dir = fs::temp_directory_path() / ("rf_demo_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string run = std::string(bin) + " demo --quick --out " + dir.string() + " >" + (dir.string() + ".out") +
                          " 2>" + (dir.string() + ".err");
  int st = std::system(run.c_str());
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << slurp(dir.string() + ".err");
  const std::string summary = slurp(dir.string() + ".out");

  // metrics.csv: exact header, pooled rows of every method.
  std::ifstream csv(dir / "eval/metrics.csv");
  std::string header;
  ASSERT_TRUE(std::getline(csv, header));
  EXPECT_EQ(header, "method,scope,n,rb_pct,mae,rmse,cc,kge,pod_0.1,far_0.1,csi_0.1,pod_1,far_1,csi_1");
  std::set<std::string> pooled;
  for (std::string line; std::getline(csv, line);) {
    const size_t c1 = line.find(','), c2 = line.find(',', c1 + 1);
    if (line.substr(c1 + 1, c2 - c1 - 1) != "pooled") continue;
    pooled.insert(line.substr(0, c1));
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 13) << line;
    EXPECT_EQ(line.find("nan"), std::string::npos) << line;
  }
  for (const char* m : {"fused", "era5", "imerg", "gldas", "gsmap", "cmorph", "mean", "bias_corrected_mean", "idw",
                        "xgboost"})
    EXPECT_TRUE(pooled.count(m)) << "no pooled row for " << m;

  // What the summary points to exists, and it shows the pooled table.
  const fs::path fused = dir / "fused/rainfuse_2020.nc";
  ASSERT_TRUE(fs::exists(fused));
  EXPECT_GT(fs::file_size(fused), 10000u);
  EXPECT_TRUE(fs::exists(dir / "eval/metrics.md"));
  EXPECT_TRUE(fs::exists(dir / "eval/metrics_truth_grid.csv"));
  EXPECT_TRUE(fs::exists(dir / "demo.toml"));
  EXPECT_NE(summary.find(fused.string()), std::string::npos) << summary;
  EXPECT_NE(summary.find((dir / "eval/metrics.csv").string()), std::string::npos) << summary;
  EXPECT_NE(summary.find(" fused pooled "), std::string::npos) << summary;
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(dir / "eval")) pngs += e.path().extension() == ".png";
  EXPECT_GE(pngs, 3);

  // Second run: resumes (same twin, fused year skipped, same table).
  const auto twin_time = fs::last_write_time(dir / "twin/synth_info.txt");
  const auto fused_time = fs::last_write_time(fused);
  const std::string metrics = slurp(dir / "eval/metrics.csv");
  st = std::system(run.c_str());
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << slurp(dir.string() + ".err");
  EXPECT_EQ(fs::last_write_time(dir / "twin/synth_info.txt"), twin_time);
  EXPECT_EQ(fs::last_write_time(fused), fused_time);
  EXPECT_EQ(slurp(dir / "eval/metrics.csv"), metrics);
  EXPECT_NE(slurp(dir.string() + ".err").find("already there"), std::string::npos);

  fs::remove_all(dir);
  fs::remove(dir.string() + ".out");
  fs::remove(dir.string() + ".err");
}

}  // namespace

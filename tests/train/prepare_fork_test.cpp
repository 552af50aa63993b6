// prepare() reads netCDF sources in a forked child process too (ForkedReads,
// netCDF-C not being thread-safe): what comes back through the pipe equals the
// same reads done in this process (every cube field, the empty flags, the
// counts), an error in the child arrives as that error (naming the file), and
// no child process is left behind in either case.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/synth/synth.h"
#include "train/prepare/prepare_steps.h"

#include "tests/train/temp_dir.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

// A twin of ERA5, IMERG and GLDAS over a year boundary (2 years per source),
// and its run config; `first`/`last` is the period.
struct Twin {
  rf::testing::TmpDir dir{"prepare-fork"};
  RunConfig cfg;
  io::DayNumber first = io::parse_date("2019-12-30"), last = io::parse_date("2020-01-02");
  Twin() {
    io::synth::SynthOptions o;
    o.out_dir = (dir.path / "twin").string();
    o.start = first, o.end = last;
    o.seed = 9;
    o.products = {io::synth::Product::ERA5, io::synth::Product::IMERG, io::synth::Product::GLDAS};
    io::synth::run_synth(o);
    const std::string t = o.out_dir;
    cfg.out_dir = (dir.path / "run").string();
    cfg.resolution = 0.1;
    cfg.start = first, cfg.end = last;
    cfg.sources = {{"era5", "", {t + "/era5/era5_tp_*.nc"}, "", ""},
                   {"imerg", "", {t + "/imerg/*/*/*.HDF5"}, "", ""},
                   {"gldas", "", {t + "/gldas/*/*/*.nc4"}, "", ""}};
  }
  std::vector<prep::SourceJob> plan() const {
    const prep::Manifest m((dir.path / "manifest.txt").string());  // empty: every year is to build
    std::vector<prep::SourceJob> jobs;
    for (const SourceConfig& sc : cfg.sources)
      jobs.push_back(prep::plan_source(cfg, sc, cfg.working_grid(), first, last, m));
    return jobs;
  }
};

bool no_child_left() {
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

TEST(PrepareFork, ChildReadsEqualReadsInThisProcess) {
  Twin twin;
  std::vector<prep::SourceJob> here = twin.plan(), forked = twin.plan();
  std::vector<prep::SourceJob*> ptrs;
  for (auto& j : forked) ptrs.push_back(&j);
  prep::ForkedReads reads(ptrs);
  for (auto& j : here) prep::read_source(j);
  reads.join();
  EXPECT_TRUE(no_child_left());

  ASSERT_EQ(here.size(), forked.size());
  size_t values = 0;
  for (size_t k = 0; k < here.size(); ++k) {
    SCOPED_TRACE(here[k].sc.name);
    EXPECT_EQ(forked[k].timing.files_read, here[k].timing.files_read);
    EXPECT_GT(forked[k].timing.files_read, 0u);
    EXPECT_GT(forked[k].timing.seconds, 0.0);
    ASSERT_EQ(forked[k].years.size(), 2u);  // 2019 and 2020
    for (size_t y = 0; y < here[k].years.size(); ++y) {
      const io::DailyCube &a = here[k].years[y].built, &b = forked[k].years[y].built;
      EXPECT_EQ(forked[k].years[y].empty, here[k].years[y].empty);
      EXPECT_EQ(b.product, a.product);
      EXPECT_EQ(b.grid, a.grid);
      EXPECT_EQ(b.convention, a.convention);
      EXPECT_EQ(b.days, a.days);
      EXPECT_EQ(b.steps_per_day, a.steps_per_day);
      EXPECT_EQ(b.valid_steps, a.valid_steps);
      ASSERT_EQ(b.precip.size(), a.precip.size());
      EXPECT_GT(a.precip.size(), 0u);
      EXPECT_EQ(0, std::memcmp(b.precip.data(), a.precip.data(), a.precip.size() * sizeof(float)));  // NaNs too
      values += a.precip.size();
    }
  }
  EXPECT_GT(values, 1000u);
}

TEST(PrepareFork, ChildErrorArrivesWithTheFileName) {
  Twin twin;
  std::vector<prep::SourceJob> jobs = twin.plan();
  prep::SourceJob& imerg = jobs[1];
  ASSERT_EQ(imerg.sc.name, "imerg");
  ASSERT_FALSE(imerg.years[1].files.empty());
  const std::string bad = imerg.years[1].files.front();
  std::ofstream(bad, std::ios::trunc) << "not an HDF5 file";
  imerg.on_bad = io::OnBadFile::Fail;
  prep::ForkedReads reads({&imerg});
  try {
    reads.join();
    FAIL() << "a corrupt file was read without error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  EXPECT_TRUE(no_child_left());
  // prepare.on_bad_file = skip: the child reads the rest and names the bad file.
  {
    std::vector<prep::SourceJob> skip = twin.plan();
    skip[1].on_bad = io::OnBadFile::Skip;
    prep::ForkedReads r({&skip[1]});
    r.join();
    ASSERT_EQ(skip[1].years[1].skipped.size(), 1u);
    EXPECT_EQ(skip[1].years[1].skipped[0].rfind(bad, 0), 0u) << skip[1].years[1].skipped[0];
    EXPECT_FALSE(skip[1].years[1].built.precip.empty());
  }
  EXPECT_TRUE(no_child_left());
  // Destroyed without join (the caller failed first): the child is killed and reaped.
  {
    std::vector<prep::SourceJob> again = twin.plan();
    prep::ForkedReads abandoned({&again[0], &again[2]});
  }
  EXPECT_TRUE(no_child_left());
}

}  // namespace
}  // namespace rf::pipe

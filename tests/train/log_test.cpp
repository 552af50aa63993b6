// Log lines and progress bars off a terminal (as under ctest): an elapsed-time
// prefix, exactly one summary line per bar, nothing drawn in place, --quiet.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "train/common/log.h"

namespace rf::pipe {
namespace {

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(Log, LinesCarryTheElapsedTime) {
  ASSERT_FALSE(::isatty(STDERR_FILENO)) << "run under ctest (stderr redirected)";
  testing::internal::CaptureStderr();
  log("prepare: %d files in %s", 42, "cache");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\[ *[0-9]+\.[0-9]s\] prepare: 42 files in cache\n)"))) << out;
}

TEST(Log, ProgressPrintsOnlyItsSummaryOffATerminal) {
  testing::internal::CaptureStderr();
  {
    Progress p("read era5", 37, "files");
    for (int i = 0; i < 37; ++i) p.tick();
    p.done();
    p.done();  // a second done() prints nothing
  }
  { Progress q("fuse 2020", 5, "days"); q.tick(3); }  // the destructor prints the summary
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(count(out, "\n"), 2) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\] read era5: 37 files in [0-9.]+ s \([0-9.e+]+ files/s\)\n)"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\] fuse 2020: 3 days in [0-9.]+ s \([0-9.e+]+ days/s\)\n$)"))) << out;
}

TEST(Log, ProgressFnKeepsOneBarPerWhat) {
  testing::internal::CaptureStderr();
  ProgressFn fn = progress_fn();
  ProgressFn copy = fn;  // copies share the bars
  fn("imerg", 1, 4);
  copy("gsmap", 2, 2);  // complete: summary now
  fn("imerg", 3, 4);
  copy("imerg", 4, 4);
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(out, "\n"), 2) << out;
  EXPECT_NE(out.find("gsmap: 2 items"), std::string::npos) << out;
  EXPECT_NE(out.find("imerg: 4 items"), std::string::npos) << out;
  EXPECT_LT(out.find("gsmap:"), out.find("imerg:")) << out;
}

TEST(Log, QuietSilencesLinesAndBars) {
  set_quiet(true);
  testing::internal::CaptureStderr();
  log("hidden %d", 1);
  { Progress p("hidden", 2); p.tick(2); }
  const std::string out = testing::internal::GetCapturedStderr();
  set_quiet(false);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace rf::pipe

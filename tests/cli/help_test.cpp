// `rainfuse <cmd> --help` for every command `rainfuse --help` lists: exit 0 and
// a "usage:" line on stdout. Also `rainfuse config` end to end: the example
// checks clean, and a broken file fails with one line naming the file and key.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("RAINFUSE_BINARY");
    ASSERT_NE(bin, nullptr) << "RAINFUSE_BINARY not set";
    bin_ = bin;
    dir_ = fs::temp_directory_path() / ("rf_help_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  // Runs `rainfuse <args>`; returns the exit code, stdout in out_, stderr in err_.
  int run(const std::string& args) {
    const std::string cmd = bin_ + " " + args + " >" + path("stdout.txt") + " 2>" + path("stderr.txt");
    const int st = std::system(cmd.c_str());
    std::ifstream o(path("stdout.txt")), e(path("stderr.txt"));
    out_.assign(std::istreambuf_iterator<char>(o), {});
    err_.assign(std::istreambuf_iterator<char>(e), {});
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  std::string bin_, out_, err_;
  fs::path dir_;
};

TEST_F(Cli, EveryCommandHasHelp) {
  ASSERT_EQ(run("--help"), 0);
  // "commands:" then one "  <name>  <summary>" line per command.
  std::vector<std::string> commands;
  std::istringstream in(out_);
  bool listing = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "commands:") listing = true;
    else if (listing && line.rfind("  ", 0) == 0) commands.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  ASSERT_GE(commands.size(), 10u) << out_;
  for (const char* must : {"config", "prepare", "train", "fuse", "evaluate", "demo", "synth", "regrid", "model"})
    EXPECT_NE(std::find(commands.begin(), commands.end(), must), commands.end()) << must;
  for (const auto& c : commands) {
    SCOPED_TRACE(c);
    EXPECT_EQ(run(c + " --help"), 0) << err_;
    EXPECT_TRUE(out_.rfind("usage: rainfuse " + c, 0) == 0 || out_.find("\nusage: rainfuse " + c) != std::string::npos)
        << out_;
  }
  EXPECT_EQ(run("nosuchcommand"), 2);
}

TEST_F(Cli, ConfigExampleChecksAndErrorsNameTheKey) {
  ASSERT_EQ(run("config --example"), 0) << err_;
  const std::string example = out_;
  std::ofstream(path("run.toml")) << example;
  ASSERT_EQ(run("config --check " + path("run.toml") + " --set train.epochs=3 --start 2010-01-01"), 0) << err_;
  EXPECT_NE(out_.find("\nepochs = 3\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("\nstart = 2010-01-01\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("working grid 1390 x 850"), std::string::npos) << out_;
  // The printed settings are themselves a valid configuration.
  std::ofstream(path("resolved.toml")) << out_;
  EXPECT_EQ(run("config --check " + path("resolved.toml")), 0) << err_;

  std::string broken = example;
  broken.replace(broken.find("patch = 32"), 10, "patch = 30");
  std::ofstream(path("broken.toml")) << broken;
  EXPECT_EQ(run("config --check " + path("broken.toml")), 1);
  EXPECT_EQ(err_, "rainfuse config: " + path("broken.toml") +
                      ": key 'train.patch': must be a multiple of 8 (qh-ref's attention window), got 30\n");
  EXPECT_EQ(run("config --check " + path("run.toml") + " --set train.epoch=3"), 1);
  EXPECT_EQ(err_, "rainfuse config: --set: key 'train.epoch': unknown key\n");
  EXPECT_EQ(run("config"), 2);
}

}  // namespace

// Corrupt state is detected, never loaded (issue 13): a training checkpoint
// with a flipped bit or cut short is refused naming the file; a prepare cache
// file altered after it was written is found by the manifest's CRC-32 and
// rebuilt, giving back the same values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "train/fit/checkpoint.h"
#include "train/prepare/prepare_steps.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void write_bytes(const std::string& p, const std::string& b) { std::ofstream(p, std::ios::binary) << b; }

struct Dir {
  fs::path path = fs::temp_directory_path() / ("rf_corrupt_" + std::to_string(::getpid()));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string operator/(const std::string& n) const { return (path / n).string(); }
};

void expect_refused(const std::string& file, nn::QhRef& m, nn::Adam& opt, const std::string& what) {
  try {
    load_checkpoint(file, m, opt);
    ADD_FAILURE() << file << " loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(CorruptState, CheckpointWithAFlippedBitOrCutShortIsRefused) {
  Dir d;
  nn::QhRef model;
  nn::Adam opt(model.parameters(), kernels::AdamParams{});
  TrainState st;
  st.epochs_done = 3;
  st.history.push_back({1, 0.5, 0.6, 2.0});
  save_checkpoint(d / "state.bin", st, model, opt);
  EXPECT_EQ(load_checkpoint(d / "state.bin", model, opt).epochs_done, 3);
  const std::string good = read_bytes(d / "state.bin");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  write_bytes(d / "flip.bin", flipped);
  expect_refused(d / "flip.bin", model, opt, "corrupt");
  write_bytes(d / "cut.bin", good.substr(0, good.size() - 7));
  expect_refused(d / "cut.bin", model, opt, "corrupt");
  write_bytes(d / "tiny.bin", good.substr(0, 9));
  expect_refused(d / "tiny.bin", model, opt, "truncated");
}

TEST(CorruptState, CacheContentLineFindsAlteredFiles) {
  Dir d;
  write_bytes(d / "c.nc", std::string(5000, 'x'));
  const std::string block = "key\ndays 2020-01-01 2020-01-02\n" + prep::content_line(d / "c.nc");
  EXPECT_EQ(prep::content_mismatch(block, d / "c.nc"), "");
  std::string b = read_bytes(d / "c.nc");
  b[100] = 'y';
  write_bytes(d / "c.nc", b);
  EXPECT_NE(prep::content_mismatch(block, d / "c.nc").find("altered"), std::string::npos);
  write_bytes(d / "c.nc", b.substr(0, 10));
  EXPECT_NE(prep::content_mismatch(block, d / "c.nc").find("truncated"), std::string::npos);
  EXPECT_EQ(prep::content_mismatch("key\ndays 2020-01-01 2020-01-02\n", d / "c.nc"), "");  // an old block: as it is
  EXPECT_FALSE(prep::cache_file_intact(block, d / "c.nc"));
  EXPECT_FALSE(prep::cache_file_intact(block, d / "gone.nc"));
}

}  // namespace
}  // namespace rf::pipe

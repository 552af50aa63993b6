// safetensors and .npy: round trips, what Python reads and writes, and a
// one-line error naming the file (and the tensor) for each kind of bad file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "nn/npy.h"
#include "nn/qh_ref.h"
#include "nn/safetensors.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

namespace fs = std::filesystem;
using rf::testutil::random_tensor;

class Serialization : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rf_ser_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void write_bytes(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  }
  static std::string read_bytes(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  // A safetensors file with the given JSON header and data bytes.
  static std::string safetensors_bytes(const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
    return out + header + data;
  }
  // Expects fn to throw one line mentioning every `needle`.
  template <class F>
  static void expect_error(F fn, std::initializer_list<std::string> needles) {
    try {
      fn();
      ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      for (const auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
    }
  }
  static bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0; }

  fs::path dir_;
};

TEST_F(Serialization, SafetensorsRoundTrip) {
  std::vector<NamedTensor> ts = {{"a.weight", random_tensor({3, 2, 3, 3, 3}, 1)},
                                 {"a.bias", random_tensor({3}, 2)},
                                 {"scalar", random_tensor({1}, 3)},
                                 {"m", random_tensor({5, 7}, 4)}};
  save_safetensors(path("t.safetensors"), ts);
  const std::string bytes = read_bytes(path("t.safetensors"));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[size_t(i)]);
  EXPECT_EQ((8 + n) % 8, 0u);  // data 8-byte aligned
  EXPECT_EQ(bytes.size(), 8 + n + 4 * (162 + 3 + 1 + 35));
  auto back = load_safetensors(path("t.safetensors"));
  ASSERT_EQ(back.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(back[i].name, ts[i].name);  // file order
    EXPECT_EQ(back[i].tensor.shape(), ts[i].tensor.shape());
    EXPECT_EQ(back[i].tensor.to_vector(), ts[i].tensor.to_vector());
  }
}

TEST_F(Serialization, ModelCheckpointRoundTrip) {
  QhRef a, b;
  a.init(21);
  b.init(22);
  a.save(path("w.safetensors"));
  b.load(path("w.safetensors"));
  for (const auto& [name, t] : a.named_parameters()) EXPECT_EQ(t.to_vector(), b.parameter(name).to_vector());
}

TEST_F(Serialization, SafetensorsBadFiles) {
  QhRef model;
  model.save(path("good.safetensors"));
  const std::string good = read_bytes(path("good.safetensors"));
  // Truncated data.
  write_bytes(path("trunc.safetensors"), good.substr(0, good.size() - 100));
  expect_error([&] { model.load(path("trunc.safetensors")); }, {"trunc.safetensors", "truncated", "head.fc"});
  // Truncated inside the header / shorter than the length field.
  write_bytes(path("short.safetensors"), good.substr(0, 40));
  expect_error([&] { model.load(path("short.safetensors")); }, {"short.safetensors"});
  write_bytes(path("tiny.safetensors"), good.substr(0, 5));
  expect_error([&] { model.load(path("tiny.safetensors")); }, {"tiny.safetensors", "truncated"});
  // Not JSON.
  write_bytes(path("bad.safetensors"), safetensors_bytes("{\"x\": [1, 2", "abcd"));
  expect_error([&] { load_safetensors(path("bad.safetensors")); }, {"bad.safetensors", "header"});
  // Missing tensor.
  auto ps = model.named_parameters();
  save_safetensors(path("missing.safetensors"), {ps.begin(), ps.end() - 1});
  expect_error([&] { model.load(path("missing.safetensors")); }, {"missing.safetensors", "head.fc2.bias", "missing"});
  // Wrong shape.
  ps[2].tensor = Tensor::zeros({32, 32, 3, 3, 1});
  save_safetensors(path("shape.safetensors"), ps);
  expect_error([&] { model.load(path("shape.safetensors")); }, {"shape.safetensors", "conv2.weight", "shape"});
  // Wrong dtype (F64 with a consistent size).
  write_bytes(path("f64.safetensors"),
              safetensors_bytes("{\"conv1.bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
                                std::string(16, '\0')));
  expect_error([&] { load_safetensors(path("f64.safetensors")); }, {"f64.safetensors", "conv1.bias", "F64"});
  // Offsets that disagree with the shape.
  write_bytes(path("offs.safetensors"),
              safetensors_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                                std::string(8, '\0')));
  expect_error([&] { load_safetensors(path("offs.safetensors")); }, {"offs.safetensors", "'w'"});
  // A shape whose element count overflows int64 (was signed overflow).
  write_bytes(path("huge.safetensors"),
              safetensors_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,0]}}", ""));
  expect_error([&] { load_safetensors(path("huge.safetensors")); }, {"huge.safetensors", "'w'"});
  expect_error([&] { load_safetensors(path("nope.safetensors")); }, {"nope.safetensors"});
  // One flipped bit in the tensor data: refused by the CRC-32 in the header's metadata.
  std::string flipped = good;
  flipped[flipped.size() - 1000] ^= 0x10;
  write_bytes(path("flip.safetensors"), flipped);
  expect_error([&] { model.load(path("flip.safetensors")); }, {"flip.safetensors", "corrupt", "CRC-32"});
}

// Reads our file the way the safetensors library does (header JSON, contiguous
// offsets), with Python's json and numpy.
TEST_F(Serialization, PythonReadsOurSafetensors) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  std::vector<NamedTensor> ts = {{"conv1.weight", random_tensor({4, 2, 3, 3, 3}, 5)}, {"loss", random_tensor({1}, 6)}};
  save_safetensors(path("py.safetensors"), ts);
  const std::string script = path("check.py");
  std::ofstream(script) << "import json, struct, sys, numpy as np\n"
                           "b = open(sys.argv[1], 'rb').read()\n"
                           "n = struct.unpack('<Q', b[:8])[0]\n"
                           "h = json.loads(b[8:8 + n])\n"
                           "h.pop('__metadata__', None)\n"
                           "spans = sorted(v['data_offsets'] for v in h.values())\n"
                           "assert spans[0][0] == 0 and spans[-1][1] == len(b) - 8 - n\n"
                           "assert all(a[1] == c[0] for a, c in zip(spans, spans[1:]))\n"
                           "w = h['conv1.weight']\n"
                           "assert w['dtype'] == 'F32' and w['shape'] == [4, 2, 3, 3, 3]\n"
                           "s, e = w['data_offsets']\n"
                           "a = np.frombuffer(b[8 + n + s:8 + n + e], '<f4').reshape(w['shape'])\n"
                           "print(repr(float(a[1, 0, 2, 1, 0])))\n";
  FILE* p = popen(("/usr/bin/python3 " + script + " " + path("py.safetensors")).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[128] = {0};
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  EXPECT_EQ(pclose(p), 0);
  const int64_t idx = (((1 * 2 + 0) * 3 + 2) * 3 + 1) * 3 + 0;
  EXPECT_FLOAT_EQ(std::stof(buf), ts[0].tensor.to_vector()[size_t(idx)]);
}

TEST_F(Serialization, NpyRoundTripAndNumpyInterop) {
  Tensor x = random_tensor({2, 8, 7, 5, 3}, 7), v = random_tensor({6}, 8);
  save_npy(path("x.npy"), x);
  save_npy(path("v.npy"), v);
  EXPECT_EQ(load_npy(path("x.npy")).to_vector(), x.to_vector());
  EXPECT_EQ(load_npy(path("x.npy")).shape(), x.shape());
  EXPECT_EQ(load_npy(path("v.npy")).shape(), Shape({6}));
  EXPECT_EQ(read_bytes(path("x.npy")).size() % 64, (x.numel() * 4) % 64);  // header padded to 64
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  // numpy reads ours; we read numpy's float32 and float64, and a v2.0 header.
  const std::string cmd =
      "/usr/bin/python3 -c \"import numpy as np, sys; d = sys.argv[1]; a = np.load(d + '/x.npy'); "
      "assert a.dtype == np.float32 and a.shape == (2, 8, 7, 5, 3); "
      "np.save(d + '/y32.npy', (a[:, :2] * 2).astype(np.float32)); np.save(d + '/y64.npy', a[:, :2] * 2); "
      "np.lib.format.write_array(open(d + '/y2.npy', 'wb'), a[0], version=(2, 0))\" " +
      dir_.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto xv = x.to_vector();
  for (const char* name : {"y32.npy", "y64.npy"}) {
    Tensor y = load_npy(path(name));
    ASSERT_EQ(y.shape(), Shape({2, 2, 7, 5, 3})) << name;
    const auto yv = y.to_vector();
    EXPECT_FLOAT_EQ(yv[0], 2 * xv[0]);
    EXPECT_FLOAT_EQ(yv[yv.size() - 1], 2 * xv[size_t(x.numel() / 2 + 2 * 7 * 5 * 3 - 1)]);
  }
  Tensor y2 = load_npy(path("y2.npy"));
  EXPECT_EQ(y2.shape(), Shape({8, 7, 5, 3}));
  EXPECT_EQ(y2.to_vector()[5], xv[5]);
}

TEST_F(Serialization, NpyBadFiles) {
  save_npy(path("good.npy"), random_tensor({4, 5}, 9));
  const std::string good = read_bytes(path("good.npy"));
  write_bytes(path("trunc.npy"), good.substr(0, good.size() - 4));
  expect_error([&] { load_npy(path("trunc.npy")); }, {"trunc.npy", "truncated"});
  write_bytes(path("magic.npy"), "NUMPY....garbage");
  expect_error([&] { load_npy(path("magic.npy")); }, {"magic.npy", "not a .npy"});
  std::string i4 = good;
  i4.replace(i4.find("<f4"), 3, "<i4");
  write_bytes(path("i4.npy"), i4);
  expect_error([&] { load_npy(path("i4.npy")); }, {"i4.npy", "<i4"});
  std::string fo = good;
  fo.replace(fo.find("False"), 5, "True ");
  write_bytes(path("fortran.npy"), fo);
  expect_error([&] { load_npy(path("fortran.npy")); }, {"fortran.npy", "Fortran"});
  expect_error([&] { load_npy(path("absent.npy")); }, {"absent.npy"});
  // Dims whose product overflows int64 (was signed overflow in the size check).
  std::string huge = good;
  huge.replace(huge.find("(4, 5)"), 6, "(4294967296, 4294967296, 4)");
  write_bytes(path("huge.npy"), huge);
  expect_error([&] { load_npy(path("huge.npy")); }, {"huge.npy", "truncated"});
}

}  // namespace
}  // namespace rf::nn

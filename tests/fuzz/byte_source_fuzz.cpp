// Flat-binary products as files (io/grads/byte_source.h, binary.h): a plain,
// gzip or bzip2 file (by its magic bytes) read with a mix of reads and skips,
// then read as a GrADS product of a small fixed descriptor: 4-byte header,
// 4 x 3 cells, 2 hourly steps of 2 variables (the second is read).
// Input: the file.
#include <cstdint>
#include <exception>
#include <vector>

#include "io/grads/binary.h"
#include "io/grads/byte_source.h"
#include "tests/fuzz/fuzz_input.h"

using namespace rf::io;

namespace {

const char* kCtl =
    "DSET ^data.bin\nOPTIONS little_endian\nUNDEF -999\nFILEHEADER 4\n"
    "XDEF 4 LINEAR 100.125 0.25\nYDEF 3 LINEAR 35.125 0.25\nTDEF 2 LINEAR 00z01jan2020 1hr\n"
    "VARS 2\na 0 99 first\nb 0 99 second\nENDVARS\n";

// Decompressed bytes one input may consume: a few KiB of bzip2 can stand for
// gigabytes, and the readers only ever take what a descriptor implies.
constexpr size_t kMaxBytes = size_t(16) << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = rf::fuzz::scratch_file("data.bin", rf::fuzz::as_string(data, size));
  try {
    auto src = ByteSource::open(path);
    const size_t steps[] = {1, 3, 4096, 70000, 5, 1 << 20};
    std::vector<char> buf(1 << 20);
    for (size_t k = 0, total = 0; total < kMaxBytes; ++k) {
      const size_t n = steps[k % 6];
      if (k % 2) src->skip(n);
      else src->read(buf.data(), n);
      total += n;
    }
  } catch (const std::exception&) {
  }
  try {
    static const GradsCtl ctl = parse_grads_ctl(kCtl, "fuzz descriptor", rf::fuzz::scratch_dir().string());
    read_grads_file(ctl, path, GradsReadSpec{"b", true}, Region{100, 101, 35, 35.75}, 0);
  } catch (const std::exception&) {
  }
  return 0;
}

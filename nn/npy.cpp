#include "nn/npy.h"

#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/backend.h"

namespace rf::nn {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// Value text of `'key':` in a Python dict literal (up to the next top-level ',' or '}').
std::string dict_value(const std::string& h, const std::string& key, const std::string& path) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) fail(path, "bad .npy header: no '" + key + "'");
  size_t colon = h.find(':', k);
  if (colon == std::string::npos) fail(path, "bad .npy header near '" + key + "'");
  size_t b = colon + 1;
  while (b < h.size() && h[b] == ' ') ++b;
  size_t e = b;
  if (b < h.size() && h[b] == '(') {
    e = h.find(')', b);
    if (e == std::string::npos) fail(path, "bad .npy header: unterminated shape");
    return h.substr(b, e - b + 1);
  }
  while (e < h.size() && h[e] != ',' && h[e] != '}') ++e;
  std::string v = h.substr(b, e - b);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

}  // namespace

void save_npy(const std::string& path, const Tensor& t) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < t.dim(); ++i) {
    dict += std::to_string(t.size(i));
    if (t.dim() == 1 || i + 1 < t.dim()) dict += ", ";
  }
  if (t.dim() == 1) dict.erase(dict.size() - 1);  // "(n,)"
  dict += "), }";
  // Pad with spaces and a newline so that magic + version + length + header is a multiple of 64.
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open for writing");
  f.write("\x93NUMPY", 6);
  const char ver[2] = {char(v2 ? 2 : 1), 0};
  f.write(ver, 2);
  if (v2) {
    const uint32_t n = uint32_t(dict.size());
    const unsigned char le[4] = {uint8_t(n), uint8_t(n >> 8), uint8_t(n >> 16), uint8_t(n >> 24)};
    f.write(reinterpret_cast<const char*>(le), 4);
  } else {
    const uint16_t n = uint16_t(dict.size());
    const unsigned char le[2] = {uint8_t(n), uint8_t(n >> 8)};
    f.write(reinterpret_cast<const char*>(le), 2);
  }
  f.write(dict.data(), std::streamsize(dict.size()));
  const std::vector<float> v = t.to_vector();
  f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
  if (!f) fail(path, "write failed");
}

Tensor load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open");
  f.seekg(0, std::ios::end);
  const int64_t size = f.tellg();
  f.seekg(0);
  char magic[8];
  if (size < 10 || !f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path, "not a .npy file");
  const int major = uint8_t(magic[6]);
  if (major < 1 || major > 3) fail(path, "unsupported .npy version " + std::to_string(major));
  uint32_t hlen = 0;
  unsigned char le[4] = {0, 0, 0, 0};
  if (!f.read(reinterpret_cast<char*>(le), major == 1 ? 2 : 4)) fail(path, "truncated .npy header");
  hlen = le[0] | (le[1] << 8) | (uint32_t(le[2]) << 16) | (uint32_t(le[3]) << 24);
  const int64_t data_start = (major == 1 ? 10 : 12) + int64_t(hlen);
  if (data_start > size) fail(path, "truncated .npy header");
  std::string h(hlen, '\0');
  f.read(h.data(), hlen);
  std::string descr = dict_value(h, "descr", path), fortran = dict_value(h, "fortran_order", path),
              shape_s = dict_value(h, "shape", path);
  if (fortran != "False") fail(path, "Fortran-order arrays are not supported (save in C order)");
  int elem = 0;
  if (descr == "'<f4'" || descr == "'float32'")
    elem = 4;
  else if (descr == "'<f8'" || descr == "'float64'")
    elem = 8;
  else
    fail(path, "dtype " + descr + " is not supported (need '<f4' float32, or '<f8')");
  if (shape_s.size() < 2 || shape_s.front() != '(' || shape_s.back() != ')') fail(path, "bad .npy shape " + shape_s);
  std::vector<int64_t> dims;
  std::string num;
  for (char ch : shape_s.substr(1)) {
    if (ch >= '0' && ch <= '9') {
      num += ch;
    } else if (ch == ',' || ch == ')') {
      if (!num.empty()) dims.push_back(std::stoll(num));
      num.clear();
    } else if (ch != ' ' && ch != 'L') {
      fail(path, "bad .npy shape " + shape_s);
    }
  }
  if (dims.size() > 5) fail(path, "array of " + std::to_string(dims.size()) + " dims (at most 5)");
  // The element count, checked against the file size as it grows (a product of dims can overflow int64).
  int64_t n = 1;
  for (int64_t d : dims)
    if (d && n > (size - data_start) / elem / d) fail(path, "truncated: shape " + shape_s + " needs more data than the file has");
    else n *= d;
  const Shape shape(dims);
  if (size - data_start < n * elem)
    fail(path, "truncated: shape " + shape.str() + " needs " + std::to_string(n * elem) + " data bytes, file has " +
                   std::to_string(size - data_start));
  Tensor t = Tensor::empty(shape, Device::CPU);
  if (elem == 4) {
    f.read(reinterpret_cast<char*>(t.data()), std::streamsize(n * 4));
  } else {
    std::vector<double> d(static_cast<size_t>(n));
    f.read(reinterpret_cast<char*>(d.data()), std::streamsize(n * 8));
    for (int64_t i = 0; i < n; ++i) t.data()[i] = float(d[size_t(i)]);
  }
  if (!f) fail(path, "read failed");
  return t;
}

}  // namespace rf::nn

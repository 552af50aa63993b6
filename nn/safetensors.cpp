#include "nn/safetensors.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/backend.h"

namespace rf::nn {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// zlib's CRC-32 (crc32_z takes a size_t length), chained through `crc`.
uint32_t data_crc32(const void* p, size_t n, uint32_t crc = 0) {
  return uint32_t(::crc32_z(crc, static_cast<const Bytef*>(p), n));
}

// The parts of a safetensors header we use: per tensor dtype, shape, offsets.
struct Entry {
  std::string dtype;
  std::vector<int64_t> shape;
  int64_t begin = -1, end = -1;
};

// Minimal JSON reader for the header: objects, arrays, strings, integers, and
// (skipped) other scalars. Throws std::runtime_error on malformed input.
class HeaderParser {
 public:
  explicit HeaderParser(const std::string& s) : s_(s) {}
  std::map<std::string, std::string> metadata;  // __metadata__'s string values, after parse()

  std::map<std::string, Entry> parse() {
    std::map<std::string, Entry> out;
    expect('{');
    if (peek() == '}') return ++i_, out;
    for (;;) {
      std::string name = string();
      expect(':');
      if (name == "__metadata__") {
        metadata_();
      } else {
        out[name] = entry(name);
      }
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      break;
    }
    ws();
    if (i_ != s_.size()) error("trailing characters");
    return out;
  }

 private:
  Entry entry(const std::string& name) {
    Entry e;
    expect('{');
    bool has_dtype = false, has_shape = false, has_offsets = false;
    for (;;) {
      std::string key = string();
      expect(':');
      if (key == "dtype") {
        e.dtype = string();
        has_dtype = true;
      } else if (key == "shape") {
        e.shape = int_array();
        has_shape = true;
      } else if (key == "data_offsets") {
        std::vector<int64_t> o = int_array();
        if (o.size() != 2) error("data_offsets of '" + name + "' must have 2 entries");
        e.begin = o[0], e.end = o[1];
        has_offsets = true;
      } else {
        skip_value();
      }
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      break;
    }
    if (!has_dtype || !has_shape || !has_offsets) error("tensor '" + name + "' lacks dtype, shape or data_offsets");
    return e;
  }

  // Fills `metadata` from the header's __metadata__: string values kept (crc32), others skipped.
  void metadata_() {
    if (peek() != '{') return skip_value();
    ++i_;
    if (peek() == '}') return void(++i_);
    for (;;) {
      const std::string key = string();
      expect(':');
      if (peek() == '"') metadata[key] = string();
      else skip_value();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      return;
    }
  }

  std::vector<int64_t> int_array() {
    std::vector<int64_t> v;
    expect('[');
    if (peek() == ']') return ++i_, v;
    for (;;) {
      v.push_back(integer());
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect(']');
      return v;
    }
  }

  int64_t integer() {
    ws();
    size_t b = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    if (b == i_ || i_ - b > 18) error("expected a non-negative integer");
    return std::stoll(s_.substr(b, i_ - b));
  }

  std::string string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') {
        if (++i_ >= s_.size()) break;
        const char c = s_[i_];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;  // \" \\ \/ and the rest verbatim
        if (c == 'u') i_ += 4;
      } else {
        out += s_[i_];
      }
      ++i_;
    }
    if (i_ >= s_.size()) error("unterminated string");
    ++i_;
    return out;
  }

  void skip_value() {
    const char c = peek();
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      if (peek() == close) return void(++i_);
      for (;;) {
        if (c == '{') {
          string();
          expect(':');
        }
        skip_value();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(close);
        return;
      }
    } else {
      size_t b = i_;
      while (i_ < s_.size() && std::strchr(",}] \n\r\t", s_[i_]) == nullptr) ++i_;
      if (b == i_) error("expected a value");
    }
  }

  void ws() {
    while (i_ < s_.size() && std::strchr(" \n\r\t", s_[i_]) && s_[i_]) ++i_;
  }
  char peek() {
    ws();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++i_;
  }
  [[noreturn]] void error(const std::string& what) {
    throw std::runtime_error("bad safetensors header (" + what + " at byte " + std::to_string(i_) + ")");
  }

  const std::string& s_;
  size_t i_ = 0;
};

struct File {
  std::map<std::string, Entry> entries;
  std::map<std::string, std::string> metadata;
  std::vector<std::string> order;  // by data offset
  std::vector<char> data;
};

File read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open");
  f.seekg(0, std::ios::end);
  const int64_t size = f.tellg();
  f.seekg(0);
  unsigned char le[8];
  if (size < 8 || !f.read(reinterpret_cast<char*>(le), 8)) fail(path, "truncated (no safetensors header length)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | le[i];
  if (n > uint64_t(size - 8) || n > (uint64_t(1) << 30))
    fail(path, "truncated or not safetensors (header length " + std::to_string(n) + ", file " +
                   std::to_string(size) + " bytes)");
  std::string header(n, '\0');
  f.read(header.data(), std::streamsize(n));
  File out;
  try {
    HeaderParser hp(header);
    out.entries = hp.parse();
    out.metadata = std::move(hp.metadata);
  } catch (const std::exception& e) {
    fail(path, e.what());
  }
  const int64_t data_size = size - 8 - int64_t(n);
  for (auto& [name, e] : out.entries) {
    int64_t count = 1;  // capped at the data size: a product of dims can overflow int64
    for (int64_t d : e.shape) count = d && count > data_size / d ? data_size + 1 : count * d;
    const int64_t elem = e.dtype == "F32" ? 4 : e.dtype == "F64" || e.dtype == "I64" ? 8
                         : e.dtype == "F16" || e.dtype == "BF16" || e.dtype == "I16" ? 2
                         : e.dtype == "I32" ? 4 : 1;
    if (e.begin > e.end || e.end - e.begin != count * elem)
      fail(path, "tensor '" + name + "': data_offsets do not match shape and dtype");
    if (e.end > data_size)
      fail(path, "truncated: tensor '" + name + "' ends at byte " + std::to_string(e.end) + " of " +
                     std::to_string(data_size) + " data bytes");
    out.order.push_back(name);
  }
  std::sort(out.order.begin(), out.order.end(),
            [&](const std::string& a, const std::string& b) { return out.entries[a].begin < out.entries[b].begin; });
  out.data.resize(size_t(data_size));
  f.read(out.data.data(), std::streamsize(data_size));
  if (!f) fail(path, "read failed");
  // Files we write carry the data section's CRC-32 (others, e.g. PyTorch's, do not).
  if (const auto it = out.metadata.find("crc32"); it != out.metadata.end()) {
    char want[16];
    std::snprintf(want, sizeof want, "%08x", unsigned(data_crc32(out.data.data(), out.data.size())));
    if (it->second != want)
      fail(path, "corrupt: the tensor data's CRC-32 is " + std::string(want) + ", the header records " + it->second +
                     " (truncated or altered on disk)");
  }
  return out;
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors) {
  std::vector<std::vector<float>> data;
  uint32_t crc = 0;
  for (const auto& nt : tensors) {
    data.push_back(nt.tensor.to_vector());
    crc = data_crc32(data.back().data(), data.back().size() * 4, crc);
  }
  char crc_text[16];
  std::snprintf(crc_text, sizeof crc_text, "%08x", unsigned(crc));
  std::string h = "{\"__metadata__\":{\"format\":\"pt\",\"crc32\":\"" + std::string(crc_text) + "\"}";
  int64_t off = 0;
  for (const auto& [name, t] : tensors) {
    h += ",\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[";
    for (int i = 0; i < t.dim(); ++i) {
      if (i) h += ',';
      h += std::to_string(t.size(i));
    }
    const int64_t end = off + t.numel() * 4;
    h += "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(end) + "]}";
    off = end;
  }
  h += "}";
  h += std::string((8 - h.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) fail(path, std::string("cannot open for writing: ") + std::strerror(errno));
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = uint8_t(uint64_t(h.size()) >> (8 * i));
  errno = 0;
  bool ok = std::fwrite(le, 1, 8, f) == 8 && std::fwrite(h.data(), 1, h.size(), f) == h.size();
  for (const auto& v : data) ok = ok && std::fwrite(v.data(), 4, v.size(), f) == v.size();
  // Flush and close here, checked: a full disk often shows only then.
  ok = ok && std::fflush(f) == 0;
  int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!err) err = errno;
  if (!ok) fail(path, std::string("write failed: ") + (err ? std::strerror(err) : "unknown error"));
}

std::vector<NamedTensor> load_safetensors(const std::string& path) {
  File file = read_file(path);
  std::vector<NamedTensor> out;
  for (const std::string& name : file.order) {
    const Entry& e = file.entries[name];
    if (e.dtype != "F32") fail(path, "tensor '" + name + "' has dtype " + e.dtype + ", expected F32");
    if (e.shape.size() > 5) fail(path, "tensor '" + name + "' has more than 5 dims");
    Tensor t = Tensor::from_data(Shape(e.shape), reinterpret_cast<const float*>(file.data.data() + e.begin));
    out.push_back({name, t});
  }
  return out;
}

void load_safetensors_into(const std::string& path, const std::vector<NamedTensor>& into) {
  File file = read_file(path);
  for (const auto& [name, dst] : into) {
    auto it = file.entries.find(name);
    if (it == file.entries.end()) fail(path, "missing tensor '" + name + "'");
    const Entry& e = it->second;
    if (e.dtype != "F32") fail(path, "tensor '" + name + "' has dtype " + e.dtype + ", expected F32");
    if (e.shape != dst.shape().vec()) {
      std::string got = "[";
      for (size_t i = 0; i < e.shape.size(); ++i) {
        if (i) got += ", ";
        got += std::to_string(e.shape[i]);
      }
      fail(path, "tensor '" + name + "' has shape " + got + "], expected " + dst.shape().str());
    }
    std::vector<float> v(static_cast<size_t>(dst.numel()));
    std::memcpy(v.data(), file.data.data() + e.begin, v.size() * 4);
    backend(dst.device()).from_host(dst.numel(), v.data(), dst.data());
  }
}

}  // namespace rf::nn

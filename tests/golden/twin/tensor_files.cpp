#include "tensor_files.h"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace twin {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::string& head, const std::vector<torch::Tensor>& blobs) {
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot create");
  f.write(head.data(), std::streamsize(head.size()));
  for (const auto& t : blobs) f.write(static_cast<const char*>(t.data_ptr()), std::streamsize(t.numel() * 4));
  if (!f) fail(path, "write failed");
}

torch::Tensor float_cpu(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat).contiguous(); }

// Just enough JSON for a safetensors header: objects, arrays, strings, numbers.
struct Json {
  enum Kind { Null, Number, String, Array, Object } kind = Null;
  double number = 0;
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;
  const Json* get(const std::string& key) const {
    for (const auto& [k, v] : fields)
      if (k == key) return &v;
    return nullptr;
  }
};

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}
  Json parse() {
    Json v = value();
    skip_ws();
    if (i_ != s_.size()) fail(path_, "trailing bytes after the JSON header");
    return v;
  }

 private:
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  char peek() {
    skip_ws();
    if (i_ >= s_.size()) fail(path_, "JSON header ends early");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) fail(path_, std::string("JSON header: expected '") + c + "'");
    ++i_;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\' && i_ < s_.size()) c = s_[i_++];  // names here never need \uXXXX
      out += c;
    }
    expect('"');
    return out;
  }
  Json value() {
    Json v;
    const char c = peek();
    if (c == '{') {
      v.kind = Json::Object;
      ++i_;
      if (peek() == '}') return ++i_, v;
      for (;;) {
        std::string key = string();
        expect(':');
        v.fields.emplace_back(std::move(key), value());
        if (peek() == ',') { ++i_; continue; }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++i_;
      if (peek() == ']') return ++i_, v;
      for (;;) {
        v.items.push_back(value());
        if (peek() == ',') { ++i_; continue; }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                              s_[i_] == '.'))
      ++i_;
    const std::string word = s_.substr(start, i_ - start);
    if (word.empty()) fail(path_, "JSON header: unexpected character");
    if (word == "null" || word == "true" || word == "false") return v;
    v.kind = Json::Number;
    v.number = std::stod(word);
    return v;
  }

  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;
};

std::vector<int64_t> int_list(const Json* j, const std::string& path, const std::string& name) {
  if (!j || j->kind != Json::Array) fail(path, "tensor '" + name + "': missing shape/offsets");
  std::vector<int64_t> out;
  for (const auto& it : j->items) out.push_back(int64_t(it.number));
  return out;
}

}  // namespace

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path) {
  const std::string bytes = read_all(path);
  uint64_t n = 0;
  if (bytes.size() < 8) fail(path, "too short for a safetensors file");
  std::memcpy(&n, bytes.data(), 8);
  if (8 + n > bytes.size()) fail(path, "header length past the end of the file");
  const Json header = JsonParser(bytes.substr(8, n), path).parse();
  const char* data = bytes.data() + 8 + n;
  const size_t data_len = bytes.size() - 8 - n;
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, info] : header.fields) {
    if (name == "__metadata__") continue;
    const Json* dtype = info.get("dtype");
    if (!dtype || dtype->str != "F32") fail(path, "tensor '" + name + "' is not F32");
    const auto shape = int_list(info.get("shape"), path, name);
    const auto off = int_list(info.get("data_offsets"), path, name);
    int64_t numel = 1;
    for (auto d : shape) numel *= d;
    if (off.size() != 2 || off[1] - off[0] != numel * 4 || size_t(off[1]) > data_len)
      fail(path, "tensor '" + name + "': bad data_offsets");
    auto t = torch::empty(shape, torch::kFloat);
    std::memcpy(t.data_ptr<float>(), data + off[0], size_t(numel) * 4);
    out.emplace(name, t);
  }
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors) {
  std::ostringstream json;
  std::vector<torch::Tensor> blobs;
  int64_t offset = 0;
  json << '{';
  for (const auto& [name, t] : tensors) {
    blobs.push_back(float_cpu(t));
    json << (blobs.size() > 1 ? "," : "") << '"' << name << "\":{\"dtype\":\"F32\",\"shape\":[";
    for (int64_t d = 0; d < t.dim(); ++d) json << (d ? "," : "") << t.size(d);
    json << "],\"data_offsets\":[" << offset << ',' << offset + t.numel() * 4 << "]}";
    offset += t.numel() * 4;
  }
  json << '}';
  std::string text = json.str();
  text.resize((text.size() + 7) / 8 * 8, ' ');  // the data starts 8-byte aligned
  std::string head(8, '\0');
  const uint64_t n = text.size();
  std::memcpy(head.data(), &n, 8);
  write_all(path, head + text, blobs);
}

torch::Tensor load_npy(const std::string& path) {
  const std::string bytes = read_all(path);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail(path, "not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = static_cast<unsigned char>(bytes[8]) | size_t(static_cast<unsigned char>(bytes[9])) << 8;
    start = 10;
  } else {
    uint32_t n = 0;
    std::memcpy(&n, bytes.data() + 8, 4);
    hlen = n;
    start = 12;
  }
  if (start + hlen > bytes.size()) fail(path, "header past the end of the file");
  const std::string dict = bytes.substr(start, hlen);
  if (dict.find("'<f4'") == std::string::npos) fail(path, "dtype is not '<f4'");
  if (dict.find("'fortran_order': False") == std::string::npos) fail(path, "Fortran order is not supported");
  const size_t open = dict.find('(', dict.find("'shape'")), close = dict.find(')', open);
  if (open == std::string::npos || close == std::string::npos) fail(path, "no shape in the header");
  std::vector<int64_t> shape;
  std::istringstream dims(dict.substr(open + 1, close - open - 1));
  for (std::string d; std::getline(dims, d, ',');)
    if (d.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(d));
  auto t = torch::empty(shape, torch::kFloat);
  const size_t n = size_t(t.numel()) * 4;
  if (bytes.size() - start - hlen != n) fail(path, "data size does not match the shape");
  std::memcpy(t.data_ptr<float>(), bytes.data() + start + hlen, n);
  return t;
}

void save_npy(const std::string& path, const torch::Tensor& t) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int64_t d = 0; d < t.dim(); ++d) dict += std::to_string(t.size(d)) + (t.dim() == 1 || d + 1 < t.dim() ? "," : "");
  dict += "), }";
  const size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;  // header padded to 64 bytes, ends in '\n'
  dict.resize(total - 10 - 1, ' ');
  dict += '\n';
  std::string head = "\x93NUMPY";
  head += char(1);
  head += char(0);
  head += char(dict.size() & 0xff);
  head += char(dict.size() >> 8);
  write_all(path, head + dict, {float_cpu(t)});
}

}  // namespace twin

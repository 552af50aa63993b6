// Atomic training checkpoints (checkpoint.h).
#include "train/fit/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "io/checksum.h"

namespace rf::pipe {
namespace {

// Version 2 ends with the CRC-32 of every byte before it, so a truncated or
// bit-flipped checkpoint is refused instead of resumed from; version 1 files
// (no CRC) still load.
constexpr char kMagic[8] = {'R', 'F', 'C', 'K', 'P', 'T', '2', '\n'};
constexpr char kMagicV1[8] = {'R', 'F', 'C', 'K', 'P', 'T', '1', '\n'};

struct Writer {
  std::string buf;
  template <class T>
  void put(const T& v) {
    buf.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void tensors(const std::vector<Tensor>& ts) {
    put<uint64_t>(ts.size());
    for (const Tensor& t : ts) {
      const std::vector<float> v = t.to_vector();
      put<uint64_t>(v.size());
      buf.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    }
  }
};

struct Reader {
  const std::string& path;
  const std::string& buf;
  size_t pos = 0;
  void need(size_t n) {
    if (pos + n > buf.size()) throw std::runtime_error(path + ": checkpoint is truncated");
  }
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, buf.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  void tensors(const std::vector<Tensor>& ts, const char* what) {
    if (get<uint64_t>() != ts.size()) throw std::runtime_error(path + ": checkpoint " + what + " count differs from the model");
    for (const Tensor& t : ts) {
      const uint64_t n = get<uint64_t>();
      if (n != uint64_t(t.numel())) throw std::runtime_error(path + ": checkpoint " + what + " shape differs from the model");
      need(n * sizeof(float));
      std::vector<float> v(n);
      std::memcpy(v.data(), buf.data() + pos, n * sizeof(float));
      pos += n * sizeof(float);
      Tensor(t).copy_from(Tensor::from_vector(t.shape(), v).to(t.device()));
    }
  }
};

// The checkpoint's bytes without its CRC, after checking it (version 2).
std::string read_all(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open checkpoint");
  std::string s;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) s.append(chunk, n);
  std::fclose(f);
  if (s.size() >= sizeof kMagic && std::memcmp(s.data(), kMagic, sizeof kMagic) == 0) {
    if (s.size() < sizeof kMagic + 4) throw std::runtime_error(path + ": checkpoint is truncated");
    uint32_t stored;
    std::memcpy(&stored, s.data() + s.size() - 4, 4);
    s.resize(s.size() - 4);
    if (io::crc32_of(s.data(), s.size()) != stored)
      throw std::runtime_error(path + ": checkpoint is corrupt (CRC-32 mismatch: truncated or altered on disk); "
                               "delete it to train this model again from the start");
  }
  return s;
}

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw std::runtime_error(path + ": cannot open for fsync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0 && !directory) throw std::runtime_error(path + ": fsync failed");
}

std::string tmp_name(const std::string& path) { return path + ".tmp" + std::to_string(::getpid()); }

std::string encode(const TrainState& st, const nn::QhRef& model, const nn::Adam& opt) {
  Writer w;
  w.buf.append(kMagic, sizeof kMagic);
  w.put(st.epochs_done);
  w.put(st.adam_steps);
  w.put(st.sample_rng);
  w.put(st.dropout_seed);
  w.put(st.dropout_offset);
  w.put(st.best_val);
  w.put(st.best_epoch);
  w.put(st.bad_epochs);
  w.put<uint64_t>(st.history.size());
  for (const EpochRecord& r : st.history) {
    w.put(r.epoch);
    w.put(r.train_loss);
    w.put(r.val_loss);
    w.put(r.seconds);
  }
  w.tensors(model.parameters());
  w.tensors(opt.first_moments());
  w.tensors(opt.second_moments());
  w.put(io::crc32_of(w.buf.data(), w.buf.size()));
  return w.buf;
}

TrainState decode_state(Reader& r) {
  r.need(sizeof kMagic);
  if (std::memcmp(r.buf.data(), kMagic, sizeof kMagic) != 0 && std::memcmp(r.buf.data(), kMagicV1, sizeof kMagicV1) != 0)
    throw std::runtime_error(r.path + ": not a rainfuse checkpoint");
  r.pos = sizeof kMagic;
  TrainState st;
  st.epochs_done = r.get<int>();
  st.adam_steps = r.get<int64_t>();
  st.sample_rng = r.get<uint64_t>();
  st.dropout_seed = r.get<uint64_t>();
  st.dropout_offset = r.get<uint64_t>();
  st.best_val = r.get<double>();
  st.best_epoch = r.get<int>();
  st.bad_epochs = r.get<int>();
  const uint64_t n = r.get<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    EpochRecord e;
    e.epoch = r.get<int>();
    e.train_loss = r.get<double>();
    e.val_loss = r.get<double>();
    e.seconds = r.get<double>();
    st.history.push_back(e);
  }
  return st;
}

}  // namespace

void commit_file(const std::string& tmp, const std::string& path) {
  fsync_path(tmp, false);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(path + ": cannot rename from " + tmp + ": " + ec.message());
  const std::string dir = std::filesystem::path(path).parent_path().string();
  fsync_path(dir.empty() ? "." : dir, true);
}

void write_file_checked(const std::string& tmp, const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot create " + tmp + ": " + std::strerror(errno));
  errno = 0;
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0;
  int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!err) err = errno;
  if (!wrote || !closed) {  // e.g. a full disk: say so, keep the earlier file, leave no temporary
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot write: " + (err ? std::strerror(err) : "write failed") +
                             " (the earlier file, if any, is unchanged)");
  }
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = tmp_name(path);
  write_file_checked(tmp, path, bytes);
  commit_file(tmp, path);
}

void save_model_atomic(const nn::QhRef& model, const std::string& path) {
  const std::string tmp = tmp_name(path);
  try {
    model.save(tmp);
  } catch (...) {  // e.g. a full disk: no temporary left behind, the earlier file unchanged
    std::remove(tmp.c_str());
    throw;
  }
  commit_file(tmp, path);
}

void remove_stale_temps(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().filename().string().find(".tmp") != std::string::npos)
      std::filesystem::remove(e.path(), ec);
}

void save_checkpoint(const std::string& path, const TrainState& st, const nn::QhRef& model, const nn::Adam& opt) {
  write_file_atomic(path, encode(st, model, opt));
}

TrainState load_checkpoint(const std::string& path, nn::QhRef& model, nn::Adam& opt) {
  const std::string buf = read_all(path);
  Reader r{path, buf};
  TrainState st = decode_state(r);
  r.tensors(model.parameters(), "parameter");
  r.tensors(opt.first_moments(), "Adam moment");
  r.tensors(opt.second_moments(), "Adam moment");
  if (r.pos != buf.size()) throw std::runtime_error(path + ": checkpoint has trailing bytes");
  opt.set_steps(st.adam_steps);
  return st;
}

TrainState read_checkpoint_state(const std::string& path) {
  const std::string buf = read_all(path);
  Reader r{path, buf};
  return decode_state(r);
}

}  // namespace rf::pipe

#include "io/cf/chunk_writer.h"

#include <hdf5.h>
#include <libdeflate.h>
#include <omp.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <algorithm>

#include <memory>
#include <stdexcept>
#include <vector>

#include "io/cf/row_deflate.h"

namespace {

// Why a write into `path` failed, as far as the system tells: HDF5's own
// message says only "write failed". A filesystem with (almost) no space left is
// the usual cause; errno from the failed write(2) otherwise.
std::string write_failure_cause(const std::string& path, int err) {
  struct statvfs v{};
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &v) == 0) {
    const unsigned long long free_bytes = (unsigned long long)v.f_bavail * v.f_frsize;
    if (free_bytes < (1ull << 20))
      return ": No space left on device (" + std::to_string(free_bytes) + " bytes free under " + dir + ")";
  }
  return err ? ": " + std::string(std::strerror(err)) : "";
}

}  // namespace

namespace rf::io {

void hdf5_shuffle(const uint8_t* src, uint8_t* dst, size_t nbytes, size_t elem_size) {
  // H5Z__filter_shuffle: byte j of element i goes to dst[j * n + i]; a tail
  // shorter than one element is copied unchanged.
  if (elem_size <= 1) {
    std::copy(src, src + nbytes, dst);
    return;
  }
  const size_t n = nbytes / elem_size;
  for (size_t j = 0; j < elem_size; ++j) {
    uint8_t* d = dst + j * n;
    const uint8_t* s = src + j;
    for (size_t i = 0; i < n; ++i) d[i] = s[i * elem_size];
  }
  std::copy(src + n * elem_size, src + nbytes, dst + n * elem_size);
}

namespace {

struct H5Handle {  // closes an HDF5 id with its matching close function
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5Handle() {
    if (id >= 0) close(id);
  }
};

// Silences HDF5's automatic error stack printing; errors are reported by us.
struct QuietHdf5 {
  H5E_auto2_t fn = nullptr;
  void* data = nullptr;
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &fn, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, fn, data); }
};

// Checks a dataset's filter pipeline: none (compress = false) or shuffle then
// deflate at `level` (compress = true). Returns what differs, or nullptr.
const char* filter_mismatch(hid_t dcpl, int level, bool& compress) {
  const int nfilters = H5Pget_nfilters(dcpl);
  compress = nfilters == 2;
  if (nfilters == 0) return nullptr;
  if (nfilters != 2) return "unexpected filter pipeline";
  unsigned flags, cd[8];
  size_t ncd = 8;
  char name[64];
  unsigned config;
  const H5Z_filter_t f0 = H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, sizeof name, name, &config);
  ncd = 8;
  const H5Z_filter_t f1 = H5Pget_filter2(dcpl, 1, &flags, &ncd, cd, sizeof name, name, &config);
  if (f0 != H5Z_FILTER_SHUFFLE || f1 != H5Z_FILTER_DEFLATE) return "filters are not shuffle + deflate";
  if (ncd < 1 || int(cd[0]) != level) return "deflate level differs from the definition";
  return nullptr;
}

}  // namespace

struct DirectChunkWriter::Impl {
  std::string path, var;
  size_t elem_size = 0;
  bool compress = false, fast = false;
  H5Handle file{-1, H5Fclose}, dset{-1, H5Dclose};
  hsize_t dims[3] = {0, 0, 0}, chunk[3] = {0, 0, 0};
  size_t nct = 0, ncy = 0, ncx = 0, raw_bytes = 0, per_block = 0;
  // Buffers live across time blocks: re-allocating (and zeroing) ~2 MiB per chunk
  // per block cost more than the compression of these very regular fields.
  // One libdeflate compressor per thread; its zlib-format output is what the
  // HDF5 deflate filter (zlib inflate) decodes.
  std::vector<libdeflate_compressor*> zc;
  std::vector<std::unique_ptr<uint8_t[]>> out, raw, shuffled;
  std::vector<size_t> out_bytes;
  std::vector<char> ok;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path + ": variable '" + var + "': " + what);
  }
  ~Impl() {
    for (auto* c : zc)
      if (c) libdeflate_free_compressor(c);
  }
};

DirectChunkWriter::DirectChunkWriter(const std::string& path, const std::string& var, size_t elem_size,
                                     int deflate_level, bool fast)
    : impl_(new Impl) {
  QuietHdf5 quiet;
  Impl& m = *impl_;
  m.path = path;
  m.var = var;
  m.elem_size = elem_size;
  m.fast = fast;
  m.file.id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (m.file.id < 0) m.fail("HDF5 cannot reopen the file");
  m.dset.id = H5Dopen2(m.file.id, var.c_str(), H5P_DEFAULT);
  if (m.dset.id < 0) m.fail("HDF5 cannot open the dataset");
  H5Handle space{H5Dget_space(m.dset.id), H5Sclose};
  if (H5Sget_simple_extent_ndims(space.id) != 3) m.fail("not 3-D");
  H5Sget_simple_extent_dims(space.id, m.dims, nullptr);
  H5Handle dcpl{H5Dget_create_plist(m.dset.id), H5Pclose};
  if (H5Pget_layout(dcpl.id) != H5D_CHUNKED || H5Pget_chunk(dcpl.id, 3, m.chunk) != 3) m.fail("not chunked");
  H5Handle type{H5Dget_type(m.dset.id), H5Tclose};
  if (H5Tget_size(type.id) != elem_size) m.fail("element size differs from the data");

  // The filter pipeline must be exactly what we emulate: none, or shuffle then deflate.
  if (const char* bad = filter_mismatch(dcpl.id, deflate_level, m.compress)) m.fail(bad);

  m.nct = (m.dims[0] + m.chunk[0] - 1) / m.chunk[0];
  m.ncy = (m.dims[1] + m.chunk[1] - 1) / m.chunk[1];
  m.ncx = (m.dims[2] + m.chunk[2] - 1) / m.chunk[2];
  m.raw_bytes = size_t(m.chunk[0] * m.chunk[1] * m.chunk[2]) * elem_size;
  m.per_block = m.ncy * m.ncx;
  const int nthreads = omp_get_max_threads();
  m.zc.assign(nthreads, nullptr);
  if (m.compress && !fast)
    for (auto& c : m.zc)
      if (!(c = libdeflate_alloc_compressor(deflate_level))) m.fail("cannot create a deflate compressor");
  const size_t bound = !m.compress ? m.raw_bytes
                       : fast      ? row_deflate_bound(m.raw_bytes)
                                   : libdeflate_zlib_compress_bound(m.zc[0], m.raw_bytes);
  m.out.resize(m.per_block);
  for (auto& b : m.out) b.reset(new uint8_t[bound]);
  m.out_bytes.resize(m.per_block);
  m.ok.resize(m.per_block);
  m.raw.resize(nthreads);
  m.shuffled.resize(nthreads);
  for (int t = 0; t < nthreads; ++t) m.raw[t].reset(new uint8_t[m.raw_bytes]), m.shuffled[t].reset(new uint8_t[m.raw_bytes]);
}

DirectChunkWriter::~DirectChunkWriter() = default;

size_t DirectChunkWriter::time_blocks() const { return impl_->nct; }
size_t DirectChunkWriter::time_chunk() const { return size_t(impl_->chunk[0]); }

void DirectChunkWriter::write_time_block(size_t bt, const ChunkFill& fill) {
  QuietHdf5 quiet;
  Impl& m = *impl_;
  if (bt >= m.nct) m.fail("time block " + std::to_string(bt) + " beyond the variable");
  const hsize_t* chunk = m.chunk;
  const size_t ncx = m.ncx, raw_bytes = m.raw_bytes, elem_size = m.elem_size;
  // Compress all chunks of the time block in parallel, then store them in order.
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t c = 0; c < m.per_block; ++c) {
    const int tid = omp_get_thread_num();
    const size_t cy = c / ncx, cx = c % ncx;
    if (!m.compress) {
      fill(bt * chunk[0], cy * chunk[1], cx * chunk[2], m.out[c].get());
      m.out_bytes[c] = raw_bytes;
      m.ok[c] = 1;
      continue;
    }
    fill(bt * chunk[0], cy * chunk[1], cx * chunk[2], m.raw[tid].get());
    hdf5_shuffle(m.raw[tid].get(), m.shuffled[tid].get(), raw_bytes, elem_size);
    // After the shuffle each byte plane holds rows of chunk[2] bytes and time
    // steps of chunk[1] * chunk[2] bytes: the distances row_deflate looks at.
    m.out_bytes[c] = m.fast ? row_deflate_zlib(m.shuffled[tid].get(), raw_bytes, size_t(chunk[2]),
                                               size_t(chunk[1] * chunk[2]), m.out[c].get())
                            : libdeflate_zlib_compress(m.zc[tid], m.shuffled[tid].get(), raw_bytes, m.out[c].get(),
                                                       libdeflate_zlib_compress_bound(m.zc[tid], raw_bytes));
    m.ok[c] = m.out_bytes[c] > 0;
  }
  for (size_t c = 0; c < m.per_block; ++c) {
    if (!m.ok[c]) m.fail("deflate compression failed");
    const hsize_t offset[3] = {bt * chunk[0], (c / ncx) * chunk[1], (c % ncx) * chunk[2]};
    errno = 0;
    if (H5Dwrite_chunk(m.dset.id, H5P_DEFAULT, 0u, offset, m.out_bytes[c], m.out[c].get()) < 0)
      m.fail("H5Dwrite_chunk failed" + write_failure_cause(m.path, errno));
  }
}

void DirectChunkWriter::flush() {
  QuietHdf5 quiet;
  errno = 0;
  if (H5Fflush(impl_->file.id, H5F_SCOPE_GLOBAL) < 0) impl_->fail("HDF5 flush failed" + write_failure_cause(impl_->path, errno));
}

void write_chunks_direct(const std::string& path, const std::string& var, size_t elem_size, const ChunkFill& fill,
                         int deflate_level, bool fast) {
  DirectChunkWriter w(path, var, elem_size, deflate_level, fast);
  for (size_t bt = 0; bt < w.time_blocks(); ++bt) w.write_time_block(bt, fill);
  w.flush();
}

std::vector<uint8_t> compress_chunk(const void* raw, size_t nbytes, size_t elem_size, int level) {
  // One compressor per thread, re-created only when the level changes.
  struct Compressor {
    libdeflate_compressor* c = nullptr;
    int level = -1;
    ~Compressor() {
      if (c) libdeflate_free_compressor(c);
    }
  };
  thread_local Compressor zc;
  thread_local std::vector<uint8_t> shuffled;
  if (zc.level != level) {
    if (zc.c) libdeflate_free_compressor(zc.c);
    zc.c = libdeflate_alloc_compressor(level);
    zc.level = zc.c ? level : -1;
    if (!zc.c) throw std::runtime_error("cannot create a deflate compressor at level " + std::to_string(level));
  }
  shuffled.resize(nbytes);
  hdf5_shuffle(static_cast<const uint8_t*>(raw), shuffled.data(), nbytes, elem_size);
  std::vector<uint8_t> out(libdeflate_zlib_compress_bound(zc.c, nbytes));
  const size_t n = libdeflate_zlib_compress(zc.c, shuffled.data(), nbytes, out.data(), out.size());
  if (n == 0) throw std::runtime_error("deflate compression failed");
  out.resize(n);
  return out;
}

void write_compressed_chunks(const std::string& path, const std::string& var, size_t elem_size, int deflate_level,
                             const std::vector<CompressedChunk>& chunks, const size_t* grow_to) {
  QuietHdf5 quiet;
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": variable '" + var + "': " + what); };
  H5Handle file{H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) fail("HDF5 cannot reopen the file");
  H5Handle dset{H5Dopen2(file.id, var.c_str(), H5P_DEFAULT), H5Dclose};
  if (dset.id < 0) fail("HDF5 cannot open the dataset");
  H5Handle space{H5Dget_space(dset.id), H5Sclose};
  if (H5Sget_simple_extent_ndims(space.id) != 3) fail("not 3-D");
  hsize_t dims[3], chunk[3];
  H5Sget_simple_extent_dims(space.id, dims, nullptr);
  H5Handle dcpl{H5Dget_create_plist(dset.id), H5Pclose};
  if (H5Pget_layout(dcpl.id) != H5D_CHUNKED || H5Pget_chunk(dcpl.id, 3, chunk) != 3) fail("not chunked");
  H5Handle type{H5Dget_type(dset.id), H5Tclose};
  if (H5Tget_size(type.id) != elem_size) fail("element size differs from the data");
  bool compress = false;
  if (const char* bad = filter_mismatch(dcpl.id, deflate_level, compress)) fail(bad);
  if (grow_to && (grow_to[0] > dims[0] || grow_to[1] > dims[1] || grow_to[2] > dims[2])) {
    for (int d = 0; d < 3; ++d) dims[d] = std::max<hsize_t>(dims[d], grow_to[d]);
    if (H5Dset_extent(dset.id, dims) < 0) fail("cannot extend the variable (not along unlimited dimensions?)");
  }
  if (!compress) fail("filters are not shuffle + deflate");
  for (const CompressedChunk& c : chunks) {
    const hsize_t offset[3] = {c.offset[0], c.offset[1], c.offset[2]};
    for (int d = 0; d < 3; ++d)
      if (offset[d] % chunk[d] != 0 || offset[d] >= dims[d]) fail("chunk offset off the chunk grid or the extent");
    errno = 0;
    if (H5Dwrite_chunk(dset.id, H5P_DEFAULT, 0u, offset, c.bytes.size(), c.bytes.data()) < 0)
      fail("H5Dwrite_chunk failed" + write_failure_cause(path, errno));
  }
  errno = 0;
  if (H5Fflush(file.id, H5F_SCOPE_GLOBAL) < 0) fail("HDF5 flush failed" + write_failure_cause(path, errno));
}

}  // namespace rf::io

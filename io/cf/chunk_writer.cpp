#include "io/cf/chunk_writer.h"

#include <hdf5.h>
#include <libdeflate.h>
#include <omp.h>

#include <algorithm>

#include <memory>
#include <stdexcept>
#include <vector>

#include "io/cf/row_deflate.h"

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

}  // namespace

void write_chunks_direct(const std::string& path, const std::string& var, size_t elem_size, const ChunkFill& fill,
                         int deflate_level, bool fast) {
  QuietHdf5 quiet;
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": variable '" + var + "': " + what); };
  H5Handle file{H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) fail("HDF5 cannot reopen the file");
  H5Handle dset{H5Dopen2(file.id, var.c_str(), H5P_DEFAULT), H5Dclose};
  if (dset.id < 0) fail("HDF5 cannot open the dataset");
  H5Handle space{H5Dget_space(dset.id), H5Sclose};
  hsize_t dims[3], chunk[3];
  if (H5Sget_simple_extent_ndims(space.id) != 3) fail("not 3-D");
  H5Sget_simple_extent_dims(space.id, dims, nullptr);
  H5Handle dcpl{H5Dget_create_plist(dset.id), H5Pclose};
  if (H5Pget_layout(dcpl.id) != H5D_CHUNKED || H5Pget_chunk(dcpl.id, 3, chunk) != 3) fail("not chunked");
  H5Handle type{H5Dget_type(dset.id), H5Tclose};
  if (H5Tget_size(type.id) != elem_size) fail("element size differs from the data");

  // The filter pipeline must be exactly what we emulate: none, or shuffle then deflate.
  const int nfilters = H5Pget_nfilters(dcpl.id);
  bool compress = false;
  if (nfilters == 2) {
    unsigned flags, cd[8];
    size_t ncd = 8;
    char name[64];
    unsigned config;
    const H5Z_filter_t f0 = H5Pget_filter2(dcpl.id, 0, &flags, &ncd, cd, sizeof name, name, &config);
    ncd = 8;
    const H5Z_filter_t f1 = H5Pget_filter2(dcpl.id, 1, &flags, &ncd, cd, sizeof name, name, &config);
    if (f0 != H5Z_FILTER_SHUFFLE || f1 != H5Z_FILTER_DEFLATE) fail("filters are not shuffle + deflate");
    if (ncd < 1 || int(cd[0]) != deflate_level) fail("deflate level differs from the definition");
    compress = true;
  } else if (nfilters != 0) {
    fail("unexpected filter pipeline");
  }

  const size_t nct = (dims[0] + chunk[0] - 1) / chunk[0], ncy = (dims[1] + chunk[1] - 1) / chunk[1],
               ncx = (dims[2] + chunk[2] - 1) / chunk[2];
  const size_t raw_bytes = size_t(chunk[0] * chunk[1] * chunk[2]) * elem_size;
  const size_t per_block = ncy * ncx;
  // Buffers live across time blocks: re-allocating (and zeroing) ~2 MiB per chunk
  // per block cost more than the compression of these very regular fields.
  // One libdeflate compressor per thread; its zlib-format output is what the
  // HDF5 deflate filter (zlib inflate) decodes.
  const int nthreads = omp_get_max_threads();
  std::vector<libdeflate_compressor*> zc(nthreads, nullptr);
  struct FreeCompressors {
    std::vector<libdeflate_compressor*>& v;
    ~FreeCompressors() {
      for (auto* c : v)
        if (c) libdeflate_free_compressor(c);
    }
  } free_compressors{zc};
  if (compress && !fast)
    for (auto& c : zc)
      if (!(c = libdeflate_alloc_compressor(deflate_level))) fail("cannot create a deflate compressor");
  const size_t bound = !compress ? raw_bytes
                       : fast    ? row_deflate_bound(raw_bytes)
                                 : libdeflate_zlib_compress_bound(zc[0], raw_bytes);
  std::vector<std::unique_ptr<uint8_t[]>> out(per_block);
  for (auto& b : out) b.reset(new uint8_t[bound]);
  std::vector<size_t> out_bytes(per_block);
  std::vector<char> ok(per_block);
  std::vector<std::unique_ptr<uint8_t[]>> raw(nthreads), shuffled(nthreads);
  for (int t = 0; t < nthreads; ++t) raw[t].reset(new uint8_t[raw_bytes]), shuffled[t].reset(new uint8_t[raw_bytes]);

  for (size_t bt = 0; bt < nct; ++bt) {
    // Compress all chunks of one time block in parallel, then store them in order.
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < per_block; ++c) {
      const int tid = omp_get_thread_num();
      const size_t cy = c / ncx, cx = c % ncx;
      if (!compress) {
        fill(bt * chunk[0], cy * chunk[1], cx * chunk[2], out[c].get());
        out_bytes[c] = raw_bytes;
        ok[c] = 1;
        continue;
      }
      fill(bt * chunk[0], cy * chunk[1], cx * chunk[2], raw[tid].get());
      hdf5_shuffle(raw[tid].get(), shuffled[tid].get(), raw_bytes, elem_size);
      // After the shuffle each byte plane holds rows of chunk[2] bytes and time
      // steps of chunk[1] * chunk[2] bytes: the distances row_deflate looks at.
      out_bytes[c] = fast ? row_deflate_zlib(shuffled[tid].get(), raw_bytes, size_t(chunk[2]),
                                             size_t(chunk[1] * chunk[2]), out[c].get())
                          : libdeflate_zlib_compress(zc[tid], shuffled[tid].get(), raw_bytes, out[c].get(), bound);
      ok[c] = out_bytes[c] > 0;
    }
    for (size_t c = 0; c < per_block; ++c) {
      if (!ok[c]) fail("deflate compression failed");
      const hsize_t offset[3] = {bt * chunk[0], (c / ncx) * chunk[1], (c % ncx) * chunk[2]};
      if (H5Dwrite_chunk(dset.id, H5P_DEFAULT, 0u, offset, out_bytes[c], out[c].get()) < 0)
        fail("H5Dwrite_chunk failed");
    }
  }
  if (H5Fflush(file.id, H5F_SCOPE_GLOBAL) < 0) fail("HDF5 flush failed");
}

}  // namespace rf::io

// Parallel compression of netCDF-4 chunks written with HDF5's direct chunk
// write. netCDF-C defines the variable (chunking, shuffle + deflate) and closes
// the file; this reopens it with the HDF5 C API, compresses every chunk on all
// cores (byte shuffle identical to HDF5's H5Z shuffle filter, then a zlib-format
// deflate stream from libdeflate, which the H5Z deflate filter's zlib inflate
// reads like its own) and stores the chunks with H5Dwrite_chunk. Plain
// netCDF-C would compress the chunks one after the other on one core with zlib.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rf::io {

// Fills one full chunk (ct*cy*cx elements of elem_size bytes, row-major
// [t][y][x]) whose first element is (t0, y0, x0); parts beyond the variable's
// extent must be filled with the fill value (HDF5 stores edge chunks full size).
// Called concurrently from several threads.
using ChunkFill = std::function<void(size_t t0, size_t y0, size_t x0, void* chunk)>;

// Writes every chunk of the 3-D variable `var` in the closed netCDF-4 file `path`.
// The variable must be chunked and use either no filter or shuffle + deflate
// (checked). `deflate_level` must equal the level the variable was defined with;
// `fast` encodes with row_deflate (row_deflate.h) instead of libdeflate.
void write_chunks_direct(const std::string& path, const std::string& var, size_t elem_size, const ChunkFill& fill,
                         int deflate_level, bool fast = false);

// The same, one time block of chunks at a time, for data that arrives in time
// order (the streaming writer, stream_writer.h): write_time_block(bt) stores
// chunks (bt, *, *) exactly as write_chunks_direct does, so calling it for
// bt = 0, 1, ... gives the same file. The HDF5 file stays open in between.
class DirectChunkWriter {
 public:
  DirectChunkWriter(const std::string& path, const std::string& var, size_t elem_size, int deflate_level,
                    bool fast = false);
  ~DirectChunkWriter();
  DirectChunkWriter(const DirectChunkWriter&) = delete;
  DirectChunkWriter& operator=(const DirectChunkWriter&) = delete;
  size_t time_blocks() const;
  size_t time_chunk() const;
  void write_time_block(size_t bt, const ChunkFill& fill);
  void flush();  // H5Fflush; closing happens in the destructor

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The HDF5 shuffle filter's byte transposition (exposed for tests).
void hdf5_shuffle(const uint8_t* src, uint8_t* dst, size_t nbytes, size_t elem_size);

// Files whose chunks are few and known in advance (e.g. only the chunks of a
// window, the rest left unallocated so that it reads as _FillValue): compress
// them anywhere, in parallel, with compress_chunk, then store them in one
// serial call with write_compressed_chunks.
struct CompressedChunk {
  size_t offset[3];            // element index of the chunk's first element (multiples of the chunk shape)
  std::vector<uint8_t> bytes;  // the filter pipeline's output for the chunk
};

// Shuffle + zlib-format deflate at `level` of one full raw chunk (nbytes of
// elements of elem_size bytes), exactly what the HDF5 shuffle + deflate
// pipeline stores. Thread-safe (one libdeflate compressor per thread and level).
std::vector<uint8_t> compress_chunk(const void* raw, size_t nbytes, size_t elem_size, int level);

// Stores `chunks` into the 3-D chunked variable `var` (an HDF5 path: "name" or
// "Group/name") of the closed netCDF-4 file `path` with H5Dwrite_chunk. The
// variable must use shuffle + deflate at `deflate_level` (checked), and every
// offset must lie on a chunk corner inside the extent. `grow_to` (3 values, or
// null) first extends the variable along its unlimited dimensions, as
// netCDF-C does when a record is written (a record variable is created empty).
void write_compressed_chunks(const std::string& path, const std::string& var, size_t elem_size, int deflate_level,
                             const std::vector<CompressedChunk>& chunks, const size_t* grow_to = nullptr);

}  // namespace rf::io

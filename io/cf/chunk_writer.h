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
#include <string>

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

// The HDF5 shuffle filter's byte transposition (exposed for tests).
void hdf5_shuffle(const uint8_t* src, uint8_t* dst, size_t nbytes, size_t elem_size);

}  // namespace rf::io

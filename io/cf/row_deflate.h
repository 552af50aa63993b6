// A fast deflate encoder for regridded fields: one fixed-Huffman block whose
// LZ77 parse only looks at three distances that carry almost all redundancy of
// nearest-neighbour upsampling after the byte shuffle: 1 (runs within a row),
// one row (a target row that repeats the source row above) and one time step
// (an unchanged day). Output is a standard zlib stream (RFC 1950/1951) that any
// inflate (HDF5's deflate filter) decodes; it is ~5x faster than a generic
// level-4 encoder on these fields, at a lower compression ratio.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rf::io {

// Worst-case output size for n input bytes.
size_t row_deflate_bound(size_t n);

// Compresses src[n] (a chunk of `plane_rows` rows of `row` bytes per time step
// of `step` bytes, repeated per shuffled byte plane) into dst; returns the size.
size_t row_deflate_zlib(const uint8_t* src, size_t n, size_t row, size_t step, uint8_t* dst);

}  // namespace rf::io

// The IDX format of MNIST-style files (plain or gzip-compressed, detected from the
// content): two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
// 0x0E f64), the rank, then big-endian int32 extents and big-endian values.
#pragma once
#include <string>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::data {

/// Reads an IDX file into a tensor of its shape, with the values unscaled (bytes come
/// out as 0..255). Throws tg::IoError on a missing, truncated or malformed file; the
/// extents in the header are checked against the bytes present before allocating.
Tensor read_idx(const std::string& path, Dtype dtype = kFloat32);

}  // namespace tg::data

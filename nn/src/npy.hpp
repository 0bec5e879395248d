// The .npy format, version 1.0 (private to nn/src): a magic string, a little-endian
// header length, a Python dict literal {'descr', 'fortran_order', 'shape'} padded to 64
// bytes, then the raw little-endian values in C order. Only the header is built and
// parsed here; the values are written from and read into the tensor's own storage.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::nn::npy {

/// The longest header prefix parse_header needs: magic, version, a 4-byte length and
/// numpy's header limit (10000 bytes).
inline constexpr std::size_t kMaxHeaderBytes = 6 + 2 + 4 + 10000;

/// The header of `t`'s .npy file; its nbytes() values follow it.
std::string header(const Tensor& t);

/// What a .npy header says about the values that follow it.
struct Layout {
  Shape shape;
  Dtype dtype;
  std::size_t data_offset;  ///< where the values start
};
/// Parses the header of a .npy file of `size` bytes from its first `available` bytes
/// (at least min(size, kMaxHeaderBytes)), and checks that the shape and dtype account for
/// exactly the `size - data_offset` bytes after it, before anything is allocated. `what`
/// names the file in errors ("load model.npz: member 0.weight").
Layout parse_header(const unsigned char* data, std::size_t available, uint64_t size,
                    const std::string& what);

}  // namespace tg::nn::npy

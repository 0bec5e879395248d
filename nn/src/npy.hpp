// The .npy format, version 1.0 (private to nn/src): a magic string, a little-endian
// header length, a Python dict literal {'descr', 'fortran_order', 'shape'} padded to 64
// bytes, then the raw little-endian values in C order.
#pragma once
#include <string>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::nn::npy {

std::string encode(const Tensor& t);
/// Parses one .npy buffer; `what` names it in errors ("model.npz: member 0.weight.npy").
Tensor decode(const unsigned char* data, std::size_t size, const std::string& what);

}  // namespace tg::nn::npy

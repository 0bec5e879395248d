// Tensors made from nothing: constants, ranges and user-supplied values. The constants
// and from_vector also make int64 tensors; arange, linspace and eye are float only.
#pragma once
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

Tensor zeros(const Shape& shape, Dtype dtype = kFloat32);
Tensor ones(const Shape& shape, Dtype dtype = kFloat32);
Tensor full(const Shape& shape, double value, Dtype dtype = kFloat32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
/// A rank-0 tensor holding `value`.
Tensor scalar_tensor(double value, Dtype dtype = kFloat32);
/// start, start + step, ... up to but excluding stop.
Tensor arange(double start, double stop, double step = 1, Dtype dtype = kFloat32);
Tensor arange(int64_t n, Dtype dtype = kFloat32);
/// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, Dtype dtype = kFloat32);
Tensor eye(int64_t n, Dtype dtype = kFloat32);
/// Copies `values` (row-major) into a new tensor of `shape`; throws ShapeError if the
/// counts differ.
Tensor from_vector(const std::vector<float>& values, const Shape& shape, Dtype dtype = kFloat32);
Tensor from_vector(const std::vector<double>& values, const Shape& shape, Dtype dtype = kFloat64);
/// Indices (Note [Int64 tensors] in dtype.hpp): `from_vector(std::vector<int64_t>{2, 0}, {2})`.
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape, Dtype dtype = kInt64);

}  // namespace tg

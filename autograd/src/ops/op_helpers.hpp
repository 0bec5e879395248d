// Small helpers shared by the op implementations (not installed).
#pragma once
#include <fmt/format.h>

#include "../allocation.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::detail {

/// Throws DtypeError unless a and b have the same dtype.
inline void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw DtypeError(fmt::format(
        "{}: operands have dtypes {} (shape {}) and {} (shape {}); tapegrad never mixes dtypes "
        "implicitly, cast one with .to()",
        op, name(a.dtype()), a.shape().str(), name(b.dtype()), b.shape().str()));
}

/// Throws Error if t is undefined.
inline void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) throw Error(fmt::format("{}: got an undefined tensor", op));
}

/// Shape with `axes` kept as size-1 axes (the shape keepdim=true gives).
Shape keepdim_shape(const Shape& s, const std::vector<int>& axes);
/// Sorted, unique, normalised axes; empty input means all axes.
std::vector<int> reduction_axes(const Axes& axes, int rank, const char* op);

}  // namespace tg::detail

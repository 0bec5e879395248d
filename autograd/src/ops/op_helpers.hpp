// Small helpers shared by the op implementations (not installed).
#pragma once
#include <fmt/format.h>

#include <type_traits>

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

/// DtypeError unless d is float32 or float64 (Note [Int64 tensors] in dtype.hpp).
inline void check_float_dtype(const char* op, Dtype d) {
  if (!is_floating_point(d)) throw_not_floating(op, d);
}
/// check_defined, and DtypeError unless t holds floats: how every float op starts.
inline void check_float(const char* op, const Tensor& t) {
  check_defined(op, t);
  check_float_dtype(op, t.dtype());
}

/// `value` as a T. To int64 it truncates toward zero (as C++ and PyTorch do); NaN, ±inf
/// and values beyond int64's range, whose conversion is undefined, are a ValueError
/// naming `op`.
template <class T>
T value_as(std::string_view op, double value) {
  if constexpr (std::is_integral_v<T>)
    if (!(value >= -0x1p63 && value < 0x1p63))
      throw ValueError(fmt::format("{}: {} cannot be converted to int64", op, value));
  return static_cast<T>(value);
}
/// Throws ValueError (as value_as) unless every value of the float tensor x converts to
/// int64, naming the first that does not and its flat index.
void check_int64_convertible(const char* op, const Tensor& x);

/// Shape with `axes` kept as size-1 axes (the shape keepdim=true gives).
Shape keepdim_shape(const Shape& s, const std::vector<int>& axes);
/// Sorted, unique, normalised axes; empty input means all axes.
std::vector<int> reduction_axes(const Axes& axes, int rank, const char* op);

}  // namespace tg::detail

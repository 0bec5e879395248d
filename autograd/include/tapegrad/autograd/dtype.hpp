// Element types. float32 is the fast path; float64 exists for gradient checks; int64 holds
// indices (Note [Int64 tensors]).
//
// Note [Int64 tensors]: an int64 tensor carries indices as data: gather's and
// index_select's index, randint's draws, argmax/argmin and max_with_indices/
// min_with_indices' indices. It never requires grad. What takes one: the factories of
// constants and values (empty, zeros, ones, full and their _like forms, scalar_tensor,
// from_vector of int64_t values), randint, reshape and its forms (view, flatten, squeeze,
// unsqueeze), detach, clone, to() both ways (float to int64 truncates toward zero and
// refuses NaN, ±inf and values beyond int64's range), data<int64_t>(), item, to_vector,
// fill_, copy_, printing, and .npy/.npz checkpoints ('<i8'). Every other op is a float
// op: given an int64 tensor it raises DtypeError "<op>: expected float32 or float64, ...".
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace tg {

enum class Dtype { Float32, Float64, Int64 };
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;

constexpr std::size_t itemsize(Dtype d) { return d == Dtype::Float32 ? 4 : 8; }
constexpr std::string_view name(Dtype d) {
  return d == Dtype::Float32 ? "float32" : d == Dtype::Float64 ? "float64" : "int64";
}
constexpr bool is_floating_point(Dtype d) { return d != Dtype::Int64; }

template <class T>
constexpr Dtype dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int64_t>,
                "tapegrad tensors hold float, double or int64_t");
  return std::is_same_v<T, float> ? kFloat32 : std::is_same_v<T, double> ? kFloat64 : kInt64;
}

namespace detail {
/// DtypeError "<op>: expected float32 or float64, got int64 ..." (defined in tensor.cpp).
[[noreturn]] void throw_not_floating(std::string_view op, Dtype d);
}  // namespace detail

/// Calls `f.template operator()<T>()` with T the C++ type of a float dtype `d`:
///   visit_dtype(x.dtype(), [&]<class T>() { ... });
/// Float ops check their operands by name first; an int64 `d` reaching here is still a
/// DtypeError, never an int64 buffer read as floats.
template <class F>
decltype(auto) visit_dtype(Dtype d, F&& f) {
  if (d == Dtype::Float32) return f.template operator()<float>();
  if (d == Dtype::Float64) return f.template operator()<double>();
  detail::throw_not_floating("a float op", d);
}

/// visit_dtype for the code that also handles int64 (Note [Int64 tensors]): T is float,
/// double or int64_t.
template <class F>
decltype(auto) visit_any_dtype(Dtype d, F&& f) {
  if (d == Dtype::Float32) return f.template operator()<float>();
  if (d == Dtype::Float64) return f.template operator()<double>();
  return f.template operator()<int64_t>();
}

}  // namespace tg

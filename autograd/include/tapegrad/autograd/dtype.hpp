// Element types. float32 is the fast path; float64 exists for gradient checks.
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace tg {

enum class Dtype { Float32, Float64 };
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;

constexpr std::size_t itemsize(Dtype d) { return d == Dtype::Float32 ? 4 : 8; }
constexpr std::string_view name(Dtype d) { return d == Dtype::Float32 ? "float32" : "float64"; }

template <class T>
constexpr Dtype dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "tapegrad tensors hold float or double");
  return std::is_same_v<T, float> ? kFloat32 : kFloat64;
}

/// Calls `f.template operator()<T>()` with T the C++ type of `d`:
///   visit_dtype(x.dtype(), [&]<class T>() { ... });
template <class F>
decltype(auto) visit_dtype(Dtype d, F&& f) {
  if (d == Dtype::Float32) return f.template operator()<float>();
  return f.template operator()<double>();
}

}  // namespace tg

// Zero-copy interop with xtensor. Opt-in: link `tapegrad::xtensor` and include this
// header; <tapegrad.hpp> does not include it, so xtensor's headers reach only the
// programs that ask for them.
//
//   tg::Tensor x = tg::randn({2, 3}, gen);
//   auto v = tg::as_xtensor<float>(x);                 // read-only view of x's values
//   float top = xt::amax(v)();
//   tg::Tensor y = tg::from_xtensor(xt::exp(v) + 1.f);  // evaluated into a new tensor
//   { tg::NoGradGuard no_grad; tg::as_xtensor_mut<float>(w) *= 0.5f; }  // write w in place
//
// A view is an xt::xarray_adaptor on the tensor's storage, with the tensor's shape: no
// values are copied, and the view keeps the storage alive. Tapegrad tensors are always
// contiguous and row-major (transpose, permute and expand return new storage; only
// reshape and detach alias), so every view is dense in xtensor's default row-major layout
// and there is no strided tensor to refuse. `T` must be the tensor's value type (float for
// float32, double for float64), else tg::DtypeError.
//
// Note [Writes through an xtensor view]: as_xtensor_mut bumps the tensor's version counter
// (Note [Version counter] in storage.hpp) when it makes the view, and refuses, with
// tg::GraphError, a tensor whose values a live graph has saved for backward (a backward
// rule would read the new values and give a wrong gradient), and a leaf that requires
// grad while grad mode is on (as PyTorch refuses in-place ops on one: write it under
// tg::NoGradGuard, as an optimiser step does). Make the view, write, drop it, and only
// then record ops on the tensor: a tensor saved for backward after the view was made is
// not protected from writes through it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xexpression.hpp>
#include <xtensor/xnoalias.hpp>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

namespace detail {

inline std::string describe(const Tensor& t) {
  return std::string(name(t.dtype())) + " tensor of shape " + t.shape().str();
}

template <class T>
std::vector<std::size_t> xtensor_shape(const Tensor& t, const char* op) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "tg::as_xtensor<T>: T is float (float32 tensors) or double (float64 tensors)");
  if (!t.defined()) throw ValueError(std::string(op) + ": the tensor is undefined");
  if (dtype_of<T>() != t.dtype()) {
    const std::string held = t.dtype() == kFloat32 ? "float" : "double";
    throw DtypeError(std::string(op) + "<" + (std::is_same_v<T, float> ? "float" : "double") +
                     ">: the " + describe(t) + " holds " + held + " values; use " + op + "<" +
                     held + "> or convert the tensor with .to()");
  }
  std::vector<std::size_t> shape;
  for (int i = 0; i < t.dim(); ++i) shape.push_back(static_cast<std::size_t>(t.shape()[i]));
  return shape;
}

/// Note [Writes through an xtensor view].
inline void check_external_write(const Tensor& t, const char* op) {
  const uint32_t saved = t.impl()->storage->saved_for_backward.load();
  if (saved > 0)
    throw GraphError(std::string(op) + ": the " + describe(t) + " is saved for backward by " +
                     std::to_string(saved) +
                     " node(s) of a live graph, whose gradient would be wrong after a write; "
                     "run backward first (it frees saved values) or write a clone()");
  if (t.is_leaf() && t.requires_grad() && GradMode::is_enabled())
    throw GraphError(std::string(op) + ": the " + describe(t) +
                     " is a leaf that requires grad; write it under tg::NoGradGuard (as an "
                     "optimiser step does)");
}

}  // namespace detail

/// A read-only xt::xarray_adaptor on `t`'s values (no copy); keeps the storage alive.
template <class T>
auto as_xtensor(const Tensor& t) {
  std::vector<std::size_t> shape = detail::xtensor_shape<T>(t, "as_xtensor");
  return xt::adapt_smart_ptr(static_cast<const T*>(t.impl()->data()), shape, t.impl()->storage);
}

/// A writable xt::xarray_adaptor on `t`'s values (no copy); bumps the version counter and
/// refuses tensors the tape still needs (Note [Writes through an xtensor view]).
template <class T>
auto as_xtensor_mut(Tensor& t) {
  std::vector<std::size_t> shape = detail::xtensor_shape<T>(t, "as_xtensor_mut");
  detail::check_external_write(t, "as_xtensor_mut");
  t.bump_version();
  return xt::adapt_smart_ptr(static_cast<T*>(t.impl()->data()), shape, t.impl()->storage);
}

/// A new tensor holding the values of any xtensor expression, evaluated straight into
/// tapegrad storage: float32 for float values, float64 for double; any other value type
/// (integers, bool, complex) raises tg::DtypeError. The tensor does not require grad.
template <class E>
Tensor from_xtensor(const xt::xexpression<E>& expression) {
  const E& e = expression.derived_cast();
  using V = std::decay_t<typename E::value_type>;
  if constexpr (!std::is_same_v<V, float> && !std::is_same_v<V, double>) {
    const std::string what = std::is_same_v<V, bool> ? std::string("bool")
                             : std::is_integral_v<V>
                                 ? std::to_string(8 * sizeof(V)) + "-bit integer"
                                 : std::string("non-floating-point");
    throw DtypeError("from_xtensor: the expression holds " + what +
                     " values; tapegrad tensors hold float (float32) or double (float64): "
                     "convert with xt::cast<float> or xt::cast<double>");
  } else {
    if (e.dimension() > static_cast<std::size_t>(Shape::kMaxRank))
      throw ShapeError("from_xtensor: the expression has " + std::to_string(e.dimension()) +
                       " axes, more than tapegrad's " + std::to_string(Shape::kMaxRank));
    Shape shape;
    std::vector<std::size_t> dims(e.shape().begin(), e.shape().end());
    for (std::size_t d : dims) shape.push_back(static_cast<int64_t>(d));
    Tensor out = empty(shape, dtype_of<V>());
    auto values = xt::adapt(static_cast<V*>(out.impl()->data()),
                            static_cast<std::size_t>(out.numel()), xt::no_ownership(), dims);
    xt::noalias(values) = e;
    return out;
  }
}

}  // namespace tg

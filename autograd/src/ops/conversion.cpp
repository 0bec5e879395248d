// Conversions: forward through the kernel layer, backward as Tensor expressions.
#include "tapegrad/autograd/ops/conversion.hpp"

#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {

// ∂to(x, d)/∂x = 1: the gradient is cast back to x's dtype.
Tensor to(const Tensor& x, Dtype dtype) {
  detail::check_defined("to", x);
  if (dtype == x.dtype()) return x;
  Tensor y = detail::empty_for("to", x.shape(), dtype);
  visit_dtype(x.dtype(), [&]<class S>() {
    visit_dtype(dtype,
                [&]<class D>() { kernels::cast<S, D>(x.data<S>(), y.data<D>(), x.numel()); });
  });
  const Dtype from = x.dtype();
  return record("to", {x}, y, {},
                [from](BackwardContext& c) { return TensorList{to(c.grad(), from)}; });
}

// ∂clone(x)/∂x = 1
Tensor clone(const Tensor& x) {
  detail::check_defined("clone", x);
  Tensor y = detail::empty_for("clone", x.shape(), x.dtype());
  visit_dtype(x.dtype(), [&]<class T>() { kernels::copy<T>(x.data<T>(), y.data<T>(), x.numel()); });
  return record("clone", {x}, y, {}, [](BackwardContext& c) { return TensorList{c.grad()}; });
}

}  // namespace tg

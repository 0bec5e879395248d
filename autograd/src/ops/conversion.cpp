// Conversions: forward through the kernel layer, backward as Tensor expressions.
#include "tapegrad/autograd/ops/conversion.hpp"

#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {

void detail::check_int64_convertible(const char* op, const Tensor& x) {
  visit_dtype(x.dtype(), [&]<class T>() {
    const T* p = x.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i)
      if (!(p[i] >= T(-0x1p63) && p[i] < T(0x1p63)))
        throw ValueError(
            fmt::format("{}: value {} at flat index {} of a {} tensor of shape {} "
                        "cannot be converted to int64",
                        op, p[i], i, name(x.dtype()), x.shape().str()));
  });
}

// ∂to(x, d)/∂x = 1: the gradient is cast back to x's dtype. A cast to or from int64 is
// not recorded (Note [Int64 tensors]: no gradient flows through indices).
Tensor to(const Tensor& x, Dtype dtype) {
  detail::check_defined("to", x);
  if (dtype == x.dtype()) return x;
  if (dtype == kInt64) detail::check_int64_convertible("to", x);
  Tensor y = detail::empty_for("to", x.shape(), dtype);
  visit_any_dtype(x.dtype(), [&]<class S>() {
    visit_any_dtype(dtype,
                    [&]<class D>() { kernels::cast<S, D>(x.data<S>(), y.data<D>(), x.numel()); });
  });
  if (!is_floating_point(dtype)) return y;
  const Dtype from = x.dtype();
  return record(
      "to", {x}, y, {}, [from](BackwardContext& c) { return TensorList{to(c.grad(), from)}; },
      tangent_rule([dtype](const ForwardContext& c) { return to(c.broadcast_tangent(0), dtype); }));
}

// ∂clone(x)/∂x = 1
Tensor clone(const Tensor& x) {
  detail::check_defined("clone", x);
  Tensor y = detail::empty_for("clone", x.shape(), x.dtype());
  visit_any_dtype(x.dtype(),
                  [&]<class T>() { kernels::copy<T>(x.data<T>(), y.data<T>(), x.numel()); });
  return record(
      "clone", {x}, y, {}, [](BackwardContext& c) { return TensorList{c.grad()}; },
      tangent_rule([](const ForwardContext& c) { return c.broadcast_tangent(0); }));
}

}  // namespace tg

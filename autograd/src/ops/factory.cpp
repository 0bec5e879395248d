// Tensors made from nothing.
#include "tapegrad/autograd/ops/factory.hpp"

#include <algorithm>
#include <cmath>

#include "../allocation.hpp"
#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"

namespace tg {

Tensor detail::full_for(std::string_view op, const Shape& shape, double value, Dtype dtype) {
  Tensor t = empty_for(op, shape, dtype);
  visit_any_dtype(
      dtype, [&]<class T>() { kernels::fill<T>(t.data<T>(), t.numel(), value_as<T>(op, value)); });
  return t;
}

Tensor full(const Shape& shape, double value, Dtype dtype) {
  return detail::full_for("full", shape, value, dtype);
}
Tensor zeros(const Shape& shape, Dtype dtype) {
  return detail::full_for("zeros", shape, 0.0, dtype);
}
Tensor ones(const Shape& shape, Dtype dtype) { return detail::full_for("ones", shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }
Tensor scalar_tensor(double value, Dtype dtype) { return full(Shape{}, value, dtype); }

Tensor arange(double start, double stop, double step, Dtype dtype) {
  detail::check_float_dtype("arange", dtype);
  if (step == 0) throw ValueError("arange: step must be non-zero");
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    throw ValueError(
        fmt::format("arange: start {}, stop {} and step {} must be finite", start, stop, step));
  const auto n = static_cast<int64_t>(std::max(0.0, std::ceil((stop - start) / step)));
  Tensor t = detail::empty_for("arange", {n}, dtype);
  visit_dtype(dtype, [&]<class T>() { kernels::arange<T>(t.data<T>(), n, start, step); });
  return t;
}
Tensor arange(int64_t n, Dtype dtype) { return arange(0, static_cast<double>(n), 1, dtype); }

Tensor linspace(double start, double end, int64_t steps, Dtype dtype) {
  detail::check_float_dtype("linspace", dtype);
  if (steps < 0) throw ValueError(fmt::format("linspace: steps must be >= 0, got {}", steps));
  Tensor t = detail::empty_for("linspace", {steps}, dtype);
  const double h = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  visit_dtype(dtype, [&]<class T>() {
    kernels::arange<T>(t.data<T>(), steps, start, h);
    if (steps > 1) t.data<T>()[steps - 1] = T(end);
  });
  return t;
}

Tensor eye(int64_t n, Dtype dtype) {
  detail::check_float_dtype("eye", dtype);
  if (n < 0) throw ValueError(fmt::format("eye: n must be >= 0, got {}", n));
  Tensor t = detail::full_for("eye", {n, n}, 0.0, dtype);
  visit_dtype(dtype, [&]<class T>() { kernels::fill_diagonal<T>(t.data<T>(), n, T(1)); });
  return t;
}

namespace {
template <class V>
Tensor from_values(const std::vector<V>& values, const Shape& shape, Dtype dtype) {
  if (shape.numel() != static_cast<int64_t>(values.size()))
    throw ShapeError(fmt::format("from_vector: {} values cannot fill shape {} ({} elements)",
                                 values.size(), shape.str(), shape.numel()));
  if (dtype == kInt64 && !std::is_integral_v<V>)
    for (V v : values) detail::value_as<int64_t>("from_vector", v);
  Tensor t = detail::empty_for("from_vector", shape, dtype);
  visit_any_dtype(dtype,
                  [&]<class T>() { kernels::cast<V, T>(values.data(), t.data<T>(), t.numel()); });
  return t;
}
}  // namespace

Tensor from_vector(const std::vector<float>& values, const Shape& shape, Dtype dtype) {
  return from_values(values, shape, dtype);
}
Tensor from_vector(const std::vector<double>& values, const Shape& shape, Dtype dtype) {
  return from_values(values, shape, dtype);
}
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape, Dtype dtype) {
  return from_values(values, shape, dtype);
}

}  // namespace tg

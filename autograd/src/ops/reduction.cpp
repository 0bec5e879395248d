// Reductions. sum, max and min are primitives; mean, var, std, logsumexp, softmax and
// log_softmax are compositions of differentiable ops, so they are differentiable to any
// order with no rule of their own.
#include "tapegrad/autograd/ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

#include "../kernels/kernels.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {

namespace detail {

std::vector<int> reduction_axes(const Axes& axes, int rank, const char* op) {
  std::vector<int> out;
  if (axes.rank() == 0) {
    for (int i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  // A rank-0 tensor has one value: axis 0 or -1 names it (as in NumPy and PyTorch), and
  // reducing it is a copy.
  if (rank == 0) {
    for (int64_t a : axes)
      if (a != 0 && a != -1)
        throw ValueError(fmt::format("{}: axis {} is out of range for a tensor of rank 0", op, a));
    return {};
  }
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw ValueError(fmt::format("{}: axes {} name an axis twice", op, axes.str()));
  return out;
}

Shape keepdim_shape(const Shape& s, const std::vector<int>& axes) {
  Shape k = s;
  for (int a : axes) k[a] = 1;
  return k;
}

}  // namespace detail

namespace {

Shape reduced_shape(const Shape& s, const std::vector<int>& axes, bool keepdim) {
  if (keepdim) return detail::keepdim_shape(s, axes);
  Shape out;
  for (int i = 0; i < s.rank(); ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) out.push_back(s[i]);
  return out;
}

/// max and min have no identity element: reducing over an empty set of values (a
/// zero-size reduced axis) is an error. A zero-size *kept* axis is not: max over axis 1 of
/// a [0, 3] tensor is an empty [0] (a zero-size batch).
void check_nonempty_reduction(kernels::Reduce op, const Tensor& x, const std::vector<int>& axes,
                              const char* name) {
  if (op == kernels::Reduce::Sum) return;
  bool empty = x.numel() == 0 && axes.empty();
  for (int a : axes) empty = empty || x.shape()[a] == 0;
  if (empty)
    throw ValueError(
        fmt::format("{}: cannot reduce over a zero-size axis of shape {}", name, x.shape().str()));
}

/// Values of reducing x over `axes`, one axis at a time; the last step writes straight
/// into a tensor of the result's shape (no reshape, so every allocation names `name`).
Tensor reduce_values(kernels::Reduce op, const Tensor& x, const std::vector<int>& axes,
                     bool keepdim, const char* name) {
  check_nonempty_reduction(op, x, axes, name);
  const Shape out_shape = reduced_shape(x.shape(), axes, keepdim);
  Tensor cur = x;
  Shape shape = x.shape();
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    const int a = *it;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < a; ++i) outer *= shape[i];
    for (int i = a + 1; i < shape.rank(); ++i) inner *= shape[i];
    const int64_t r = shape[a];
    shape[a] = 1;
    Tensor next =
        detail::empty_for(name, std::next(it) == axes.rend() ? out_shape : shape, x.dtype());
    visit_dtype(x.dtype(), [&]<class T>() {
      kernels::reduce<T>(op, cur.data<T>(), next.data<T>(), outer, r, inner);
    });
    cur = next;
  }
  if (axes.empty()) {  // a rank-0 input: the reduction is a copy
    cur = detail::empty_for(name, shape, x.dtype());
    std::memcpy(cur.impl()->data(), x.impl()->data(), x.nbytes());
  }
  return cur;
}

/// The gradient of a reduction, put back into the keepdim layout and broadcast to x.
/// How many elements each output of a reduction over `axes` of `shape` sums.
int64_t reduced_count(const Shape& shape, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int a : axes) n *= shape[a];
  return n;
}

/// var's and std's Bessel correction must be >= 0; the error names the op called.
void check_correction(const char* op, int64_t correction) {
  if (correction < 0)
    throw ValueError(fmt::format("{}: correction must be >= 0, got {}", op, correction));
}

/// 1/y, and 0 where y = 0: the minimum-norm subgradient that norm's and std's rules take
/// at a zero result (the plain 1/y would give ∞·0 = NaN there).
Tensor inverse_or_zero(const Tensor& y) {
  Tensor zero = eq(y, zeros_like(y));
  return where(zero, zeros_like(y), 1.0 / where(zero, ones_like(y), y));
}

Tensor expand_back(const Tensor& g, const Shape& keep, const Shape& x_shape) {
  return expand(reshape(g, keep), x_shape);
}

/// Forward mode: Σ of tangents [K, *x.shape] over x's axes `ax` (keepdim), never over the
/// K axis (an empty `ax`, a rank-0 x, sums nothing).
Tensor sum_tangent_axes(const Tensor& t, const std::vector<int>& ax) {
  if (ax.empty()) return t;
  Axes axes;
  for (int a : ax) axes.push_back(a + 1);
  return sum(t, axes, true);
}

/// Forward mode: Σ over x's reduced axes of tangents [K, *x.shape] (times `w`, broadcast
/// against x, if given), as the tangent [K, *out.shape] of a reduction's output.
Tensor reduce_tangent(const Tensor& t, const std::vector<int>& ax, const Tensor& out,
                      const Tensor& w = {}) {
  Tensor r = sum_tangent_axes(w.defined() ? t * w : t, ax);
  return reshape(r, tangent_shape(t.size(0), out.shape()));
}

/// The max over `axes` (keepdim) of the finite values, detached, and 0 where there are
/// none: the constant shift that keeps exp from overflowing in logsumexp and softmax.
/// Being a constant it drops out of every derivative, so the results stay exact to any
/// order. Skipping infinities keeps every finite value's exp(x − m) ≤ 1 beside a +inf, so
/// its gradient is the true 0 (times an infinite sum's 1/∞), not 0·∞ = NaN.
Tensor stable_shift(const Tensor& x, const Axes& axes) {
  NoGradGuard no_grad;
  const Tensor v = x.detach();
  Tensor m = max(where(lt(abs(v), INFINITY), v, full_like(v, -INFINITY)), axes, true);
  return where(eq(m, -INFINITY), zeros_like(m), m);
}

/// Shared body of max and min: ∂max/∂xᵢ = [xᵢ = max] / #ties.
Tensor extremum(const char* name, kernels::Reduce op, const Tensor& x, const Axes& axes,
                bool keepdim) {
  detail::check_float(name, x);
  const auto ax = detail::reduction_axes(axes, x.dim(), name);
  const Shape keep = detail::keepdim_shape(x.shape(), ax);
  Tensor y = reduce_values(op, x, ax, keepdim, name);
  auto share = [keep, ax](const Tensor& x, const Tensor& y) {  // [xᵢ = max] / #ties
    Tensor hit = eq(x, reshape(y.detach(), keep));
    return hit / sum(hit, Axes(ax.begin(), ax.end()), true);
  };
  return record(
      name, {x}, y, {x, y},
      [keep, share](BackwardContext& c) {
        Tensor x = c.saved(0);
        return TensorList{expand_back(c.grad(), keep, x.shape()) * share(x, c.saved(1))};
      },
      // ẏ = Σᵢ ẋᵢ [xᵢ = max] / #ties: piecewise linear
      tangent_rule([ax, share](const ForwardContext& c) {
        return reduce_tangent(c.tangent(0), ax, c.output(), share(c.input(0), c.output()));
      }));
}

/// Shared body of argmax and argmin along one axis (any axis of a rank-0 x: index 0).
Tensor arg_extremum(const char* name, bool is_max, const Tensor& x, int64_t axis, bool keepdim) {
  detail::check_float(name, x);
  const auto ax = detail::reduction_axes(Axes{axis}, x.dim(), name);
  check_nonempty_reduction(kernels::Reduce::Max, x, ax, name);
  Tensor index = detail::empty_for(name, reduced_shape(x.shape(), ax, keepdim), kInt64);
  if (ax.empty()) {
    index.data<int64_t>()[0] = 0;
    return index;
  }
  const int a = ax[0];
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < a; ++i) outer *= x.shape()[i];
  for (int i = a + 1; i < x.dim(); ++i) inner *= x.shape()[i];
  visit_dtype(x.dtype(), [&]<class T>() {
    kernels::arg_extremum<T>(is_max, x.data<T>(), index.data<int64_t>(), outer, x.shape()[a],
                             inner);
  });
  return index;
}

/// Over all values: along the one axis of x's values viewed flat.
Tensor arg_extremum_flat(const char* name, bool is_max, const Tensor& x) {
  detail::check_float(name, x);
  return arg_extremum(name, is_max, x.alias(Shape{x.numel()}), 0, false);
}

/// Shared body of max_with_indices and min_with_indices.
ValuesIndices with_indices(const char* name, bool is_max, const Tensor& x, int64_t axis,
                           bool keepdim) {
  Tensor index = arg_extremum(name, is_max, x, axis, true);
  if (x.dim() == 0) return {reshape(x, {}), index};
  Tensor values = gather(x, axis, index);
  if (keepdim) return {values, index};
  return {squeeze(values, axis), squeeze(index, axis)};
}

}  // namespace

Tensor argmax(const Tensor& x) { return arg_extremum_flat("argmax", true, x); }
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim) {
  return arg_extremum("argmax", true, x, axis, keepdim);
}
Tensor argmin(const Tensor& x) { return arg_extremum_flat("argmin", false, x); }
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim) {
  return arg_extremum("argmin", false, x, axis, keepdim);
}
ValuesIndices max_with_indices(const Tensor& x, int64_t axis, bool keepdim) {
  return with_indices("max_with_indices", true, x, axis, keepdim);
}
ValuesIndices min_with_indices(const Tensor& x, int64_t axis, bool keepdim) {
  return with_indices("min_with_indices", false, x, axis, keepdim);
}

// ∂(Σᵢ xᵢ)/∂xⱼ = 1: the gradient is broadcast back over the summed axes.
Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_float("sum", x);
  const auto ax = detail::reduction_axes(axes, x.dim(), "sum");
  const Shape keep = detail::keepdim_shape(x.shape(), ax);
  Tensor y = reduce_values(kernels::Reduce::Sum, x, ax, keepdim, "sum");
  const Shape xs = x.shape();
  return record(
      "sum", {x}, y, {},
      [keep, xs](BackwardContext& c) { return TensorList{expand_back(c.grad(), keep, xs)}; },
      tangent_rule(
          [ax](const ForwardContext& c) { return reduce_tangent(c.tangent(0), ax, c.output()); }));
}

// ∂max/∂xᵢ = [xᵢ = max] / #ties (and likewise for min): the gradient is shared by ties.
Tensor max(const Tensor& x, const Axes& axes, bool keepdim) {
  return extremum("max", kernels::Reduce::Max, x, axes, keepdim);
}
Tensor min(const Tensor& x, const Axes& axes, bool keepdim) {
  return extremum("min", kernels::Reduce::Min, x, axes, keepdim);
}

// mean = Σᵢ xᵢ / n, so ∂mean/∂xⱼ = 1/n (composite: sum, then a scalar division).
Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_float("mean", x);
  const auto ax = detail::reduction_axes(axes, x.dim(), "mean");
  return sum(x, axes, keepdim) / static_cast<double>(reduced_count(x.shape(), ax));
}

// var = Σᵢ (xᵢ − x̄)² / (n − correction), so ∂var/∂xⱼ = 2(xⱼ − x̄)/(n − correction)
// (the Σᵢ(xᵢ − x̄) term of ∂x̄ vanishes). Composite.
Tensor var(const Tensor& x, const Axes& axes, int64_t correction, bool keepdim) {
  detail::check_float("var", x);
  check_correction("var", correction);
  const auto ax = detail::reduction_axes(axes, x.dim(), "var");
  const int64_t n = reduced_count(x.shape(), ax);
  Tensor centred = x - mean(x, axes, true);
  // n − correction ≤ 0 gives Inf/NaN, as in NumPy and PyTorch.
  return sum(centred * centred, axes, keepdim) / static_cast<double>(n - correction);
}

// std = √var, so ∂std/∂xⱼ = (xⱼ − x̄) / ((n − correction)·std), and 0 where std = 0 (all
// values equal: the minimum-norm subgradient, as PyTorch gives; the composite √var would
// give ∞·0 = NaN there).
Tensor std(const Tensor& x, const Axes& axes, int64_t correction, bool keepdim) {
  detail::check_float("std", x);
  check_correction("std", correction);  // errors name std, not the var it is built on
  const auto ax = detail::reduction_axes(axes, x.dim(), "std");
  const int64_t n = reduced_count(x.shape(), ax);
  const Shape keep = detail::keepdim_shape(x.shape(), ax);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = sqrt(var(x.detach(), axes, correction, keepdim));  // values only
  }
  const auto dof = static_cast<double>(n - correction);
  // Forward: σ̇ = Σᵢ (xᵢ − x̄) ẋᵢ / (dof·σ); curvature Σ_k σ̈_k with
  // σ̈ = (Σᵢ (ẋᵢ − mean ẋ)² / dof − σ̇²) / σ (from differentiating σ² = var twice).
  auto tangent = [ax, axes, keep, dof](const ForwardContext& c) {
    Tensor x = c.input(0), y = reshape(c.output(), keep);
    return reduce_tangent(c.tangent(0), ax, c.output(),
                          (x - mean(x, axes, true)) * (inverse_or_zero(y) / dof));
  };
  auto curvature = [ax, n, dof, tangent](const ForwardContext& c) {
    Tensor t = c.tangent(0);
    Tensor centred = t - sum_tangent_axes(t, ax) / static_cast<double>(n);
    Tensor spread = reshape(sum_tangent_axes(centred * centred, ax),
                            tangent_shape(t.size(0), c.output().shape()));
    return (sum(spread, {0}) / dof - sum_of_squares(tangent(c))) * inverse_or_zero(c.output());
  };
  return record(
      "std", {x}, y, {x, y},
      [keep, axes, dof](BackwardContext& c) {
        Tensor x = c.saved(0), y = reshape(c.saved(1), keep);
        return TensorList{expand_back(c.grad(), keep, x.shape()) * (x - mean(x, axes, true)) *
                          (inverse_or_zero(y) / dof)};
      },
      tangent_rule(tangent, curvature));
}

// lse = m + log Σᵢ exp(xᵢ − m) with m = max x held constant (stable: no exp overflows),
// so ∂lse/∂xⱼ = exp(xⱼ − lse) = softmax(x)ⱼ. Composite.
Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_float("logsumexp", x);
  const auto ax = detail::reduction_axes(axes, x.dim(), "logsumexp");
  check_nonempty_reduction(kernels::Reduce::Max, x, ax, "logsumexp");
  const Tensor m = stable_shift(x, axes);
  Tensor out = log(sum(exp(x - m), axes, true)) + m;
  return keepdim ? out : reshape(out, reduced_shape(x.shape(), ax, false));
}

// ∂‖x‖/∂x = x/‖x‖, and 0 where ‖x‖ = 0 (the minimum-norm subgradient).
Tensor norm(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_float("norm", x);
  const auto ax = detail::reduction_axes(axes, x.dim(), "norm");
  const Shape keep = detail::keepdim_shape(x.shape(), ax);
  Tensor y;
  {
    NoGradGuard no_grad;
    const Tensor v = x.detach();  // values only
    y = sqrt(sum(v * v, axes, keepdim));
  }
  // Forward: ẏ = Σᵢ xᵢẋᵢ / y; curvature Σ_k ÿ_k with ÿ = (Σᵢ ẋᵢ² − ẏ²) / y.
  auto tangent = [ax, keep](const ForwardContext& c) {
    return reduce_tangent(c.tangent(0), ax, c.output(),
                          c.input(0) * inverse_or_zero(reshape(c.output(), keep)));
  };
  auto curvature = [ax, tangent](const ForwardContext& c) {
    Tensor t = c.tangent(0);
    Tensor squares = reduce_tangent(t * t, ax, c.output());
    return (sum(squares, {0}) - sum_of_squares(tangent(c))) * inverse_or_zero(c.output());
  };
  return record(
      "norm", {x}, y, {x, y},
      [keep](BackwardContext& c) {
        Tensor x = c.saved(0), y = reshape(c.saved(1), keep);
        return TensorList{expand_back(c.grad(), keep, x.shape()) * x * inverse_or_zero(y)};
      },
      tangent_rule(tangent, curvature));
}

// log_softmax(x)ⱼ = xⱼ − lse(x), so ∂/∂xₖ = [j = k] − softmax(x)ₖ. Composite.
Tensor log_softmax(const Tensor& x, int64_t axis) {
  detail::check_float("log_softmax", x);
  normalize_axis(axis, x.dim(), "log_softmax");
  // (x − m) − log Σ exp(x − m): shifting first keeps the digits of the result (x − lse
  // with lse ≈ 1000 would lose ten of them).
  const Tensor shifted = x - stable_shift(x, {axis});
  return shifted - log(sum(exp(shifted), {axis}, true));
}

// softmax(x)ⱼ = exp(xⱼ − m) / Σᵢ exp(xᵢ − m), so ∂softmaxⱼ/∂xₖ = softmaxⱼ([j = k] − softmaxₖ).
// Composite.
Tensor softmax(const Tensor& x, int64_t axis) {
  detail::check_float("softmax", x);
  normalize_axis(axis, x.dim(), "softmax");
  // exp(x − m) / Σ exp(x − m): exact to rounding, where exp(log_softmax) is not.
  const Tensor e = exp(x - stable_shift(x, {axis}));
  return e / sum(e, {axis}, true);
}

// sum_to: the adjoint of broadcasting (Note [Central unbroadcast]); a sum over the
// broadcast axes, so ∂/∂x = g expanded back. Composite.
Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const Shape& xs = x.shape();
  const int lead = xs.rank() - shape.rank();
  if (lead < 0)
    throw ShapeError(
        fmt::format("sum_to: cannot sum shape {} to the larger rank of {}", xs.str(), shape.str()));
  std::vector<int64_t> axes;
  for (int i = 0; i < xs.rank(); ++i) {
    if (i < lead) {
      axes.push_back(i);
    } else if (shape[i - lead] == 1 && xs[i] != 1) {
      axes.push_back(i);
    } else if (shape[i - lead] != xs[i]) {
      throw ShapeError(
          fmt::format("sum_to: shape {} is not a broadcast of {}", xs.str(), shape.str()));
    }
  }
  return reshape(sum(x, Axes(axes), true), shape);
}

}  // namespace tg

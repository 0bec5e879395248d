// Exact per-sample Hessian trace, two ways (see hessian.hpp for the cost model).
//
// Both rest on one identity. With g = ∂(Σ_b f_b)/∂x (shape [B, D]; row b is ∇f_b because
// samples are independent) and a cotangent E of shape [B, D],
//
//   h = ∂<E, g>/∂x   has   h[b, i] = Σ_j E[b, j] ∂²f_b/∂x_bj∂x_bi,
//
// so with E = e_d in every row, h[b, d] = ∂²f_b/∂x_bd², and Σ_i h[b, i] E[b, i] picks it.
#include "tapegrad/autograd/hessian.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "sequence_numbering.hpp"
#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg {
namespace {

void check_input(const char* op, const Tensor& x) {
  if (!x.defined() || x.dim() != 2)
    throw ShapeError(fmt::format("{}: x must be [B, D], got {}", op,
                                 x.defined() ? x.shape().str() : "an undefined tensor"));
}

void check_output(const char* op, const Tensor& x, const Tensor& y, int64_t rows) {
  if (!y.defined() || y.shape() != Shape{rows})
    throw ShapeError(fmt::format("{}: f must map [B, D] to [B]; for x of shape {} it returned {}",
                                 op, x.shape().str(),
                                 y.defined() ? y.shape().str() : "an undefined tensor"));
}

/// A [rows, D] cotangent whose row r is the one-hot vector e_{column(r)}.
template <class Column>
Tensor one_hot_rows(int64_t rows, int64_t d, Dtype dtype, Column column) {
  Tensor e = zeros({rows, d}, dtype);
  visit_dtype(dtype, [&]<class T>() {
    T* p = e.data<T>();
    for (int64_t r = 0; r < rows; ++r) p[r * d + column(r)] = T(1);
  });
  return e;
}

/// Σ_i h[r, i] e[r, i] per row r, where h = ∂<e, ∂Σy/∂x>/∂x: the diagonal entries of the
/// per-row Hessians that `e` selects. Undefined gradients (f linear in x, or not
/// depending on it) mean a zero Hessian.
Tensor selected_diagonal(const Tensor& y, const Tensor& x, const Tensor& e, bool create_graph) {
  Tensor g = grad({sum(y)}, {x}, {.create_graph = true, .allow_unused = true})[0];
  if (!g.defined() || !g.requires_grad()) return zeros({x.size(0)}, x.dtype());
  Tensor h =
      grad({g}, {x}, {.grad_outputs = {e}, .create_graph = create_graph, .allow_unused = true})[0];
  if (!h.defined()) return zeros({x.size(0)}, x.dtype());
  return sum(h * e, {1});
}

/// The tensor to differentiate against: x itself if it is in a graph (so the trace is
/// differentiable w.r.t. x too), else a fresh leaf on x's values.
Tensor differentiable(const Tensor& x) {
  return x.requires_grad() ? x : x.detach().requires_grad_();
}

}  // namespace

Tensor hessian_trace_loop(const BatchScalarFn& f, const Tensor& x,
                          const HessianTraceOptions& options) {
  check_input("hessian_trace_loop", x);
  const int64_t rows = x.size(0), dims = x.size(1);
  const Tensor xin = differentiable(x);
  std::vector<Tensor> diagonal(static_cast<size_t>(dims));  // [B] per dimension
  const detail::ParallelNumbering numbering(dims);
  tbb::parallel_for(int64_t{0}, dims, [&](int64_t d) {
    const auto numbered = numbering.task(d);  // Note [Sequence numbers in parallel tasks]
    // Set explicitly: a TBB worker (or a thread that stole this task while waiting in a
    // kernel inside a backward pass) may have grad mode off.
    AutoGradMode on(true);
    Tensor y = f(xin);
    check_output("hessian_trace_loop", x, y, rows);
    Tensor e = one_hot_rows(rows, dims, x.dtype(), [d](int64_t) { return d; });
    diagonal[static_cast<size_t>(d)] =
        selected_diagonal(y, xin, e, options.create_graph).reshape({rows, 1});
  });
  AutoGradMode mode(options.create_graph);
  Tensor trace = sum(cat(diagonal, 1), {1});
  return options.create_graph ? trace : trace.detach();
}

Tensor hessian_trace_replicated(const BatchScalarFn& f, const Tensor& x,
                                const HessianTraceOptions& options) {
  check_input("hessian_trace_replicated", x);
  const int64_t rows = x.size(0), dims = x.size(1);
  AutoGradMode on(true);
  // Replica k (rows k·B .. k·B + B − 1) is x again and gets the cotangent e_k.
  Tensor xr = repeat(x, {dims, 1});
  if (!xr.requires_grad()) xr.requires_grad_();
  Tensor y = f(xr);
  check_output("hessian_trace_replicated", xr, y, dims * rows);
  Tensor e = one_hot_rows(dims * rows, dims, x.dtype(), [rows](int64_t r) { return r / rows; });
  Tensor diagonal = selected_diagonal(y, xr, e, options.create_graph);  // [D·B]
  AutoGradMode mode(options.create_graph);
  Tensor trace = sum(diagonal.reshape({dims, rows}), {0});
  return options.create_graph ? trace : trace.detach();
}

}  // namespace tg

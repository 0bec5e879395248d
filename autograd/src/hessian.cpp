// Exact per-sample Jacobian traces, two ways (see hessian.hpp for the cost model).
//
// Both rest on one identity. For a field s = s(x) of shape [B, D] whose row b depends on
// row b of x only, and a cotangent E of shape [B, D],
//
//   h = ∂<E, s>/∂x   has   h[b, i] = Σ_j E[b, j] ∂s_bj/∂x_bi,
//
// so with E = e_d in every row, h[b, d] = ∂s_bd/∂x_bd: the loop keeps column d of one
// such product per d; the replicated form gives replica k the cotangent e_k and picks
// Σ_i h[r, i] E[r, i] per row.
#include "tapegrad/autograd/hessian.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sequence_numbering.hpp"
#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/forward.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg {
namespace {

std::string shape_or_undefined(const Tensor& t) {
  return t.defined() ? t.shape().str() : "an undefined tensor";
}

void check_input(const char* op, const Tensor& x) {
  if (!x.defined() || x.dim() != 2 || x.size(1) == 0)
    throw ShapeError(
        fmt::format("{}: x must be [B, D] with D > 0, got {}", op, shape_or_undefined(x)));
  if (!x.requires_grad())  // as tg::grad does for an input
    throw GraphError(
        fmt::format("{}: x (shape {}) does not require grad; call requires_grad_() on it before "
                    "computing the field from it",
                    op, x.shape().str()));
}

void check_field(const char* op, const Tensor& x, const Tensor& s) {
  if (!s.defined() || s.shape() != x.shape())
    throw ShapeError(
        fmt::format("{}: the field must map [B, D] to [B, D]; for x of shape {} it is {}", op,
                    x.shape().str(), shape_or_undefined(s)));
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

/// The result of a trace function: recorded only if asked for.
FieldAndTrace finish(Tensor field, Tensor trace, bool create_graph) {
  if (create_graph) return {std::move(field), std::move(trace)};
  return {field.detach(), trace.detach()};
}

/// A field recorded at x under grad mode, whatever mode the caller is in.
Tensor record_field(const char* op, const BatchFieldFn& field, const Tensor& x) {
  AutoGradMode on(true);
  Tensor s = field(x);
  check_field(op, x, s);
  return s;
}

/// x ↦ ∇ₓ Σ_b f(x)_b, recorded: row b is ∇f_b because samples are independent. A gradient
/// that is undefined (f does not depend on x) is zero.
BatchFieldFn gradient_field(const char* op, const BatchScalarFn& f) {
  return [op, &f](const Tensor& x) {
    Tensor y = f(x);
    if (!y.defined() || y.shape() != Shape{x.size(0)})
      throw ShapeError(fmt::format("{}: f must map [B, D] to [B]; for x of shape {} it returned {}",
                                   op, x.shape().str(), shape_or_undefined(y)));
    Tensor g = grad({sum(y)}, {x}, {.create_graph = true, .allow_unused = true})[0];
    return g.defined() ? g : zeros_like(x);
  };
}

FieldAndTrace replicated(const char* op, const BatchFieldFn& field, const Tensor& x,
                         const HessianTraceOptions& options) {
  check_input(op, x);
  const int64_t rows = x.size(0), dims = x.size(1);
  AutoGradMode on(true);
  // Replica k (rows k·B .. k·B + B − 1) is x again and gets the cotangent e_k.
  Tensor xr = repeat(x, {dims, 1});
  Tensor sr = record_field(op, field, xr);
  Tensor s = slice(sr, 0, 0, rows);
  if (!sr.requires_grad()) return finish(s, zeros({rows}, x.dtype()), options.create_graph);
  Tensor e = one_hot_rows(dims * rows, dims, x.dtype(), [rows](int64_t r) { return r / rows; });
  // Retained: replica 0 of the field is handed back, and may be differentiated later.
  Tensor h = grad({sr}, {xr},
                  {.grad_outputs = {e},
                   .retain_graph = true,
                   .create_graph = options.create_graph,
                   .allow_unused = true})[0];
  AutoGradMode mode(options.create_graph);
  Tensor trace =
      h.defined() ? sum(sum(h * e, {1}).reshape({dims, rows}), {0}) : zeros({rows}, x.dtype());
  return finish(s, trace, options.create_graph);
}

/// TraceMethod::Forward on a field: one sweep with the D unit tangents gives the Jacobian
/// columns J e_d, [D, B, D]; the trace is Σ_d (J e_d)_d.
FieldAndTrace forward_field_trace(const char* op, const BatchFieldFn& field, const Tensor& x,
                                  const HessianTraceOptions& options) {
  check_input(op, x);
  const int64_t dims = x.size(1);
  AutoGradMode mode(options.create_graph);
  auto checked = [&](const TensorList& in) {
    Tensor s = field(in[0]);
    check_field(op, in[0], s);
    return s;
  };
  // The D unit tangents, the same for every sample: [D, 1, D] (forward.hpp's compact form).
  const Tensor unit = reshape(eye(dims, x.dtype()), {dims, 1, dims});
  JvpResult r = jvp(checked, {x}, {unit}, {.batched = true});
  Tensor diagonal = r.tangent * unit;
  return finish(r.output, sum(diagonal, {0, 2}), options.create_graph);
}

/// TraceMethod::Forward on ∇ₓ f: the forward Laplacian.
FieldAndTrace forward_hessian_trace(const char* op, const BatchScalarFn& f, const Tensor& x,
                                    const HessianTraceOptions& options) {
  check_input(op, x);
  AutoGradMode mode(options.create_graph);
  ForwardLaplacian l = forward_laplacian(f, x);
  return finish(l.gradient, l.laplacian, options.create_graph);
}

}  // namespace

Tensor jacobian_trace(const Tensor& s, const Tensor& x, const HessianTraceOptions& options) {
  check_input("jacobian_trace", x);
  check_field("jacobian_trace", x, s);
  const int64_t rows = x.size(0), dims = x.size(1);
  if (!s.requires_grad()) return zeros({rows}, x.dtype());
  std::vector<Tensor> columns(static_cast<size_t>(dims));  // [B, 1] per dimension
  // The products share s's graph (a node may run in several passes at once, Note [Grad mode
  // is thread-local]); with create_graph each records its own graph, numbered per task.
  const detail::ParallelNumbering numbering(dims);
  // Note [Kernels wait only for their own work] (kernels/parallel_for.hpp)
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(int64_t{0}, dims, [&](int64_t d) {
      const auto numbered = numbering.task(d);  // Note [Sequence numbers in parallel tasks]
      Tensor e = one_hot_rows(rows, dims, x.dtype(), [d](int64_t) { return d; });
      Tensor h = grad({s}, {x},
                      {.grad_outputs = {e},
                       .retain_graph = true,
                       .create_graph = options.create_graph,
                       .allow_unused = true})[0];
      // Set explicitly: a TBB worker may have grad mode off.
      AutoGradMode mode(options.create_graph);
      columns[static_cast<size_t>(d)] =
          h.defined() ? slice(h, 1, d, d + 1) : zeros({rows, 1}, x.dtype());
    });
  });
  // Summed in dimension order, whatever order the tasks finished in.
  AutoGradMode mode(options.create_graph);
  Tensor trace = sum(cat(columns, 1), {1});
  return options.create_graph ? trace : trace.detach();
}

namespace {

FieldAndTrace field_and_trace(const char* op, const BatchFieldFn& field, const Tensor& x,
                              TraceMethod method, const HessianTraceOptions& options) {
  if (method == TraceMethod::Replicated) return replicated(op, field, x, options);
  if (method == TraceMethod::Forward) return forward_field_trace(op, field, x, options);
  check_input(op, x);
  Tensor s = record_field(op, field, x);
  return finish(s, jacobian_trace(s, x, options), options.create_graph);
}

}  // namespace

FieldAndTrace field_and_jacobian_trace(const BatchFieldFn& field, const Tensor& x,
                                       TraceMethod method, const HessianTraceOptions& options) {
  return field_and_trace("field_and_jacobian_trace", field, x, method, options);
}

FieldAndTrace gradient_and_hessian_trace(const BatchScalarFn& f, const Tensor& x,
                                         TraceMethod method, const HessianTraceOptions& options) {
  const char* op = "gradient_and_hessian_trace";
  if (method == TraceMethod::Forward) return forward_hessian_trace(op, f, x, options);
  return field_and_trace(op, gradient_field(op, f), x, method, options);
}

Tensor hessian_trace_loop(const BatchScalarFn& f, const Tensor& x,
                          const HessianTraceOptions& options) {
  const char* op = "hessian_trace_loop";
  return field_and_trace(op, gradient_field(op, f), x, TraceMethod::Loop, options).trace;
}

Tensor hessian_trace_replicated(const BatchScalarFn& f, const Tensor& x,
                                const HessianTraceOptions& options) {
  const char* op = "hessian_trace_replicated";
  return field_and_trace(op, gradient_field(op, f), x, TraceMethod::Replicated, options).trace;
}

}  // namespace tg

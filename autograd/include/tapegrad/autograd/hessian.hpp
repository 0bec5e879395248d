// Exact Hessian trace (DESIGN.md point 8): for f: [B, D] -> [B], a per-sample scalar
// whose samples are independent (row b of the output depends on row b of x only), the
// per-sample Laplacian
//
//   tr ∇²ₓ f(x)_b = Σ_d ∂² f_b / ∂x_bd²,   returned as a [B] tensor.
//
// Score matching needs it, and its cost is inherently D backward passes (one Hessian-
// vector product per dimension; there is no cheaper exact method for a general f):
//
// - hessian_trace_loop: D independent tasks, run in parallel with TBB. Task d builds its
//   own graph (f(x), then g = ∂Σf/∂x with create_graph, then the vector-Jacobian product
//   of g with the one-hot cotangent e_d in every row) and keeps column d. Cost: D
//   forward passes on [B, D] and 2·D backward passes; peak memory is one graph per
//   running task. Grad mode and the sequence counter are thread-local, so the tasks do
//   not interfere (Note [Grad mode is thread-local]).
// - hessian_trace_replicated: one pass on a replicated batch. x is tiled D times into
//   [D·B, D], replica k gets the identity cotangent e_k, and one forward, one first and
//   one second backward pass run on the big batch. Same arithmetic as the loop, in
//   larger kernels; peak memory is D times one graph.
//
// Both are exact (no Hutchinson-style estimate), agree to rounding, and with
// `create_graph = true` the result is itself differentiable — with respect to the
// parameters f closes over and to x — so it can sit inside a loss. If f mixes samples
// (batch statistics, a mean over the batch inside f), the per-sample trace is not what
// these functions compute.
#pragma once
#include <functional>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

/// A per-sample scalar function: [B, D] -> [B].
using BatchScalarFn = std::function<Tensor(const Tensor&)>;

struct HessianTraceOptions {
  /// Record the computation so the trace can be differentiated (e.g. w.r.t. parameters
  /// that `f` closes over). Without it the result carries no graph.
  bool create_graph = false;
};

/// tr ∇²ₓ f per sample, with D one-hot `grad` calls run in parallel over dimensions.
/// `f` is called D times, concurrently, from TBB worker threads: it must be safe to
/// call from several threads at once (pure Tensor code is; mutating shared state is not).
/// Throws ShapeError unless x is [B, D] and f(x) is [B].
Tensor hessian_trace_loop(const BatchScalarFn& f, const Tensor& x,
                          const HessianTraceOptions& options = {});

/// tr ∇²ₓ f per sample, in one pass over x tiled D times (identity cotangents).
/// Memory: D times that of one pass. Throws ShapeError unless x is [B, D] and f(x) is [B].
Tensor hessian_trace_replicated(const BatchScalarFn& f, const Tensor& x,
                                const HessianTraceOptions& options = {});

}  // namespace tg

// Exact per-sample Jacobian and Hessian traces (DESIGN.md point 8). For a vector field
// s: [B, D] -> [B, D] whose samples are independent (row b of s depends on row b of x
// only), the per-sample divergence
//
//   tr ∇ₓ s(x)_b = Σ_d ∂s_bd / ∂x_bd,   returned as a [B] tensor,
//
// and, for a per-sample scalar f: [B, D] -> [B], the Laplacian tr ∇²ₓ f = tr ∇ₓ(∇ₓ f).
// Score matching needs both the score s = ∇ₓ log p and tr ∇ₓ s. The exact cost is
// inherently D vector-Jacobian products (one per dimension; there is no cheaper exact
// method for a general s), and the library offers them two ways, both of which hand back
// the field they differentiated so that nothing is computed twice:
//
// - Loop form, jacobian_trace(s, x): s is already computed from x with its graph recorded
//   (the score from grad(..., {.create_graph = true}), or a score network's output). D
//   vector-Jacobian products of that one graph with the one-hot cotangents e_d, run in
//   parallel with TBB, each keeping column d. Cost beyond s: D backward passes through the
//   graph of s; no forward pass.
// - Replicated form, field_and_jacobian_trace(field, x, TraceMethod::Replicated): x is tiled D
// times into [D·B, D],
//   the field is evaluated once on the big batch, and one vector-Jacobian product with
//   cotangent e_k on replica k gives every diagonal entry. Returns the field on replica 0
//   (= s(x), in the same graph) and the trace. Same arithmetic as the loop in D-times-larger
//   kernels; memory D times one graph.
//
// - Forward form, TraceMethod::Forward: one forward sweep that carries the D unit tangents
//   e_d (forward mode, forward.hpp): the field's Jacobian columns J e_d, whose diagonal
//   entries are summed; for ∇ₓ f it is the forward Laplacian, which carries ∇ₓ f and Δf
//   through every op in one sweep (Li et al. 2023). No backward pass.
//
// gradient_and_hessian_trace(f, x, method) runs any form on the field ∇ₓ f and returns
// both; hessian_trace_loop and hessian_trace_replicated return its trace.
//
// Both are exact (no Hutchinson-style estimate) and agree to rounding. With
// `create_graph = true` the trace is itself differentiable — with respect to the parameters
// the field closes over and to x — so it can sit inside a loss. The result does not depend
// on the thread count (Note [Sequence numbers in parallel tasks]). If the field mixes
// samples (batch statistics, a mean over the batch inside it), the per-sample trace is not
// what these functions compute.
//
// Like tg::grad, every function throws GraphError if x does not require grad: x must be
// the tensor the field was (or will be) computed from.
#pragma once
#include <functional>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

/// A per-sample scalar function: [B, D] -> [B].
using BatchScalarFn = std::function<Tensor(const Tensor&)>;
/// A per-sample vector field: [B, D] -> [B, D].
using BatchFieldFn = std::function<Tensor(const Tensor&)>;

struct HessianTraceOptions {
  /// Record the computation so the trace can be differentiated (e.g. w.r.t. parameters
  /// that the field closes over). Without it the result carries no graph.
  bool create_graph = false;
};

/// A field evaluated at x, and its per-sample Jacobian trace.
struct FieldAndTrace {
  Tensor field;  ///< [B, D]: s(x), or ∇ₓ f(x) for the Hessian forms
  Tensor trace;  ///< [B]: tr ∇ₓ s(x) per sample
};

/// tr ∇ₓ s per sample, for s already computed from x in a recorded graph: D parallel
/// vector-Jacobian products of that graph (retained: s stays usable). A field that does
/// not require grad has zero Jacobian. Throws ShapeError unless x and s are both [B, D].
Tensor jacobian_trace(const Tensor& s, const Tensor& x, const HessianTraceOptions& options = {});

enum class TraceMethod {
  Loop,        ///< the field on x, then jacobian_trace: D backward passes on [B, D]
  Replicated,  ///< the field and one backward pass on x tiled D times: [D·B, D]
  /// One forward sweep carrying the D unit tangents (forward.hpp): for a field, its
  /// Jacobian's columns, whose diagonal is summed; for the Hessian forms, the forward
  /// Laplacian of f. No backward pass at all; memory D times one pass, as Replicated.
  Forward
};

/// field(x) and tr ∇ₓ field per sample. Throws ShapeError unless x is [B, D] and the
/// field maps [B', D] to [B', D].
FieldAndTrace field_and_jacobian_trace(const BatchFieldFn& field, const Tensor& x,
                                       TraceMethod method, const HessianTraceOptions& options = {});

/// ∇ₓ f (recorded with create_graph, so it can be differentiated again) and tr ∇²ₓ f per
/// sample: the two exact forms on the field ∇ₓ f. Throws ShapeError unless x is [B, D]
/// and f maps [B', D] to [B'].
FieldAndTrace gradient_and_hessian_trace(const BatchScalarFn& f, const Tensor& x,
                                         TraceMethod method,
                                         const HessianTraceOptions& options = {});

/// tr ∇²ₓ f per sample: gradient_and_hessian_trace(f, x, TraceMethod::Loop).trace.
Tensor hessian_trace_loop(const BatchScalarFn& f, const Tensor& x,
                          const HessianTraceOptions& options = {});

/// tr ∇²ₓ f per sample: gradient_and_hessian_trace(f, x, TraceMethod::Replicated).trace.
/// Memory: D times that of one pass.
Tensor hessian_trace_replicated(const BatchScalarFn& f, const Tensor& x,
                                const HessianTraceOptions& options = {});

}  // namespace tg

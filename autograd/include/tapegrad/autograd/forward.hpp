// Forward mode: Jacobian-vector products, Hessian-vector products and the forward
// Laplacian. docs/forward-mode.md has the maths; forward_rule.hpp how an op takes part.
//
//   auto [y, ydot] = tg::jvp(f, {x}, {v});          // y = f(x), ẏ = J_f(x)·v
//   auto many = tg::jvp(f, {x}, {V}, {.batched = true});  // V: [K, *x.shape] -> [K, *y.shape]
//   tg::Tensor hv = tg::hvp(f, x, v);               // ∇²f(x)·v for a scalar f
//   auto lap = tg::forward_laplacian(energy, x);    // f, ∇ₓf, Δf per sample, one sweep
//
// Every result is built from Tensor ops, so it is differentiable in reverse mode with
// respect to whatever f closes over (parameters) when those require grad.
#pragma once
#include <functional>

#include "tapegrad/autograd/gradcheck.hpp"  // DifferentiableFn
#include "tapegrad/autograd/hessian.hpp"    // BatchScalarFn
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

struct JvpOptions {
  /// Tangents carry K directions on a leading axis, [K, *primal shape] (the same K for
  /// every primal; an axis of size 1 is a tangent that is the same along it, e.g. [K, 1, D]
  /// for one set of K directions shared by a batch), and so does the output's tangent:
  /// K JVPs in one sweep.
  bool batched = false;
};

struct JvpResult {
  Tensor output;   ///< f(primals)
  Tensor tangent;  ///< J_f · tangents: the output's shape, or [K, *shape] when batched
};

/// Runs f once on primals that carry `tangents` (one per primal, same shape and dtype)
/// and returns f's output with its tangent. Throws ShapeError/DtypeError on tangents
/// that do not match their primals, GraphError naming any op on the way that has no
/// forward rule.
JvpResult jvp(const DifferentiableFn& f, const TensorList& primals, const TensorList& tangents,
              const JvpOptions& options = {});

enum class HvpMode {
  /// ∇ₓ⟨∇ₓf(x), v⟩: two reverse passes, the second through the recorded first.
  ReverseOverReverse,
  /// The JVP of x ↦ ∇ₓf(x) along v: one forward pass carrying v, then one reverse pass
  /// whose rules carry it on.
  ForwardOverReverse,
};

struct HvpOptions {
  /// ReverseOverReverse is the default: measured faster on the estimators' networks
  /// (docs/forward-mode.md), and its result can itself be differentiated.
  HvpMode mode = HvpMode::ReverseOverReverse;
  /// Record the product so it can be differentiated again (ReverseOverReverse only).
  bool create_graph = false;
};

/// ∇²f(x)·v for a function f whose output has one element; v has x's shape and dtype.
Tensor hvp(const DifferentiableFn& f, const Tensor& x, const Tensor& v,
           const HvpOptions& options = {});

/// What the forward Laplacian returns for a per-sample scalar f: [B, D] -> [B].
struct ForwardLaplacian {
  Tensor value;      ///< [B]: f(x)
  Tensor gradient;   ///< [B, D]: ∇ₓf(x) per sample
  Tensor laplacian;  ///< [B]: Δf(x) = tr ∇²ₓf(x) per sample
};

/// f, ∇ₓf and Δf in one forward sweep that carries, per sample, the D-column Jacobian
/// and the Laplacian through every op (Li et al. 2023). Recorded on the tape like any op,
/// so a loss built from it is differentiable in the parameters f closes over. f must
/// treat samples independently (as for the Hessian traces); x needs no requires_grad.
/// Throws ShapeError if x is not [B, D] or f's output is not [B], GraphError naming an
/// op on the way that has no forward or curvature rule.
ForwardLaplacian forward_laplacian(const BatchScalarFn& f, const Tensor& x);

}  // namespace tg

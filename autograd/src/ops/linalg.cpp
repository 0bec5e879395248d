// Linear algebra on top of the GEMM kernel.
#include "tapegrad/autograd/ops/linalg.hpp"

#include <array>

#include "../kernels/kernels.hpp"
#include "linalg_internal.hpp"
#include "op_helpers.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"
#include "tapegrad/autograd/record.hpp"

namespace tg {
namespace {

/// Values of op(a) @ op(b) for rank-2 and rank-3 operands; a rank-2 operand or a batch of
/// 1 is shared by every batch.
Tensor matmul_values(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int ra = a.dim(), rb = b.dim();
  const int64_t a0 = a.shape()[ra - 2], a1 = a.shape()[ra - 1];
  const int64_t b0 = b.shape()[rb - 2], b1 = b.shape()[rb - 1];
  const int64_t m = ta ? a1 : a0, k = ta ? a0 : a1, kb = tb ? b1 : b0, n = tb ? b0 : b1;
  const int64_t ba = ra == 3 ? a.shape()[0] : 1, bb = rb == 3 ? b.shape()[0] : 1;
  if (k != kb || (ba != bb && ba != 1 && bb != 1))
    throw ShapeError(fmt::format(
        "matmul: shapes {} and {} do not fit: expected (…, m, k) @ (…, k, n) with equal k and "
        "batch sizes equal or 1{}",
        a.shape().str(), b.shape().str(),
        ta || tb ? fmt::format(" (after transposing {})", ta && tb ? "both"
                                                          : ta     ? "a"
                                                                   : "b")
                 : ""));
  const int64_t batch = std::max(ba, bb);
  const Shape out_shape = (ra == 3 || rb == 3) ? Shape{batch, m, n} : Shape{m, n};
  Tensor out = tg::detail::empty_for("matmul", out_shape, a.dtype());
  visit_dtype(a.dtype(), [&]<class T>() {
    if (bb == 1 && !ta) {  // a batch of rows times one matrix is one tall GEMM
      kernels::gemm<T>(false, tb, ba * m, n, k, T(1), a.data<T>(), a1, b.data<T>(), b1, T(0),
                       out.data<T>(), n);
      return;
    }
    for (int64_t i = 0; i < batch; ++i)
      kernels::gemm<T>(ta, tb, m, n, k, T(1), a.data<T>() + (ba == 1 ? 0 : i * a0 * a1), a1,
                       b.data<T>() + (bb == 1 ? 0 : i * b0 * b1), b1, T(0),
                       out.data<T>() + i * m * n, n);
  });
  return out;
}

/// A rank-3 x (not transposed) as one [batch * rows, cols] matrix; other tensors as is.
Tensor flatten_batch(const Tensor& x) {
  if (x.dim() != 3) return x;
  return reshape(x, Shape{x.shape()[0] * x.shape()[1], x.shape()[2]});
}

/// One operand of a product inside a forward rule: a primal (rank 2 or 3) or its
/// tangents (a K axis in front).
struct Operand {
  const Tensor& t;
  bool is_tangent;
};

/// op(x) @ op(y) inside a forward rule, where either operand may be tangents [K, ...]:
/// the result has the K axis in front of the broadcast batch axis, [K, (batch,) m, n].
/// Folded into the rank-2 and rank-3 products the kernel has; a rank-2 primal times
/// anything is one product with the other's leading axes folded (the common ẋ·wᵀ).
Tensor tangent_matmul(Operand x, Operand y, bool tx, bool ty) {
  auto fold = [](const Tensor& t) {  // [*lead, r, c] -> [numel(lead), r, c]
    const int r = t.dim();
    return reshape(t, Shape{t.numel() / (t.shape()[r - 2] * t.shape()[r - 1]), t.shape()[r - 2],
                            t.shape()[r - 1]});
  };
  auto unfold = [](const Tensor& p, const Tensor& like) {  // -> [*lead of like, m, n]
    Shape s(like.shape().begin(), like.shape().end() - 2);
    s.push_back(p.shape()[1]);
    s.push_back(p.shape()[2]);
    return reshape(p, s);
  };
  if (!y.is_tangent && y.t.dim() == 2) return unfold(detail::matmul(fold(x.t), y.t, tx, ty), x.t);
  if (!x.is_tangent && x.t.dim() == 2) return unfold(detail::matmul(x.t, fold(y.t), tx, ty), y.t);
  // General: both as [k, batch, r, c] (k = 1 for a primal, batch = 1 if absent), broadcast.
  bool batched = false;
  auto four = [&](Operand o) {
    const Shape& s = o.t.shape();
    const int lead = s.rank() - 2 - (o.is_tangent ? 1 : 0);  // 0 or 1 batch axis
    batched = batched || lead == 1;
    return Shape{o.is_tangent ? s[0] : 1, lead == 1 ? s[s.rank() - 3] : 1, s[s.rank() - 2],
                 s[s.rank() - 1]};
  };
  const Shape sx = four(x), sy = four(y);
  const Shape lead = broadcast_shapes(Shape{sx[0], sx[1]}, Shape{sy[0], sy[1]}, "matmul");
  auto full = [&](const Tensor& t, const Shape& s4) {
    return fold(expand(reshape(t, s4), Shape{lead[0], lead[1], s4[2], s4[3]}));
  };
  Tensor p = detail::matmul(full(x.t, sx), full(y.t, sy), tx, ty);  // [k·batch, m, n]
  return batched ? reshape(p, Shape{lead[0], lead[1], p.shape()[1], p.shape()[2]})
                 : reshape(p, Shape{lead[0], p.shape()[1], p.shape()[2]});
}

/// The forward rule of C = op(A) op(B): Ċ = op(Ȧ) op(B) + op(A) op(Ḃ), and the
/// curvature 2 Σ_k op(Ȧ_k) op(Ḃ_k) (the product is bilinear).
auto matmul_forward(bool ta, bool tb) {
  return tangent_rule(
      [ta, tb](const ForwardContext& c) {
        return add_tangents(
            c.has_tangent(0) ? tangent_matmul({c.tangent(0), true}, {c.input(1), false}, ta, tb)
                             : Tensor(),
            c.has_tangent(1) ? tangent_matmul({c.input(0), false}, {c.tangent(1), true}, ta, tb)
                             : Tensor());
      },
      [ta, tb](const ForwardContext& c) {
        if (!c.has_tangent(0) || !c.has_tangent(1)) return Tensor();
        return sum(tangent_matmul({c.tangent(0), true}, {c.tangent(1), true}, ta, tb), {0}) * 2.0;
      });
}

constexpr std::array<const char*, 4> kNames = {"matmul", "matmul_nt", "matmul_tn", "matmul_tt"};

}  // namespace

namespace detail {

// C = op(A) op(B) with G = ∂L/∂C:
//   ∂L/∂op(A) = G op(B)ᵀ, so ∂L/∂A = G op(B)ᵀ, or (G op(B)ᵀ)ᵀ = op(B) Gᵀ if A is transposed;
//   ∂L/∂op(B) = op(A)ᵀ G, so ∂L/∂B = op(A)ᵀ G, or (op(A)ᵀ G)ᵀ = Gᵀ op(A) if B is transposed.
// Each is again one matmul with transpose flags, so no rule ever copies a transpose.
// Batch axes broadcast by the forward are summed back by the engine, except for the
// common "batch of rows times one matrix" case, where the batch folds into the GEMM's rows.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  check_float("matmul", a);
  check_float("matmul", b);
  check_same_dtype("matmul", a, b);
  if (a.dim() < 2 || b.dim() < 2 || a.dim() > 3 || b.dim() > 3)
    throw ShapeError(
        fmt::format("matmul: operands of rank {} and {} (shapes {} and {}); "
                    "expected rank 1, 2 or 3",
                    a.dim(), b.dim(), a.shape().str(), b.shape().str()));
  const char* name = kNames[static_cast<size_t>(trans_b) + 2 * static_cast<size_t>(trans_a)];
  return record(
      name, {a, b}, matmul_values(a, b, trans_a, trans_b), {a, b},
      [trans_a, trans_b](BackwardContext& c) {
        const Tensor g = c.grad(), a = c.saved(0), b = c.saved(1);
        Tensor ga, gb;
        if (c.needs_grad(0))
          ga = trans_a ? matmul(b, g, trans_b, true) : matmul(g, b, false, !trans_b);
        if (c.needs_grad(1)) {
          // One rank-2 b shared by a batch of rows of a: fold the batch into the GEMM.
          const bool fold = b.dim() == 2 && a.dim() == 3 && !trans_a;
          const Tensor af = fold ? flatten_batch(a) : a, gf = fold ? flatten_batch(g) : g;
          gb = trans_b ? matmul(gf, af, true, trans_a) : matmul(af, gf, !trans_a, false);
        }
        return TensorList{ga, gb};
      },
      matmul_forward(trans_a, trans_b));
}

}  // namespace detail

// matmul(a, b) with NumPy rules for vectors (promoted to matrices, then squeezed) and
// batches; its derivative is the transpose-flag matmul above. Composite.
Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::check_float("matmul", a);
  detail::check_float("matmul", b);
  // Checked here, before vectors are promoted to matrices, so the message shows the
  // shapes the caller passed.
  if (a.dim() < 1 || b.dim() < 1 || a.dim() > 3 || b.dim() > 3)
    throw ShapeError(
        fmt::format("matmul: operands of rank {} and {} (shapes {} and {}); "
                    "expected rank 1, 2 or 3",
                    a.dim(), b.dim(), a.shape().str(), b.shape().str()));
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  return detail::matmul(a, b, false, false);
}

// y = x·wᵀ + b with G = ∂L/∂y (x [N, in], w [out, in], b [out]):
//   ∂L/∂x = G·w,  ∂L/∂w = Gᵀ·x,  ∂L/∂b = Σₙ G[n, :].
// One node instead of matmul + bias add: b is broadcast into y and the GEMM accumulates
// onto it (β = 1), and the rule is again matmuls with transpose flags and a sum, so it
// is differentiable to any order.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  detail::check_float("linear", x);
  detail::check_float("linear", w);
  detail::check_same_dtype("linear", x, w);
  if (b.defined()) detail::check_same_dtype("linear", x, b);
  const int64_t in = w.dim() == 2 ? w.shape()[1] : -1, out = w.dim() == 2 ? w.shape()[0] : -1;
  if (x.dim() < 1 || w.dim() != 2 || x.shape()[x.dim() - 1] != in ||
      (b.defined() && (b.dim() != 1 || b.shape()[0] != out)))
    throw ShapeError(fmt::format(
        "linear: input {}, weight {} and bias {} do not fit: expected [..., in], [out, in] "
        "and [out]",
        x.shape().str(), w.shape().str(), b.defined() ? b.shape().str() : "(none)"));
  if (x.dim() != 2) {  // [..., in] -> [rows, in] -> [..., out]
    Shape out_shape(x.shape().begin(), x.shape().end() - 1);
    out_shape.push_back(out);
    return reshape(linear(reshape(x, Shape{x.numel() / in, in}), w, b), out_shape);
  }
  if (!b.defined()) return detail::matmul(x, w, false, true);
  const int64_t rows = x.shape()[0];
  Tensor y = tg::detail::empty_for("linear", Shape{rows, out}, x.dtype());
  visit_dtype(x.dtype(), [&]<class T>() {
    kernels::broadcast_to<T>(b.data<T>(), b.shape(), y.data<T>(), y.shape());
    kernels::gemm<T>(false, true, rows, out, in, T(1), x.data<T>(), in, w.data<T>(), in, T(1),
                     y.data<T>(), out);
  });
  return record(
      "linear", {x, w, b}, std::move(y), {x, w},
      [](BackwardContext& c) {
        const Tensor g = c.grad(), x = c.saved(0), w = c.saved(1);
        Tensor gx, gw, gb;
        if (c.needs_grad(0)) gx = detail::matmul(g, w, false, false);
        if (c.needs_grad(1)) gw = detail::matmul(g, x, true, false);
        if (c.needs_grad(2)) gb = sum(g, {0});
        return TensorList{gx, gw, gb};
      },
      tangent_rule(
          // ẏ = ẋ·wᵀ + x·ẇᵀ + ḃ; curvature 2 Σ_k ẋ_k·ẇ_kᵀ
          [](const ForwardContext& c) {
            Tensor t = add_tangents(
                c.has_tangent(0) ? tangent_matmul({c.broadcast_tangent(0), true},
                                                  {c.input(1), false}, false, true)
                                 : Tensor(),
                c.has_tangent(1)
                    ? tangent_matmul({c.input(0), false}, {c.tangent(1), true}, false, true)
                    : Tensor());
            return add_tangents(t, c.broadcast_tangent(2));
          },
          [](const ForwardContext& c) {
            if (!c.has_tangent(0) || !c.has_tangent(1)) return Tensor();
            return sum(tangent_matmul({c.broadcast_tangent(0), true}, {c.tangent(1), true}, false,
                                      true),
                       {0}) *
                   2.0;
          }));
}

// outer(a, b)ᵢⱼ = aᵢbⱼ, so ∂L/∂a = G·b and ∂L/∂b = Gᵀ·a. Composite (a broadcast product).
Tensor outer(const Tensor& a, const Tensor& b) {
  detail::check_float("outer", a);
  detail::check_float("outer", b);
  detail::check_same_dtype("outer", a, b);
  if (a.dim() != 1 || b.dim() != 1)
    throw ShapeError(fmt::format("outer: expected two vectors, got shapes {} and {}",
                                 a.shape().str(), b.shape().str()));
  return unsqueeze(a, 1) * unsqueeze(b, 0);
}

// dot(a, b) = Σᵢ aᵢbᵢ, so ∂/∂a = b and ∂/∂b = a. Composite.
Tensor dot(const Tensor& a, const Tensor& b) {
  detail::check_float("dot", a);
  detail::check_float("dot", b);
  detail::check_same_dtype("dot", a, b);
  if (a.dim() != 1 || b.dim() != 1 || a.numel() != b.numel())
    throw ShapeError(
        fmt::format("dot: expected two vectors of equal length, got shapes {} "
                    "and {}",
                    a.shape().str(), b.shape().str()));
  return sum(a * b);
}

}  // namespace tg

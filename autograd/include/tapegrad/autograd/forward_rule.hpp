// Forward-mode rules: how an op pushes tangents forward, next to its backward rule.
//
//   // y = exp(x):  ẏ = exp(x)·ẋ,  and for the forward Laplacian  Σ_d ÿ_d = exp(x)·Σ_d ẋ_d²
//   return record("exp", {x}, y, {y}, backward_rule,
//                 tangent_rule([](const ForwardContext& c) { return c.tangent(0) * c.output(); },
//                              [](const ForwardContext& c) {
//                                return c.output() * sum_of_squares(c.tangent(0)); }));
//
// A tangent carries K directions at once on a leading axis: a tensor of shape S has
// tangents of shape [K, *S] (Note [Many tangents] in forward_mode.cpp), stored compactly
// when they are the same along an axis of S (size 1 there, as the forward Laplacian's
// unit tangents are for every sample): tangent(i) gives them in full, broadcast_tangent(i)
// as stored, for rules that broadcast anyway. A rule is
// written with Tensor ops, so it records on the tape like any op: a JVP can sit inside a
// loss that is backpropagated, and a backward rule can carry tangents (forward over
// reverse).
//
// The second callable is the op's curvature, used only by the forward Laplacian
// (forward.hpp): Σ_k D²f(x)[ẋ_k, ẋ_k] over the K tangents, in the output's shape. The
// one-callable form says the curvature is zero: the op is linear (or piecewise linear,
// as relu and max are, whose second derivative is zero almost everywhere).
#pragma once
#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

/// One forward-mode sweep: a jvp call or a forward Laplacian. Tangents of a sweep that
/// has ended are ignored (Note [Tangent slots]).
struct ForwardLevel {
  uint64_t id = 0;         ///< increases with creation: nested sweeps have larger ids
  bool laplacian = false;  ///< slots also carry a Laplacian
  std::atomic<bool> alive = true;
};

/// What a forward rule sees.
class ForwardContext {
 public:
  ForwardContext(std::span<const Tensor> inputs, const Tensor& output,
                 std::span<const Tensor> tangents, int64_t count)
      : inputs_(inputs), output_(output), tangents_(tangents), count_(count) {}
  const Tensor& input(int i) const { return inputs_[static_cast<size_t>(i)]; }
  const Tensor& output() const { return output_; }
  /// Whether input i carries a tangent in this sweep (rules skip the terms of the others).
  bool has_tangent(int i) const { return tangents_[static_cast<size_t>(i)].defined(); }
  /// Input i's tangents in full, [K, *input(i).shape]; undefined if it carries none.
  Tensor tangent(int i) const;
  /// Input i's tangents as stored (size 1 on axes along which they do not change), with
  /// unit axes after the K axis so that the rank is 1 + output().dim(): ready to broadcast
  /// against the output (elementwise ops, linear maps of the last axis).
  Tensor broadcast_tangent(int i) const;
  /// K, the number of tangents carried.
  int64_t count() const { return count_; }

 private:
  std::span<const Tensor> inputs_;
  const Tensor& output_;
  std::span<const Tensor> tangents_;
  int64_t count_;
};

/// Σ_k t_k ⊙ t_k over the leading tangent axis: the building block of curvature rules.
Tensor sum_of_squares(const Tensor& tangents);
/// Σ_k a_k ⊙ b_k over the leading tangent axis.
Tensor sum_of_products(const Tensor& a, const Tensor& b);

/// [k, *s]: the shape of k tangents of a tensor of shape s.
Shape tangent_shape(int64_t k, const Shape& s);

/// a + b where either may be undefined (an input without a tangent): how a rule adds the
/// terms of its inputs.
Tensor add_tangents(const Tensor& a, const Tensor& b);

/// A forward rule with zero curvature (linear or piecewise-linear ops).
template <class Tangent>
struct LinearTangentRule {
  Tangent tangent;
};
/// A forward rule with its curvature for the forward Laplacian.
template <class Tangent, class Curvature>
struct SmoothTangentRule {
  Tangent tangent;
  Curvature curvature;
};
template <class Tangent>
LinearTangentRule<Tangent> tangent_rule(Tangent t) {
  return {std::move(t)};
}
template <class Tangent, class Curvature>
SmoothTangentRule<Tangent, Curvature> tangent_rule(Tangent t, Curvature c) {
  return {std::move(t), std::move(c)};
}
/// A forward rule whose curvature is not known: JVPs work, the forward Laplacian refuses
/// the op (custom Functions that define `jvp` but not `curvature`).
template <class Tangent>
struct TangentOnlyRule {
  Tangent tangent;
};
/// Recorded by ops that have no forward rule yet: a tangent reaching them is an error
/// naming the op.
struct NoTangentRule {};

namespace detail {

/// A type-erased view of a forward rule, so that the propagation lives in one .cpp.
struct ForwardRuleRef {
  enum class Curvature { Zero, Rule, Unknown };
  const void* rule = nullptr;  ///< null: the op has no forward rule
  Tensor (*tangent)(const void*, const ForwardContext&) = nullptr;
  Tensor (*curvature)(const void*, const ForwardContext&) = nullptr;
  Curvature kind = Curvature::Unknown;
};

inline ForwardRuleRef forward_rule_ref(const NoTangentRule&) { return {}; }
template <class T>
ForwardRuleRef forward_rule_ref(const LinearTangentRule<T>& r) {
  return {&r,
          [](const void* p, const ForwardContext& c) {
            return Tensor(static_cast<const LinearTangentRule<T>*>(p)->tangent(c));
          },
          nullptr, ForwardRuleRef::Curvature::Zero};
}
template <class T>
ForwardRuleRef forward_rule_ref(const TangentOnlyRule<T>& r) {
  return {&r,
          [](const void* p, const ForwardContext& c) {
            return Tensor(static_cast<const TangentOnlyRule<T>*>(p)->tangent(c));
          },
          nullptr, ForwardRuleRef::Curvature::Unknown};
}
template <class T, class C>
ForwardRuleRef forward_rule_ref(const SmoothTangentRule<T, C>& r) {
  using R = SmoothTangentRule<T, C>;
  return {&r,
          [](const void* p, const ForwardContext& c) {
            return Tensor(static_cast<const R*>(p)->tangent(c));
          },
          [](const void* p, const ForwardContext& c) {
            return Tensor(static_cast<const R*>(p)->curvature(c));
          },
          ForwardRuleRef::Curvature::Rule};
}

/// True if tangents of shape `t` are `want` = [K, *shape] stored compactly: the same rank,
/// the same K, and every other axis either shape's or 1 (Note [Many tangents]).
bool is_compact(const Shape& t, const Shape& want);

/// True if any input carries a tangent: the one check every op pays for forward mode.
inline bool any_tangent(std::span<const Tensor> inputs) {
  for (const auto& t : inputs)
    if (t.defined() && !t.impl()->tangents.empty()) return true;
  return false;
}

/// Computes the outputs' tangents from the inputs' in every live sweep the inputs are
/// part of (Note [Tangent slots]). Re-wraps an output that is one of the inputs first.
void propagate_tangents(std::string_view op, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs, const ForwardRuleRef& rule);

}  // namespace detail
}  // namespace tg

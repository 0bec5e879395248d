// Function: the extension point for custom ops (and the estimators built from them).
//
//   // y = x³;  ∂y/∂x = 3x²
//   struct Cube : tg::Function<Cube> {
//     static tg::Tensor forward(tg::FunctionContext& ctx, const tg::TensorList& in) {
//       ctx.save_for_backward({in[0]});
//       tg::Tensor y = tg::empty(in[0].shape(), in[0].dtype());
//       ... fill y from in[0].data<float>() ...
//       return y;
//     }
//     static tg::TensorList backward(tg::BackwardContext& ctx) {
//       tg::Tensor x = ctx.saved(0);
//       return {ctx.grad() * 3.0 * x * x};   // Tensor ops: differentiable again
//     }
//   };
//   tg::Tensor y = Cube::apply({x});
//
// forward runs with grad mode off and may work on raw values; backward is written with
// Tensor ops, so the op supports create_graph unless `once_differentiable` is set, in
// which case using it under create_graph throws GraphError. Forward mode (forward.hpp)
// needs `static Tensor jvp(const ForwardContext&)` (and, for the forward Laplacian,
// `static Tensor curvature(const ForwardContext&)`; forward_rule.hpp); without them a
// tangent reaching the op is a GraphError naming it. A Function is recorded by
// the same path as every built-in op (record.hpp), and its backward sees the same
// BackwardContext. See docs/custom-op.md.
#pragma once
#include "tapegrad/autograd/record.hpp"

namespace tg {

/// What a custom Function's forward sees.
class FunctionContext {
 public:
  explicit FunctionContext(std::span<const Tensor> inputs) : inputs_(inputs) {}
  /// Tensors (inputs or the output) that backward will read, as ctx.saved(i).
  void save_for_backward(TensorList tensors) { saved_ = std::move(tensors); }
  /// Whether input i requires grad (in backward, BackwardContext::needs_grad asks
  /// whether the running pass wants it).
  bool needs_grad(size_t i) const { return inputs_[i].requires_grad(); }
  /// Non-tensor values for backward, read there as ctx.attr(key).
  Attributes attrs;

 private:
  template <class Derived>
  friend struct Function;
  std::span<const Tensor> inputs_;
  TensorList saved_;
};

namespace detail {
/// The rule a custom Function records: its static backward, and the attributes forward set.
template <class F>
struct FunctionRule {
  static constexpr bool once_differentiable = F::once_differentiable;
  Attributes attributes;
  TensorList operator()(BackwardContext& ctx) const { return F::backward(ctx); }
};
}  // namespace detail

/// CRTP base: derive, define static forward/backward, call Derived::apply(inputs).
template <class Derived>
struct Function {
  static constexpr bool once_differentiable = false;
  static std::string_view name() { return "custom_function"; }

  static Tensor apply(const TensorList& inputs) {
    FunctionContext ctx(inputs);
    Tensor out;
    {
      NoGradGuard forward_is_values_only;
      out = Derived::forward(ctx, inputs);
    }
    detail::record_into(Derived::name(), inputs, std::span<Tensor>(&out, 1), ctx.saved_,
                        detail::FunctionRule<Derived>{std::move(ctx.attrs)}, forward_rule());
    return out;
  }

 private:
  static auto forward_rule() {
    if constexpr (requires(const ForwardContext& c) {
                    Derived::jvp(c);
                    Derived::curvature(c);
                  })
      return tangent_rule(&Derived::jvp, &Derived::curvature);
    else if constexpr (requires(const ForwardContext& c) { Derived::jvp(c); })
      return TangentOnlyRule<decltype(&Derived::jvp)>{&Derived::jvp};
    else
      return NoTangentRule{};
  }
};

}  // namespace tg

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
//     static tg::TensorList backward(tg::FunctionContext& ctx, const tg::Tensor& g) {
//       tg::Tensor x = ctx.saved()[0];
//       return {g * 3.0 * x * x};   // Tensor ops: differentiable again
//     }
//   };
//   tg::Tensor y = Cube::apply({x});
//
// forward runs with grad mode off and may work on raw values; backward is written with
// Tensor ops, so the op supports create_graph unless `once_differentiable` is set, in
// which case using it under create_graph throws GraphError. See docs/custom-op.md.
#pragma once
#include <any>
#include <map>
#include <string>

#include "tapegrad/autograd/record.hpp"

namespace tg {

class FunctionContext {
 public:
  /// Tensors (inputs or the output) that backward will read.
  void save_for_backward(TensorList tensors) { to_save_ = std::move(tensors); }
  /// The saved tensors, unpacked (valid inside backward).
  const TensorList& saved() const { return unpacked_; }
  /// Whether input i needs a gradient: in forward, whether it requires grad; in
  /// backward, whether the running pass wants it (Note [Needed inputs]).
  bool needs_input_grad(size_t i) const { return needs_[i]; }
  /// Non-tensor values forward wants backward to see.
  std::map<std::string, double> attrs;

 private:
  template <class F>
  friend class FunctionNode;
  template <class F>
  friend struct Function;
  TensorList to_save_;
  std::vector<SavedTensor> saved_;
  TensorList unpacked_;
  std::vector<bool> needs_;
};

template <class F>
class FunctionNode final : public Node {
 public:
  std::string_view name() const override { return F::name(); }
  bool once_differentiable() const override { return F::once_differentiable; }
  // Works on a copy of the context (cheap handles), so several passes may run this
  // node at once with retain_graph (Note [Grad mode is thread-local]), and so the
  // unpacked tensors, which hold this node, die with the call (Note [Saved outputs]).
  TensorList apply(TensorList&& grads) override {
    FunctionContext ctx = ctx_;
    for (const auto& s : ctx.saved_) ctx.unpacked_.push_back(s.unpack(name(), sequence_nr()));
    for (size_t i = 0; i < ctx.needs_.size(); ++i)
      ctx.needs_[i] = detail::edge_needed(next_edges()[i]);
    Tensor g = grads[0];
    if (!g.defined()) g = zeros_for_output();
    return F::backward(ctx, g);
  }
  void release_saved() override {
    for (auto& s : ctx_.saved_) s.release();
  }
  std::size_t saved_bytes() const override {
    std::size_t n = 0;
    for (const auto& s : ctx_.saved_) n += s.nbytes();
    return n;
  }
  FunctionContext& ctx() { return ctx_; }

 private:
  Tensor zeros_for_output() const;
  FunctionContext ctx_;
};

/// CRTP base: derive, define static forward/backward, call Derived::apply(inputs).
template <class Derived>
struct Function {
  static constexpr bool once_differentiable = false;
  static std::string_view name() { return "custom_function"; }

  static Tensor apply(const TensorList& inputs) {
    FunctionContext ctx;
    for (const auto& in : inputs) ctx.needs_.push_back(in.requires_grad());
    Tensor out;
    {
      NoGradGuard forward_is_values_only;
      out = Derived::forward(ctx, inputs);
    }
    bool any = false;
    for (const auto& in : inputs) any = any || in.requires_grad();
    if (!GradMode::is_enabled() || !any) {
      detail::check_anomaly(Derived::name(), detail::kNotRecorded, out);
      return out;
    }
    auto node = detail::make_shared_small<FunctionNode<Derived>>();
    for (const auto& in : inputs) node->add_input(in);
    const TensorImpl* returned = out.impl();
    detail::attach_output(node, out, 0, inputs);
    node->ctx() = std::move(ctx);
    // Saving the output must go through its new handle (Note [Saved outputs]).
    for (const auto& s : node->ctx().to_save_)
      node->ctx().saved_.emplace_back(s.impl() == returned ? out : s, node);
    node->ctx().to_save_.clear();
    detail::check_anomaly(Derived::name(), node->sequence_nr(), out);
    return out;
  }
};

Tensor zeros_for_meta(const TensorMeta& m);

template <class F>
Tensor FunctionNode<F>::zeros_for_output() const {
  return zeros_for_meta(output_meta()[0]);
}

}  // namespace tg

// record(): how an op puts itself on the tape. This is the whole op-author API.
//
//   // d/dx exp(x) = exp(x)
//   Tensor exp(const Tensor& x) {
//     Tensor y = /* compute values */;
//     return record("exp", {x}, y, {y}, [](BackwardContext& c) {
//       return TensorList{c.grad() * c.saved(0)};
//     });
//   }
//
// The rule is written with Tensor ops, so when the engine runs it with grad mode on
// (create_graph) it records too, and gradients of gradients come for free.
// Broadcasting is undone by the engine (Note [Central unbroadcast] in engine.cpp): a
// rule may return a gradient of the broadcast shape.
#pragma once
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/node.hpp"
#include "tapegrad/autograd/saved_tensor.hpp"
#include "tapegrad/autograd/small_alloc.hpp"

namespace tg {

/// Non-tensor values a custom Function's forward leaves for its backward (function.hpp).
using Attributes = std::map<std::string, double, std::less<>>;

/// What a backward rule sees, for built-in ops and custom Functions alike.
class BackwardContext {
 public:
  BackwardContext(const Node& node, TensorList& grads, std::span<const SavedTensor> saved,
                  const Attributes* attrs = nullptr)
      : node_(node), grads_(grads), saved_(saved), attrs_(attrs) {}
  /// Gradient w.r.t. output i (zeros if nothing flowed into it).
  Tensor grad(int i = 0) const;
  /// Saved value i, in the order given to record() (or to save_for_backward).
  Tensor saved(int i) const;
  /// Whether the running pass wants a gradient for input i (rules may return an
  /// undefined Tensor for the others and skip their work; Note [Needed inputs]).
  bool needs_grad(int i) const;
  /// Attribute `key` set by a custom Function's forward; throws GraphError if absent.
  double attr(std::string_view key) const;

 private:
  const Node& node_;
  TensorList& grads_;
  std::span<const SavedTensor> saved_;
  const Attributes* attrs_;
};

namespace detail {
/// A rule may say it is not differentiable again (custom Functions only), and may carry
/// attributes for BackwardContext::attr.
template <class Rule>
constexpr bool once_differentiable_rule() {
  if constexpr (requires { Rule::once_differentiable; })
    return Rule::once_differentiable;
  else
    return false;
}
template <class Rule>
const Attributes* rule_attributes(const Rule& rule) {
  if constexpr (requires { rule.attributes; })
    return &rule.attributes;
  else
    return nullptr;
}
}  // namespace detail

/// A node whose backward is a rule object (a lambda for built-in ops, FunctionRule for
/// custom Functions). One class per op, no std::function, one allocation per node.
template <class Rule>
class RuleNode final : public Node {
 public:
  RuleNode(std::string_view name, Rule rule) : name_(name), rule_(std::move(rule)) {}
  std::string_view name() const override { return name_; }
  bool once_differentiable() const override { return detail::once_differentiable_rule<Rule>(); }
  TensorList apply(TensorList&& grads) override {
    BackwardContext ctx(*this, grads, saved_, detail::rule_attributes(*rule_));
    TensorList input_grads = (*rule_)(ctx);
    for (const auto& s : saved_) s.rule_finished();  // lets go of values a checkpoint recomputed
    return input_grads;
  }
  void release_saved() override {
    for (auto& s : saved_) s.release();
  }
  std::size_t saved_bytes() const override {
    std::size_t n = 0;
    for (const auto& s : saved_) n += s.nbytes();
    return n;
  }
  std::vector<SavedTensor>& saved() { return saved_; }

 private:
  std::string_view name_;
  std::optional<Rule> rule_;
  std::vector<SavedTensor> saved_;
};

namespace detail {
inline constexpr uint64_t kNotRecorded = ~uint64_t{0};
/// True if the pass running on this thread wants a gradient along `e` (any valid edge
/// outside a pass). Note [Needed inputs] in engine.cpp.
bool edge_needed(const Edge& e);
bool any_requires_grad(std::span<const Tensor> inputs);
void check_anomaly(std::string_view op, uint64_t seq, const Tensor& out);
/// Makes `out` output `output_nr` of `node`. If `out` is one of `inputs` (or already in
/// a graph), it is first re-wrapped in a fresh handle so the input is left untouched.
void attach_output(const std::shared_ptr<Node>& node, Tensor& out, uint32_t output_nr,
                   std::span<const Tensor> inputs = {});
/// A MemoryError from the tape's bookkeeping while recording `op`, again naming the op and
/// its first output's shape. Nothing is recorded: the half-built node dies with the outputs.
[[noreturn]] void throw_recording_failure(std::string_view op, std::span<const Tensor> outputs,
                                          const MemoryError& cause);

/// The one recording path (record, record_multi and Function::apply all end here): pushes
/// the inputs' tangents forward through `forward` (forward_rule.hpp), wires a new node to
/// `inputs` and `outputs` in place and saves `saved` for its rule.
template <class Rule, class Forward = NoTangentRule>
void record_into(std::string_view op, std::span<const Tensor> inputs, std::span<Tensor> outputs,
                 std::span<const Tensor> saved, Rule&& rule, const Forward& forward = {}) {
  const bool tangents = any_tangent(inputs);
  if (!GradMode::is_enabled() || !any_requires_grad(inputs)) {
    if (tangents) propagate_tangents(op, inputs, outputs, forward_rule_ref(forward));
    for (const auto& o : outputs) check_anomaly(op, kNotRecorded, o);
    return;
  }
  std::shared_ptr<RuleNode<std::decay_t<Rule>>> node;
  try {
    node = make_shared_small<RuleNode<std::decay_t<Rule>>>(op, std::forward<Rule>(rule));
    node->reserve(inputs.size(), outputs.size());
    for (const auto& in : inputs) node->add_input(in);
    for (uint32_t i = 0; i < outputs.size(); ++i) attach_output(node, outputs[i], i, inputs);
  } catch (const MemoryError& e) {
    throw_recording_failure(op, outputs, e);
  }
  // After the outputs have their node (the rule reads them through handles linked to it,
  // Note [Tangent slots]) and before saving (a saved output keeps its tangents).
  if (tangents) propagate_tangents(op, inputs, outputs, forward_rule_ref(forward));
  try {
    node->saved().reserve(saved.size());
    for (const auto& s : saved) node->saved().emplace_back(s, node);
  } catch (const MemoryError& e) {
    throw_recording_failure(op, outputs, e);
  }
  for (const auto& o : outputs) check_anomaly(op, node->sequence_nr(), o);
}

template <class T>
std::span<const T> as_span(std::initializer_list<T> list) {
  return {list.begin(), list.size()};
}
}  // namespace detail

/// Records `outputs = op(inputs)` on the tape if grad mode is on and any input requires
/// grad; `saved` lists the tensors the rule reads (inputs or outputs). Returns outputs.
template <class Rule>
TensorList record_multi(std::string_view op, std::initializer_list<Tensor> inputs,
                        TensorList outputs, std::initializer_list<Tensor> saved, Rule rule) {
  detail::record_into(op, detail::as_span(inputs), std::span<Tensor>(outputs),
                      detail::as_span(saved), std::move(rule));
  return outputs;
}

/// Single-output form of record_multi; `saved` may also be a span (a variable count).
/// `forward` is the op's forward-mode rule (forward_rule.hpp).
template <class Rule, class Forward = NoTangentRule>
Tensor record(std::string_view op, std::initializer_list<Tensor> inputs, Tensor output,
              std::span<const Tensor> saved, Rule rule, const Forward& forward = {}) {
  detail::record_into(op, detail::as_span(inputs), std::span<Tensor>(&output, 1), saved,
                      std::move(rule), forward);
  return output;
}
template <class Rule, class Forward = NoTangentRule>
Tensor record(std::string_view op, std::initializer_list<Tensor> inputs, Tensor output,
              std::initializer_list<Tensor> saved, Rule rule, const Forward& forward = {}) {
  return record(op, inputs, std::move(output), detail::as_span(saved), std::move(rule), forward);
}

}  // namespace tg

#include "tapegrad/autograd/record.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"

namespace tg {

Tensor BackwardContext::grad(int i) const {
  Tensor& g = grads_[static_cast<size_t>(i)];
  if (!g.defined()) {
    const TensorMeta& m = node_.output_meta()[static_cast<size_t>(i)];
    g = zeros(m.shape, m.dtype);
  }
  return g;
}

Tensor BackwardContext::saved(int i) const {
  return saved_[static_cast<size_t>(i)].unpack(node_.name(), node_.sequence_nr());
}

bool BackwardContext::needs_grad(int i) const {
  return detail::edge_needed(node_.next_edges()[static_cast<size_t>(i)]);
}

double BackwardContext::attr(std::string_view key) const {
  if (attrs_ != nullptr)
    if (auto it = attrs_->find(key); it != attrs_->end()) return it->second;
  throw GraphError(fmt::format("backward of '{}' (seq {}): no attribute '{}' was set in forward",
                               node_.name(), node_.sequence_nr(), key));
}

namespace detail {

bool any_requires_grad(std::span<const Tensor> inputs) {
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void attach_output(const std::shared_ptr<Node>& node, Tensor& out, uint32_t output_nr,
                   std::span<const Tensor> inputs) {
  TensorImpl* impl = out.impl();
  bool is_input = impl->grad_fn || impl->requires_grad;
  for (const auto& in : inputs) is_input = is_input || in.impl() == impl;
  if (is_input) {
    // An op returned one of its inputs: wrap it in a fresh handle so the input's own
    // metadata is left alone.
    out = out.detach();
    impl = out.impl();
  }
  impl->requires_grad = true;
  impl->grad_fn = node;
  impl->output_nr = output_nr;
  node->add_output(out);
}

void throw_recording_failure(std::string_view op, std::span<const Tensor> outputs,
                             const MemoryError& cause) {
  throw MemoryError(fmt::format("{}: recording its output of shape {} on the tape: {}", op,
                                outputs.empty() ? "(none)" : outputs[0].shape().str(),
                                cause.what()));
}

void check_anomaly(std::string_view op, uint64_t seq, const Tensor& out) {
  if (!AnomalyMode::is_enabled() || !out.defined() || !has_non_finite(out)) return;
  const std::string where =
      seq == kNotRecorded ? std::string("not recorded") : fmt::format("seq {}", seq);
  throw AnomalyError(
      fmt::format("anomaly mode: op '{}' ({}) produced NaN or Inf in its output of shape {} ({})",
                  op, where, out.shape().str(), name(out.dtype())));
}

}  // namespace detail
}  // namespace tg

#include "tapegrad/autograd/saved_tensor.hpp"

#include <fmt/format.h>

#include "checkpoint_frame.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/forward_rule.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/node.hpp"

namespace tg {

SavedTensor::SavedTensor(const Tensor& t, const std::shared_ptr<Node>& owner) {
  if (!t.defined()) return;
  if (auto recomputed = detail::checkpoint_saving(t)) {  // Note [Recomputed saved tensors]
    frame_ = std::move(recomputed->frame);
    slot_ = recomputed->slot;
    requires_grad_ = t.requires_grad();
    output_nr_ = t.output_nr();
    is_output_ = t.grad_fn() == owner;
    if (is_output_)
      owner_ = owner;
    else
      grad_fn_ = t.grad_fn();
    return;
  }
  version_ = t.impl()->storage->version;
  mark_ = detail::SavedMark(t.impl()->storage);
  requires_grad_ = t.requires_grad();
  if (t.grad_fn() == owner) {  // Note [Saved outputs]
    is_output_ = true;
    output_nr_ = t.output_nr();
    owner_ = owner;
    data_ = t.detach();
    // Note [Saved tangents]: a saved output keeps its tangents so that a backward rule
    // run inside a forward sweep (forward over reverse) sees them. They are kept
    // detached: a tangent's graph reads the output, whose node owns this SavedTensor, so
    // keeping the graph would be a reference cycle. unpack() refuses the one use that
    // would need it, a recorded backward (create_graph) inside a live sweep.
    for (const auto& slot : t.impl()->tangents) {
      tangents_were_cut_ = tangents_were_cut_ || slot.tangent.requires_grad() ||
                           (slot.laplacian.defined() && slot.laplacian.requires_grad());
      tangents_.push_back({slot.level, slot.tangent.detach(),
                           slot.laplacian.defined() ? slot.laplacian.detach() : Tensor()});
    }
  } else {
    data_ = t;
  }
}

namespace detail {
void throw_modified_after_save(std::string_view op, uint64_t seq, const Tensor& t,
                               uint32_t saved_version) {
  throw GraphError(fmt::format(
      "{} (seq {}): a tensor of shape {} saved for backward was modified in place after it "
      "was saved (version {} -> {}); clone it before modifying it",
      op, seq, t.shape().str(), saved_version, t.impl()->storage->version));
}
}  // namespace detail

void SavedTensor::release_recomputed() const { detail::checkpoint_rule_done(*frame_, slot_); }

Tensor SavedTensor::unpack(std::string_view op, uint64_t seq) const {
  if (frame_) {
    // A fresh handle on the recomputed values, linked as the value saved in forward was.
    Tensor out = detail::checkpoint_value(*frame_, slot_, op, seq).detach();
    out.impl()->requires_grad = requires_grad_;
    out.impl()->grad_fn = is_output_ ? owner_.lock() : grad_fn_;
    out.impl()->output_nr = output_nr_;
    return out;
  }
  if (!data_.defined())
    throw GraphError(fmt::format(
        "{} (seq {}): trying to run backward through the graph a second time, but its saved "
        "values were freed after the first pass; pass retain_graph=true to the first "
        "backward/grad call",
        op, seq));
  if (data_.impl()->storage->version != version_)
    detail::throw_modified_after_save(op, seq, data_, version_);
  if (!is_output_) return data_;
  // Re-attach the output to its node, which is alive while its backward runs.
  Tensor out = data_.detach();
  out.impl()->requires_grad = requires_grad_;
  out.impl()->grad_fn = owner_.lock();
  out.impl()->output_nr = output_nr_;
  if (!tangents_.empty()) {
    if (tangents_were_cut_ && GradMode::is_enabled())
      for (const auto& slot : tangents_)
        if (slot.level->alive.load(std::memory_order_relaxed))
          throw GraphError(fmt::format(
              "{} (seq {}): a recorded backward (create_graph) inside a forward-mode sweep needs "
              "the tangent of a saved output as a graph, which tapegrad keeps only as values; "
              "compute the Hessian-vector product reverse over reverse instead",
              op, seq));
    out.impl()->tangents = tangents_;
  }
  return out;
}

}  // namespace tg

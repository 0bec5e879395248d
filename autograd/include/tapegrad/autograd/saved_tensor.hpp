// SavedTensor: a value a node keeps for its backward rule.
//
// Note [Saved outputs]: a node that saves its own output (exp saves exp(x)) must not
// hold a strong reference to itself through it, or node and tensor would keep each
// other alive forever. An output is therefore saved without its grad_fn, plus a weak
// pointer to the node; unpacking it during backward (when the node is certainly alive)
// re-attaches the node, so a rule written with the output stays differentiable.
//
// Inside tg::checkpoint (gradient_checkpoint.hpp) a SavedTensor keeps no values: it names a
// slot of the checkpoint's frame, which recomputes them in backward, and keeps only the
// links (node, output number) the unpacked tensor must carry (Note [Recomputed saved
// tensors] in autograd/src/gradient_checkpoint.cpp).
#pragma once
#include <memory>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

namespace detail {
class CheckpointFrame;  // autograd/src/checkpoint_frame.hpp

/// Counts one holder in a storage's `saved_for_backward` while it lives (Note [Version
/// counter] in storage.hpp); copies count again.
class SavedMark {
 public:
  SavedMark() = default;
  explicit SavedMark(std::shared_ptr<Storage> storage) : storage_(std::move(storage)) {
    if (storage_) ++storage_->saved_for_backward;
  }
  SavedMark(const SavedMark& other) : SavedMark(other.storage_) {}
  SavedMark(SavedMark&& other) noexcept = default;
  SavedMark& operator=(SavedMark other) noexcept {
    std::swap(storage_, other.storage_);
    return *this;
  }
  ~SavedMark() {
    if (storage_) --storage_->saved_for_backward;
  }

 private:
  std::shared_ptr<Storage> storage_;
};
}  // namespace detail

class SavedTensor {
 public:
  SavedTensor() = default;
  /// Saves `t`; `owner` is the node being recorded (needed when `t` is its output).
  SavedTensor(const Tensor& t, const std::shared_ptr<Node>& owner);

  /// The saved value, linked to the graph as it was. Throws GraphError if the values
  /// were released or modified in place since (Note [Version counter]).
  Tensor unpack(std::string_view op, uint64_t seq) const;
  void release() {
    data_ = Tensor();
    mark_ = detail::SavedMark();
    frame_.reset();
    grad_fn_.reset();
  }
  /// Bytes of values held: 0 for a value a checkpoint recomputes.
  std::size_t nbytes() const { return data_.defined() ? data_.nbytes() : 0; }
  /// Called once the rule that unpacked this value has run: a recomputed value is then
  /// dropped from its checkpoint frame for the running pass.
  void rule_finished() const {
    if (frame_) release_recomputed();
  }

 private:
  Tensor data_;                        // inputs: the tensor itself; outputs: detached alias
  std::vector<TangentSlot> tangents_;  // outputs only: their forward-mode tangents, detached
  bool tangents_were_cut_ = false;     // one of them had a graph (Note [Saved tangents])
  std::weak_ptr<Node> owner_;          // outputs only
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  uint32_t version_ = 0;
  detail::SavedMark mark_;
  // Recomputed values only (Note [Recomputed saved tensors]): the frame and slot that give
  // the values back, and for a saved input, the node that produced it.
  std::shared_ptr<detail::CheckpointFrame> frame_;
  uint32_t slot_ = 0;
  std::shared_ptr<Node> grad_fn_;

  void release_recomputed() const;
};

}  // namespace tg

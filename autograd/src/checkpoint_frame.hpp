// The hooks through which gradient checkpointing (gradient_checkpoint.cpp) changes what the
// rest of the tape does: which values SavedTensor keeps, when the engine lets recomputed
// values go, and which random draws a checkpointed forward may make. Internal to
// autograd/src; Note [Recomputed saved tensors] in gradient_checkpoint.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {
class Generator;

namespace detail {

class CheckpointFrame;

/// Where a value that is not kept will come from: slot `slot` of `frame`.
struct RecomputedSlot {
  std::shared_ptr<CheckpointFrame> frame;
  uint32_t slot = 0;
};

// ---- gradient_checkpoint.cpp ----------------------------------------------------------
/// Called by SavedTensor's constructor for every value a node saves. While a checkpointed
/// forward records on this thread, returns the slot that will give `t` back in backward,
/// or nothing if `t` is kept as it is (a leaf that requires grad, or a tensor carrying a
/// live tangent). While a recomputation runs, hands it `t` and returns nothing.
std::optional<RecomputedSlot> checkpoint_saving(const Tensor& t);
/// The value of `slot`, detached, recomputing the frame's fn first if the running pass has
/// not yet; `op` and `seq` name the node asking, for errors.
Tensor checkpoint_value(CheckpointFrame& frame, uint32_t slot, std::string_view op, uint64_t seq);
/// The rule of the node holding `slot` has run: the running pass needs its value no more.
void checkpoint_rule_done(CheckpointFrame& frame, uint32_t slot);
/// Backward pass `pass` has ended: drops every value it recomputed.
void checkpoint_pass_ended(CheckpointFrame& frame, uint64_t pass);
/// Called by Generator::advance: a checkpointed forward counts draws from generators it
/// was not given.
void checkpoint_note_draw(const Generator& gen, uint64_t n);

// ---- engine.cpp -----------------------------------------------------------------------
/// The id of the backward pass running on this thread, 0 outside any.
uint64_t current_pass_id();
/// Makes the running pass (if any) call checkpoint_pass_ended on `frame` when it ends.
void end_with_current_pass(std::weak_ptr<CheckpointFrame> frame);

// ---- forward_mode.cpp -----------------------------------------------------------------
/// True while a tangent (or curvature) rule runs on this thread.
bool in_tangent_rule();

// ---- saved_tensor.cpp -----------------------------------------------------------------
/// The GraphError for a saved value whose storage was written after it was saved.
[[noreturn]] void throw_modified_after_save(std::string_view op, uint64_t seq, const Tensor& t,
                                            uint32_t saved_version);

}  // namespace detail
}  // namespace tg

// Leaf hooks: a function that runs each time backward() has finished adding a gradient into
// a leaf's `.grad()`, as PyTorch's register_post_accumulate_grad_hook. Data-parallel
// training uses it to start a gradient's all-reduce while backward is still running.
//
//   tg::LeafHook h = tg::on_gradient_accumulated(w, [](const tg::Tensor& w) { ... w.grad() ... });
//
// A hook runs once per backward() that reaches the leaf, after every path's gradient has
// been summed in (the engine runs a leaf's accumulator once, with the sum), on the thread
// running the pass. grad() never accumulates, so it never runs hooks: neither does the inner
// grad(create_graph = true) of a gradient penalty. An exception a hook throws leaves
// backward(). Registering and removing hooks is not synchronised with passes running on
// other threads.
#pragma once
#include <cstdint>
#include <functional>

#include "tapegrad/autograd/tensor.hpp"

namespace tg {

using LeafHookFn = std::function<void(const Tensor& leaf)>;

/// Owns one registration: the hook runs until the handle is destroyed or `remove()`d.
class LeafHook {
 public:
  LeafHook() = default;
  LeafHook(LeafHook&& other) noexcept : id_(other.id_) { other.id_ = 0; }
  LeafHook& operator=(LeafHook&& other) noexcept;
  LeafHook(const LeafHook&) = delete;
  LeafHook& operator=(const LeafHook&) = delete;
  ~LeafHook() { remove(); }
  void remove();
  bool active() const { return id_ != 0; }

 private:
  friend LeafHook on_gradient_accumulated(const Tensor& leaf, LeafHookFn fn);
  explicit LeafHook(uint64_t id) : id_(id) {}
  uint64_t id_ = 0;
};

/// Runs `fn(leaf)` after each accumulation into `leaf.grad()`. GraphError if `leaf` is not a
/// leaf that requires grad.
[[nodiscard]] LeafHook on_gradient_accumulated(const Tensor& leaf, LeafHookFn fn);

namespace detail {
/// Called by the leaf's accumulator after the sum is stored.
void run_leaf_hooks(const std::shared_ptr<TensorImpl>& leaf);
}  // namespace detail

}  // namespace tg

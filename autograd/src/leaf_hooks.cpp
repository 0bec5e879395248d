#include "tapegrad/autograd/leaf_hooks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "tapegrad/autograd/error.hpp"

namespace tg {
namespace {

// Note [Leaf hook table]: hooks live in a side table keyed by the leaf's TensorImpl, not in
// the TensorImpl itself, so a tensor pays nothing for a feature few use; a backward with no
// hook registered anywhere pays one relaxed atomic load per leaf. Each entry keeps a weak
// pointer to its leaf: an entry whose leaf has died (and whose address a new tensor may now
// have) never runs.
struct Entry {
  uint64_t id;
  std::weak_ptr<TensorImpl> leaf;
  LeafHookFn fn;
};

struct Table {
  std::mutex mutex;
  std::unordered_multimap<const TensorImpl*, Entry> by_leaf;
  std::atomic<size_t> size{0};
  uint64_t next_id = 1;
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

LeafHook& LeafHook::operator=(LeafHook&& other) noexcept {
  if (this != &other) {
    remove();
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void LeafHook::remove() {
  if (id_ == 0) return;
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (auto it = t.by_leaf.begin(); it != t.by_leaf.end(); ++it)
    if (it->second.id == id_) {
      t.by_leaf.erase(it);
      t.size.store(t.by_leaf.size(), std::memory_order_relaxed);
      break;
    }
  id_ = 0;
}

LeafHook on_gradient_accumulated(const Tensor& leaf, LeafHookFn fn) {
  if (!leaf.defined() || !leaf.is_leaf() || !leaf.requires_grad())
    throw GraphError(fmt::format(
        "on_gradient_accumulated: expected a leaf that requires grad, got {}",
        !leaf.defined() ? "an undefined tensor"
                        : fmt::format("{} of shape {}",
                                      leaf.is_leaf() ? "a leaf that does not require grad,"
                                                     : "a non-leaf tensor",
                                      leaf.shape().str())));
  if (!fn) throw ValueError("on_gradient_accumulated: the hook is empty");
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  const uint64_t id = t.next_id++;
  t.by_leaf.emplace(leaf.impl(), Entry{id, leaf.impl_ptr(), std::move(fn)});
  t.size.store(t.by_leaf.size(), std::memory_order_relaxed);
  return LeafHook(id);
}

namespace detail {
void run_leaf_hooks(const std::shared_ptr<TensorImpl>& leaf) {
  Table& t = table();
  if (t.size.load(std::memory_order_relaxed) == 0) return;
  // Copied out of the table, so a hook may register or remove hooks.
  std::vector<std::pair<uint64_t, LeafHookFn>> to_run;
  {
    std::lock_guard<std::mutex> lock(t.mutex);
    auto [lo, hi] = t.by_leaf.equal_range(leaf.get());
    for (auto it = lo; it != hi; ++it)
      if (it->second.leaf.lock() == leaf) to_run.emplace_back(it->second.id, it->second.fn);
  }
  // In registration order (ids grow), which the multimap does not keep.
  std::sort(to_run.begin(), to_run.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const Tensor handle(leaf);
  for (const auto& [id, fn] : to_run) fn(handle);
}
}  // namespace detail

}  // namespace tg

// Small-object allocation for the tape's bookkeeping (tensor handles, nodes, storage
// headers). Every op allocates a few of these, so they go through TBB's thread-caching
// scalable allocator rather than the general-purpose heap (DESIGN.md, "Per-op overhead
// budget"). TBB itself stays out of this header.
#pragma once
#include <cstddef>
#include <memory>
#include <utility>

namespace tg::detail {

void* small_alloc(std::size_t bytes);
void small_free(void* p) noexcept;

template <class T>
struct SmallAllocator {
  using value_type = T;
  SmallAllocator() = default;
  template <class U>
  SmallAllocator(const SmallAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit
  T* allocate(std::size_t n) { return static_cast<T*>(small_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { small_free(p); }
  template <class U>
  bool operator==(const SmallAllocator<U>&) const noexcept {
    return true;
  }
};

/// std::make_shared through the small-object allocator (one allocation: object and
/// control block together).
template <class T, class... Args>
std::shared_ptr<T> make_shared_small(Args&&... args) {
  return std::allocate_shared<T>(SmallAllocator<T>{}, std::forward<Args>(args)...);
}

}  // namespace tg::detail

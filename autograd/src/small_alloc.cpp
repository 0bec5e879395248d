#include "tapegrad/autograd/small_alloc.hpp"

#include <tbb/scalable_allocator.h>

#include <cstddef>
#include <new>

namespace tg::detail {

// The aligned entry points, like Storage's: the sanitizer builds replace exactly these two
// with the C allocator (tests/reliability/sanitizer_allocator.cpp), so ASan and TSan see
// every block.
void* small_alloc(std::size_t bytes) {
  void* p = scalable_aligned_malloc(bytes, alignof(std::max_align_t));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void small_free(void* p) noexcept { scalable_aligned_free(p); }

}  // namespace tg::detail

#include "tapegrad/autograd/small_alloc.hpp"

#include <tbb/scalable_allocator.h>

#include "allocation.hpp"

#include <cstddef>

namespace tg::detail {

// Through allocate_aligned (a failure is a MemoryError); the aligned entry points, like Storage's:
// the sanitizer builds replace exactly these two with the C allocator
// (tests/reliability/sanitizer_allocator.cpp), so ASan and TSan see every block.
void* small_alloc(std::size_t bytes) {
  return allocate_aligned(bytes, alignof(std::max_align_t), "tape bookkeeping");
}

void small_free(void* p) noexcept { scalable_aligned_free(p); }

}  // namespace tg::detail

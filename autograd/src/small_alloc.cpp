#include "tapegrad/autograd/small_alloc.hpp"

#include <tbb/scalable_allocator.h>

#include <new>

namespace tg::detail {

void* small_alloc(std::size_t bytes) {
  void* p = scalable_malloc(bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void small_free(void* p) noexcept { scalable_free(p); }

}  // namespace tg::detail

#include "allocation.hpp"

#include <fmt/format.h>
#include <tbb/scalable_allocator.h>
#include <unistd.h>

#include <limits>

#include "tapegrad/autograd/error.hpp"

namespace tg::detail {

namespace {
std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size);
}
}  // namespace

}  // namespace tg::detail

namespace tg {
std::size_t max_allocation_bytes() {
  static const std::size_t limit = detail::physical_memory_bytes();
  return limit;
}
}  // namespace tg

namespace tg::detail {

void* allocate_aligned(std::size_t bytes, std::size_t alignment, std::string_view what) {
  if (bytes > max_allocation_bytes())
    throw MemoryError(fmt::format(
        "{}: cannot allocate {} bytes: more than this machine's physical memory ({} bytes)", what,
        bytes, max_allocation_bytes()));
  void* p = scalable_aligned_malloc(bytes, alignment);
  if (p == nullptr)
    throw MemoryError(
        fmt::format("{}: cannot allocate {} bytes: the allocator is out of memory", what, bytes));
  return p;
}

}  // namespace tg::detail

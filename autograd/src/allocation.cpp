#include "allocation.hpp"

#include <fmt/format.h>
#include <tbb/scalable_allocator.h>
#include <unistd.h>

#include <atomic>
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

std::atomic<int64_t> g_allocations_before_failure{-1};  // Note [Allocation fault injection]

bool injected_failure() {
  if (g_allocations_before_failure.load(std::memory_order_relaxed) < 0) return false;
  return g_allocations_before_failure.fetch_sub(1, std::memory_order_relaxed) == 0;
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
  void* p = injected_failure() ? nullptr : scalable_aligned_malloc(bytes, alignment);
  if (p == nullptr)
    throw MemoryError(
        fmt::format("{}: cannot allocate {} bytes: the allocator is out of memory", what, bytes));
  return p;
}

void fail_allocation_after(int64_t n) {
  g_allocations_before_failure.store(n, std::memory_order_relaxed);
}

}  // namespace tg::detail

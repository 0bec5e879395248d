// Storage allocation goes through TBB's scalable allocator, which keeps freed large
// blocks in a cache instead of returning every 128 KiB+ block to the OS (see
// docs/kernels.md for the measurement).
#include "tapegrad/autograd/storage.hpp"

#include "allocation.hpp"
#include "tapegrad/autograd/small_alloc.hpp"

#include <tbb/scalable_allocator.h>

#include <atomic>

namespace tg {
namespace {
std::atomic<std::int64_t> g_live_bytes{0};
std::atomic<std::int64_t> g_peak_live_bytes{0};

void raise_peak(std::int64_t live) {
  std::int64_t peak = g_peak_live_bytes.load(std::memory_order_relaxed);
  while (live > peak &&
         !g_peak_live_bytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}
constexpr std::size_t kAlignment = 64;
}  // namespace

Storage::Storage(std::size_t n) : nbytes(n) {
  data = detail::allocate_aligned(n == 0 ? kAlignment : n, kAlignment, "tensor storage");
  const auto bytes = static_cast<std::int64_t>(n);
  raise_peak(g_live_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes);
}

Storage::~Storage() {
  scalable_aligned_free(data);
  g_live_bytes.fetch_sub(static_cast<std::int64_t>(nbytes), std::memory_order_relaxed);
}

std::shared_ptr<Storage> Storage::allocate(std::size_t n) {
  return detail::make_shared_small<Storage>(n);
}

std::int64_t live_bytes() { return g_live_bytes.load(std::memory_order_relaxed); }
std::int64_t peak_live_bytes() { return g_peak_live_bytes.load(std::memory_order_relaxed); }
void reset_peak_live_bytes() {
  g_peak_live_bytes.store(g_live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace tg

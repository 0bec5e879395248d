// Thread control: one process-wide tbb::global_control, created on first use from
// TAPEGRAD_NUM_THREADS (or all cores) and replaced by set_num_threads().
#include "tapegrad/autograd/parallel.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace tg {
namespace {

std::mutex g_mutex;
std::unique_ptr<tbb::global_control> g_control;  // guarded by g_mutex
// Written under g_mutex; read without it, since every GEMM asks (0 = not yet set).
std::atomic<int> g_threads{0};

int default_threads() {
  if (const char* env = std::getenv("TAPEGRAD_NUM_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0) return static_cast<int>(v);
  }
  return tbb::info::default_concurrency();
}

void apply_locked(int n) {
  g_control.reset();  // at most one of ours alive: TBB takes the minimum over all
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(n));
  g_threads.store(n, std::memory_order_release);
}

}  // namespace

void set_num_threads(int n) {
  std::lock_guard lock(g_mutex);
  apply_locked(n > 0 ? n : tbb::info::default_concurrency());
}

int get_num_threads() {
  if (const int n = g_threads.load(std::memory_order_acquire); n != 0) return n;
  std::lock_guard lock(g_mutex);
  if (g_threads.load(std::memory_order_relaxed) == 0) apply_locked(default_threads());
  return g_threads.load(std::memory_order_relaxed);
}

}  // namespace tg

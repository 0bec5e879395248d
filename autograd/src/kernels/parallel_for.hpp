// Internal to the kernel .cpp files: xsimd and oneTBB helpers. Never include this from a
// header outside src/kernels/ — it pulls in all of xsimd and TBB.
//
// The kernel sources are compiled once per instruction set (autograd/CMakeLists.txt,
// docs/cpu-dispatch.md), each time with that set's compiler flags and TG_KERNEL_ISA naming
// the namespace the variant lives in (sse4_2, avx2 or avx512); Vec<T> is the xsimd batch
// of that set. Everything defined here lives in that namespace too, so no two variants
// share a symbol.
//
// Note [Deterministic partitioning]
// Every kernel splits its index space into blocks fixed by the shape alone, never by the
// thread count or by work stealing: elementwise blocks start at multiples of kAlign, so
// each element goes through the same vector code whatever the split; reductions write
// one partial result per block into its own slot and combine the slots in index order.
// Hence elementwise results are bit-identical and reductions deterministic for any
// number of threads (tests/autograd/test_kernels.cpp checks both).
//
// Note [Kernels wait only for their own work]
// Every parallel loop of a kernel runs inside tbb::this_task_arena::isolate (fork_join
// below is the only fork). Without it a thread waiting for the loop's last block may
// steal an unrelated task, e.g. another
// iteration of a user's parallel_for over backward passes, and run it with this thread's
// state: grad mode off (a backward without create_graph), the sequence counter of this
// graph, a leaf's accumulation mutex held. The stolen pass would then record no graph, or
// deadlock on that mutex (tests/autograd/test_concurrency.cpp).
#pragma once
// GCC 12 reports the `_mm512_undefined_*()` placeholders inside its own AVX-512 intrinsics
// as uninitialised once xsimd inlines them (GCC bug 105593, fixed in GCC 13). The
// diagnostic is located in the intrinsics header, so it must be silenced before that
// header is first included: include this file before any other header that could pull
// in <immintrin.h>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <xsimd/xsimd.hpp>

#include "tapegrad/autograd/parallel.hpp"

#ifndef TG_KERNEL_ISA
#error "kernel sources are compiled once per instruction set, with TG_KERNEL_ISA set"
#endif

namespace tg::kernels {
// The xsimd architecture of each variant: SSE4.2 (no FMA: xsimd::fma is a multiply and an
// add), AVX2 with FMA3, AVX-512 F/CD/DQ/BW.
namespace sse4_2 {
using Arch = xsimd::sse4_2;
}
namespace avx2 {
using Arch = xsimd::fma3<xsimd::avx2>;
}
namespace avx512 {
using Arch = xsimd::avx512bw;
}
static_assert(TG_KERNEL_ISA::Arch::supported(),
              "a kernel variant compiled without its instruction set's flags");
}  // namespace tg::kernels

namespace tg::kernels::TG_KERNEL_ISA::detail {

template <class T>
using Vec = xsimd::batch<T, Arch>;
template <class T>
inline constexpr int64_t kWidth = static_cast<int64_t>(Vec<T>::size);

/// Block boundaries are multiples of this (a multiple of every vector width).
inline constexpr int64_t kAlign = 256;
/// Grain sizes in elements: below them a kernel runs serially on the calling thread.
/// Measured on the 2-core box (docs/kernels.md): a TBB fork/join costs ~3-10 µs, which a
/// memory-bound op amortises at ~32K elements and a transcendental one at ~4K.
inline constexpr int64_t kGrainCheap = 32768;
inline constexpr int64_t kGrainHeavy = 4096;

/// Applies TAPEGRAD_NUM_THREADS before the first parallel loop.
inline void ensure_threads_configured() {
  static const int configured = tg::get_num_threads();
  (void)configured;
}

/// tbb::parallel_for(args...), the one way kernels fork: with TAPEGRAD_NUM_THREADS applied,
/// and waiting only for its own tasks (Note [Kernels wait only for their own work]).
template <class... Args>
void fork_join(const Args&... args) {
  ensure_threads_configured();
  tbb::this_task_arena::isolate([&] { tbb::parallel_for(args...); });
}

/// Calls body(begin, end) on sub-ranges of [0, n) whose boundaries are multiples of
/// `grain` (rounded up to kAlign); serially when n <= grain.
template <class F>
void parallel_range(int64_t n, int64_t grain, F&& body) {
  if (n <= grain) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
  const int64_t g = (grain + kAlign - 1) / kAlign * kAlign;
  const int64_t blocks = (n + g - 1) / g;
  fork_join(
      tbb::blocked_range<int64_t>(0, blocks, 1),
      [&](const tbb::blocked_range<int64_t>& rb) {
        body(rb.begin() * g, std::min(rb.end() * g, n));
      },
      tbb::static_partitioner());
}

/// Calls body(i) for i in [0, count), in parallel if count * cost_each > grain.
template <class F>
void parallel_items(int64_t count, int64_t cost_each, int64_t grain, F&& body) {
  if (count <= 1 || count * cost_each <= grain) {
    for (int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  const int64_t per_task = std::max<int64_t>(1, grain / std::max<int64_t>(cost_each, 1));
  fork_join(tbb::blocked_range<int64_t>(0, count, per_task),
            [&](const tbb::blocked_range<int64_t>& rb) {
              for (int64_t i = rb.begin(); i < rb.end(); ++i) body(i);
            });
}

/// y[i] = f(x[i]) for i in [begin, end) with a vector functor f; the tail goes through a
/// zero-padded vector too, so every element sees the same arithmetic.
template <class T, class F>
inline void map_vec(const T* x, T* y, int64_t begin, int64_t end, F f) {
  constexpr int64_t W = kWidth<T>;
  int64_t i = begin;
  for (; i + W <= end; i += W) f(Vec<T>::load_unaligned(x + i)).store_unaligned(y + i);
  if (i < end) {
    alignas(64) T buf[W] = {};
    std::memcpy(buf, x + i, static_cast<size_t>(end - i) * sizeof(T));
    f(Vec<T>::load_aligned(buf)).store_aligned(buf);
    std::memcpy(y + i, buf, static_cast<size_t>(end - i) * sizeof(T));
  }
}

/// out[i] = f(a[i*sa], b[i*sb]) for i in [0, n), with sa, sb in {0, 1} (0 broadcasts).
template <class T, class F>
inline void zip_vec(const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n, F f) {
  constexpr int64_t W = kWidth<T>;
  auto load = [](const T* p, int64_t s) { return s == 0 ? Vec<T>(*p) : Vec<T>::load_unaligned(p); };
  int64_t i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + W <= n; i += W)
      f(Vec<T>::load_unaligned(a + i), Vec<T>::load_unaligned(b + i)).store_unaligned(out + i);
  } else {
    for (; i + W <= n; i += W)
      f(load(a + i * sa, sa), load(b + i * sb, sb)).store_unaligned(out + i);
  }
  if (i < n) {
    alignas(64) T ba[W] = {}, bb[W] = {};
    for (int64_t j = i; j < n; ++j) {
      ba[j - i] = a[j * sa];
      bb[j - i] = b[j * sb];
    }
    f(Vec<T>::load_aligned(ba), Vec<T>::load_aligned(bb)).store_aligned(ba);
    std::memcpy(out + i, ba, static_cast<size_t>(n - i) * sizeof(T));
  }
}

}  // namespace tg::kernels::TG_KERNEL_ISA::detail

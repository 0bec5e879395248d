// The storage-allocator choice (docs/kernels.md): a 1M-float temporary allocated, written
// once and freed, under each candidate allocator, against writing a buffer that already
// exists (the arithmetic alone).
#include <benchmark/benchmark.h>
#include <tbb/scalable_allocator.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "tapegrad/autograd.hpp"

namespace {

constexpr size_t kFloats = size_t{1} << 20;
constexpr size_t kBytes = kFloats * sizeof(float);

void touch(void* p) {
  auto* f = static_cast<float*>(p);
  for (size_t i = 0; i < kFloats; ++i) f[i] = float(i);
  benchmark::DoNotOptimize(f);
  benchmark::ClobberMemory();
}

void BM_Temp1M_PreallocatedOnly(benchmark::State& st) {
  std::vector<float> buf(kFloats);
  for (auto _ : st) touch(buf.data());
}
void BM_Temp1M_GlibcAlignedAlloc(benchmark::State& st) {  // what xsimd::aligned_allocator does
  for (auto _ : st) {
    void* p = std::aligned_alloc(64, kBytes);
    touch(p);
    std::free(p);
  }
}
void BM_Temp1M_TbbScalable(benchmark::State& st) {
  for (auto _ : st) {
    void* p = scalable_aligned_malloc(kBytes, 64);
    touch(p);
    scalable_aligned_free(p);
  }
}
// A minimal caching allocator: exact-size free lists, never returned to the OS.
class Cache {
 public:
  void* get(size_t n) {
    auto& l = free_[n];
    if (l.empty()) return std::aligned_alloc(64, n);
    void* p = l.back();
    l.pop_back();
    return p;
  }
  void put(void* p, size_t n) { free_[n].push_back(p); }
  ~Cache() {
    for (auto& [n, l] : free_)
      for (void* p : l) std::free(p);
  }

 private:
  std::map<size_t, std::vector<void*>> free_;
};
void BM_Temp1M_CachingAllocator(benchmark::State& st) {
  Cache cache;
  for (auto _ : st) {
    void* p = cache.get(kBytes);
    touch(p);
    cache.put(p, kBytes);
  }
}
// What tensors get today: tg::Storage (autograd/src/storage.cpp).
void BM_Temp1M_TensorStorage(benchmark::State& st) {
  for (auto _ : st) {
    auto s = tg::Storage::allocate(kBytes);
    touch(s->data);
  }
}
BENCHMARK(BM_Temp1M_PreallocatedOnly);
BENCHMARK(BM_Temp1M_GlibcAlignedAlloc);
BENCHMARK(BM_Temp1M_TbbScalable);
BENCHMARK(BM_Temp1M_CachingAllocator);
BENCHMARK(BM_Temp1M_TensorStorage);

}  // namespace

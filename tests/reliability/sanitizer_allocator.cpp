// Linked into the test and fuzz executables of the sanitizer presets
// (TAPEGRAD_SANITIZER_ALLOCATOR): TBB's scalable allocator, which tapegrad uses for tensor
// storage and GEMM packing buffers, is invisible to the sanitizers. ASan cannot see an
// overrun or a use after free inside its blocks, and TSan reports a block freed by one
// thread and reused by another as a data race. These definitions take precedence over
// libtbbmalloc's at link time and route both calls to the C allocator, which the
// sanitizers intercept.
#include <cstddef>
#include <cstdlib>

extern "C" {

void* scalable_aligned_malloc(std::size_t size, std::size_t alignment) {
  void* p = nullptr;
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}

void scalable_aligned_free(void* p) { std::free(p); }

}  // extern "C"

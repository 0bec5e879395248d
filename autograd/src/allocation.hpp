// Every block tapegrad allocates (tensor storage, GEMM packing buffers, the tape's small
// objects) comes from allocate_aligned, which turns a failure into tg::MemoryError.
//
// Note [Allocation limit]: a single request larger than the machine's physical memory is
// refused before the allocator is called. Such a block could never be backed, and refusing
// it by size is deterministic everywhere: with overcommit the allocator might hand out
// address space that faults later, and under ASan (whose allocator aborts on huge
// requests unless allocator_may_return_null=1) it would kill the process instead of
// throwing.
#pragma once
#include <cstddef>
#include <string_view>

#include "tapegrad/autograd/storage.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::detail {

/// `bytes` (> 0) aligned to `alignment`, from TBB's scalable allocator; throws
/// MemoryError "<what>: cannot allocate <bytes> bytes ..." if the request exceeds
/// tg::max_allocation_bytes() or the allocator returns null. Free with scalable_aligned_free.
void* allocate_aligned(std::size_t bytes, std::size_t alignment, std::string_view what);

/// tg::empty for `op`: a MemoryError names `op`, the shape, the dtype and the bytes.
Tensor empty_for(std::string_view op, const Shape& shape, Dtype dtype);

}  // namespace tg::detail

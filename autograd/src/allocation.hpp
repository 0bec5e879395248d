// Every block tapegrad allocates (tensor storage, GEMM packing buffers, the tape's small
// objects) comes from allocate_aligned, which turns a failure into tg::MemoryError.
//
// Note [Allocation limit]: a single request larger than the machine's physical memory is
// refused before the allocator is called. Such a block could never be backed, and refusing
// it by size is deterministic everywhere: with overcommit the allocator might hand out
// address space that faults later, and under ASan (whose allocator aborts on huge
// requests unless allocator_may_return_null=1) it would kill the process instead of
// throwing.
//
// Note [Allocation fault injection]: a real out-of-memory (the allocator returning null)
// cannot be provoked on demand, so detail::fail_allocation_after(n) makes the n-th call
// of allocate_aligned from now fail as if it had. It is a test hook (the reliability
// tests include this header): each op's failure path, the GEMM's packing buffers and the
// tape's bookkeeping are reached by failing each allocation of an op in turn
// (tests/reliability/test_allocation.cpp). Off by default; when off it costs one relaxed
// atomic load per allocation.
#pragma once
#include <cstddef>
#include <cstdint>
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
/// tg::full for `op`, likewise.
Tensor full_for(std::string_view op, const Shape& shape, double value, Dtype dtype);

/// Test hook (Note [Allocation fault injection]): the `n`-th call of allocate_aligned from
/// now (0 = the next one) fails once as if the allocator had returned null; -1 (the
/// default) turns it off.
void fail_allocation_after(int64_t n);

}  // namespace tg::detail

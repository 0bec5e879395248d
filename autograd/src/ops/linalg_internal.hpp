// Internal linear-algebra ops shared by the autograd sources (not installed).
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg::detail {

/// C = op(A) · op(B) for rank-2 or rank-3 operands, op = swap of the last two axes when
/// trans_* is set. The transpose is never materialised: it goes to the GEMM's packing
/// step. Differentiable, and its backward is written in this same op, so gradients of any
/// order never materialise a transpose either.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);

}  // namespace tg::detail

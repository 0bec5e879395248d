// Linear algebra.
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

/// Matrix product. 1-D x 1-D is a dot product; 2-D x 2-D a matrix product; with 3-D
/// operands the leading (batch) axis broadcasts, and a 2-D operand is shared by every
/// batch.
Tensor matmul(const Tensor& a, const Tensor& b);
/// The affine map of a fully connected layer, y = x·wᵀ + b, with torch's layout:
/// x [..., in], w [out, in], b [out] (or undefined: no bias) -> y [..., out]. One node,
/// and the transpose of w is never materialised.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = {});
/// a[i] * b[j] for vectors a, b.
Tensor outer(const Tensor& a, const Tensor& b);
/// Σ a[i] b[i] for vectors of equal length.
Tensor dot(const Tensor& a, const Tensor& b);

}  // namespace tg

// Conversions: a tensor's values in another dtype or in fresh storage. Both are
// differentiable (the gradient passes straight through) and are also Tensor methods:
// x.to(d), x.clone().
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

/// x's values cast to `dtype` (x itself if it already has it).
Tensor to(const Tensor& x, Dtype dtype);
/// x's values in fresh storage.
Tensor clone(const Tensor& x);

}  // namespace tg

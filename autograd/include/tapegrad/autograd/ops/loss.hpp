// Losses every estimator needs, in stable forms.
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg {

enum class Reduction { Mean, Sum, None };

/// −[t log σ(x) + (1 − t) log(1 − σ(x))] = softplus(x) − t·x: never overflows.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction = Reduction::Mean);
/// (a − b)²
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);

}  // namespace tg

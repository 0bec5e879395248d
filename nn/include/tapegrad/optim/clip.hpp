// Gradient clipping, as torch.nn.utils (1.13). Both act in place on `.grad()`;
// parameters without a gradient are ignored.
#pragma once
#include <limits>
#include <vector>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::optim {

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();

/// Scales every gradient by min(1, max_norm / (total + 1e-6)), where total is the
/// norm_type-norm of all gradients taken together (kInfNorm for the max norm).
/// Returns total.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

/// Clamps every gradient entry to [−clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace tg::optim

// Maximum likelihood: the mean negative log-likelihood of data under an explicit-density
// model,
//
//   nll(p_θ, x) = −(1/B) Σ_b log p_θ(x_b),
//
// minimised over θ. Its minimiser is the MLE; its expected gradient over the data is
// ∇_θ KL(p_data ‖ p_θ). Any Distribution works (gaussian.hpp, mixture.hpp, flow.hpp).
#pragma once
#include "tapegrad/estimators/distribution.hpp"

namespace tg::est {

/// Mean negative log-likelihood of x [B, D] under `model` (a scalar, differentiable in the
/// model's parameters).
Tensor nll(const Distribution& model, const Tensor& x);

}  // namespace tg::est

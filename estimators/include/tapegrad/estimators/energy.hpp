// Energy-based models: an unnormalised density p(x) ∝ exp(−E(x)), given as a callable.
//
// The energy maps a batch [B, D] to one energy per sample ([B], or [B, 1]), and row b of
// its output must depend on row b of the input only: a batch statistic inside it (a mean
// over the batch, BatchNorm in training mode) couples the samples, which breaks the
// per-sample derivatives that score matching and Langevin sampling take.
#pragma once
#include <functional>

#include "tapegrad/autograd/tensor.hpp"

namespace tg::est {

/// E(x): [B, D] -> [B] (or [B, 1]); log p(x) = −E(x) − log Z.
using Energy = std::function<Tensor(const Tensor&)>;

/// s(x) = ∇ₓ log p(x) directly, from a score network: [B, D] -> [B, D].
using Score = std::function<Tensor(const Tensor&)>;

}  // namespace tg::est

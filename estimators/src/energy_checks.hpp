// Input checks shared by the score-matching, sampling and EBM estimators (internal).
#pragma once
#include "tapegrad/estimators/energy.hpp"

namespace tg::est::detail {

/// Throws ShapeError unless x is a batch [B, D] with B > 0.
void check_batch(const char* op, const Tensor& x);

/// E(x) as [B], or ShapeError naming `op` if the energy returned neither [B] nor [B, 1].
Tensor per_sample_energy(const char* op, const Energy& energy, const Tensor& x);

/// s(x), or ShapeError naming `op` unless it has x's shape.
Tensor checked_score(const char* op, const Score& score, const Tensor& x);

/// Throws ValueError naming `op` and `what` unless value > 0 (and finite).
void check_positive(const char* op, const char* what, double value);

}  // namespace tg::est::detail

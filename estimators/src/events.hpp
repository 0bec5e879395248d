// Helpers shared by the Distribution implementations (internal).
#pragma once
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::est::detail {

/// Throws unless x is a batch of events [B, dim] of the model's dtype.
inline void check_events(const char* who, const Tensor& x, int64_t dim, Dtype dtype) {
  if (!x.defined() || x.dim() != 2 || x.size(1) != dim)
    throw ShapeError(fmt::format("{}: expected events of shape [B, {}], got {}", who, dim,
                                 x.defined() ? x.shape().str() : "an undefined tensor"));
  if (x.dtype() != dtype)
    throw DtypeError(fmt::format("{}: events are {} but the model is {}; cast with .to()", who,
                                 name(x.dtype()), name(dtype)));
}

/// Throws unless a sample count is positive.
inline void check_sample_count(const char* who, int64_t n) {
  if (n < 1)
    throw ValueError(fmt::format("{}: the number of samples must be >= 1, got {}", who, n));
}

/// log N(z; 0, I) summed over the last axis: −½‖z‖² − (D/2)·log 2π.
inline Tensor standard_normal_log_prob(const Tensor& z) {
  const auto d = static_cast<double>(z.size(z.dim() - 1));
  return sum(z * z, {-1}) * -0.5 - 0.5 * d * std::log(2 * std::numbers::pi);
}

}  // namespace tg::est::detail

#include "energy_checks.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tapegrad/autograd/error.hpp"

namespace tg::est::detail {

void check_batch(const char* op, const Tensor& x) {
  if (!x.defined() || x.dim() != 2 || x.size(0) == 0)
    throw ShapeError(fmt::format("{}: x must be a batch [B, D] with B > 0, got {}", op,
                                 x.defined() ? x.shape().str() : "an undefined tensor"));
}

Tensor per_sample_energy(const char* op, const Energy& energy, const Tensor& x) {
  Tensor e = energy(x);
  const int64_t b = x.size(0);
  if (e.defined() && (e.shape() == Shape{b} || e.shape() == Shape{b, 1})) return e.reshape({b});
  throw ShapeError(fmt::format(
      "{}: the energy must map [B, D] to [B] (or [B, 1]); for x of shape {} it returned {}", op,
      x.shape().str(), e.defined() ? e.shape().str() : "an undefined tensor"));
}

Tensor checked_score(const char* op, const Score& score, const Tensor& x) {
  Tensor s = score(x);
  if (s.defined() && s.shape() == x.shape()) return s;
  throw ShapeError(fmt::format(
      "{}: the score network must map [B, D] to [B, D]; for x of shape {} it returned {}", op,
      x.shape().str(), s.defined() ? s.shape().str() : "an undefined tensor"));
}

void check_positive(const char* op, const char* what, double value) {
  if (!(value > 0) || !std::isfinite(value))
    throw ValueError(fmt::format("{}: {} must be > 0 and finite, got {}", op, what, value));
}

}  // namespace tg::est::detail

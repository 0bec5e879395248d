// Losses, as compositions of stable differentiable ops.
#include "tapegrad/autograd/ops/loss.hpp"

#include "op_helpers.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg {
namespace {

Tensor reduce(const Tensor& per_element, Reduction r) {
  switch (r) {
    case Reduction::Mean:
      return mean(per_element);
    case Reduction::Sum:
      return sum(per_element);
    case Reduction::None:
      return per_element;
  }
  return per_element;
}

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_float(op, a);
  detail::check_float(op, b);
  if (a.shape() != b.shape())
    throw ShapeError(
        fmt::format("{}: input has shape {} but target has shape {}; they must "
                    "be equal",
                    op, a.shape().str(), b.shape().str()));
  detail::check_same_dtype(op, a, b);
}

}  // namespace

// ℓ(a, t) = −t log σ(a) − (1 − t) log σ(−a) = softplus(a) − t·a (stable: softplus never
// overflows), so ∂ℓ/∂a = σ(a) − t and ∂ℓ/∂t = −a. Composite.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction) {
  check_same_shape("binary_cross_entropy_with_logits", logits, targets);
  return reduce(softplus(logits) - targets * logits, reduction);
}

// ℓ = (x − y)², so ∂ℓ/∂x = 2(x − y) = −∂ℓ/∂y. Composite.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape("mse_loss", input, target);
  Tensor d = input - target;
  return reduce(d * d, reduction);
}

}  // namespace tg

#include "tapegrad/estimators/mle.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::est {

Tensor nll(const Distribution& model, const Tensor& x) {
  if (!x.defined() || x.dim() != 2 || x.size(0) == 0)
    throw ShapeError(fmt::format("nll: expected data of shape [B, {}] with B > 0, got {}",
                                 model.dim(), x.defined() ? x.shape().str() : "undefined"));
  return -mean(model.log_prob(x));
}

}  // namespace tg::est

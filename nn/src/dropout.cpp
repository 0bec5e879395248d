#include "tapegrad/nn/dropout.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"

namespace tg::nn {

Dropout::Dropout(double p, Generator& gen) : p_(p), gen_(&gen) {
  if (!(p >= 0 && p <= 1))
    throw ValueError(fmt::format("Dropout: p must lie in [0, 1], got {}", p));
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  if (p_ == 1) return x * 0.0;
  return x * (bernoulli(x.shape(), 1 - p_, *gen_, x.dtype()) * (1 / (1 - p_)));
}

}  // namespace tg::nn

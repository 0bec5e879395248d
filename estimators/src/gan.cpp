#include "tapegrad/estimators/gan.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::est {

// −V = E_data softplus(−a) + E_g softplus(a), since log σ(a) = −softplus(−a) and
// log σ(−a) = −softplus(a). Both terms are stable for any logit.
Tensor discriminator_loss(const Tensor& logits_real, const Tensor& logits_fake) {
  if (logits_real.dtype() != logits_fake.dtype())
    throw DtypeError(fmt::format("discriminator_loss: logits are {} (real) and {} (fake)",
                                 name(logits_real.dtype()), name(logits_fake.dtype())));
  return mean(softplus(-logits_real)) + mean(softplus(logits_fake));
}

Tensor generator_cost(const Tensor& logits_fake, GeneratorCost cost) {
  switch (cost) {
    case GeneratorCost::Minimax:
      return -mean(softplus(logits_fake));
    case GeneratorCost::NonSaturating:
      return mean(softplus(-logits_fake));
    case GeneratorCost::MaximumLikelihood:
      return -mean(exp(logits_fake));
  }
  throw ValueError("generator_cost: unknown cost");
}

}  // namespace tg::est

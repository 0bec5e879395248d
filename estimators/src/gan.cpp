#include "tapegrad/estimators/gan.hpp"

#include <fmt/format.h>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::est {
namespace {

void check_pair(const char* loss, const Tensor& real, const Tensor& fake) {
  if (real.dtype() != fake.dtype())
    throw DtypeError(fmt::format("{}: scores are {} (real) and {} (fake)", loss, name(real.dtype()),
                                 name(fake.dtype())));
  if (real.shape() != fake.shape())
    throw ShapeError(fmt::format(
        "{}: real scores are {} and fake scores are {}; expected the same shape (one score "
        "per sample, equal batches)",
        loss, real.shape().str(), fake.shape().str()));
}

}  // namespace

// −V = E_data softplus(−a) + E_g softplus(a), since log σ(a) = −softplus(−a) and
// log σ(−a) = −softplus(a). Both terms are stable for any logit.
Tensor discriminator_loss(const Tensor& logits_real, const Tensor& logits_fake) {
  check_pair("discriminator_loss", logits_real, logits_fake);
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

Tensor wasserstein_critic_loss(const Tensor& critic_real, const Tensor& critic_fake) {
  check_pair("wasserstein_critic_loss", critic_real, critic_fake);
  return mean(critic_fake) - mean(critic_real);
}

Tensor wasserstein_generator_loss(const Tensor& critic_fake) { return -mean(critic_fake); }

}  // namespace tg::est

// GAN costs, stated through the value function the seeds share:
//
//   V(D, G) = E_{x~p_data} log σ(a(x)) + E_{x~p_g} log σ(−a(x)),   D(x) = σ(a(x)),
//
// where a(x) is the discriminator's logit. The discriminator maximises V; every
// generator cost below is E_{z} f(a(G(z))) for one f (docs/estimators.md derives each).
#pragma once
#include "tapegrad/autograd/tensor.hpp"

namespace tg::est {

/// −V in stable form: mean softplus(−a(real)) + mean softplus(a(fake)).
Tensor discriminator_loss(const Tensor& logits_real, const Tensor& logits_fake);

enum class GeneratorCost {
  Minimax,            ///< f(a) = −softplus(a) = E log(1 − D): the original game, saturates
  NonSaturating,      ///< f(a) = softplus(−a) = −E log D: the heuristic everyone uses
  MaximumLikelihood,  ///< f(a) = −exp(a): with an optimal D, its expected gradient is
                      ///< the MLE gradient (Goodfellow 2014, "distinguishability")
};

/// E f(a(G(z))) for the chosen cost, to be minimised by the generator.
Tensor generator_cost(const Tensor& logits_fake, GeneratorCost cost);

}  // namespace tg::est

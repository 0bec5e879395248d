// GAN costs, stated through the value function the seeds share:
//
//   V(D, G) = E_{x~p_data} log σ(a(x)) + E_{x~p_g} log σ(−a(x)),   D(x) = σ(a(x)),
//
// where a(x) is the discriminator's logit. The discriminator maximises V; every
// generator cost below is E_{z} f(a(G(z))) for one f (docs/estimators.md derives each).
//
// The Wasserstein GAN (Arjovsky et al. 2017; with the gradient penalty, Gulrajani et al.
// 2017) replaces V by W(a, G) = E_data a(x) − E_g a(x) for a 1-Lipschitz critic a: the
// critic maximises W, and at its optimum W is the Wasserstein-1 distance; the generator
// minimises −E_g a(G(z)), the part of W that depends on it (docs/estimators/gan.md).
//
// Real and fake scores must have the same shape (one per sample, equal batches); anything
// else is a ShapeError naming the loss.
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

/// −W = mean a(fake) − mean a(real), the WGAN critic's loss (to be minimised).
Tensor wasserstein_critic_loss(const Tensor& critic_real, const Tensor& critic_fake);

/// −mean a(fake), the WGAN generator's loss.
Tensor wasserstein_generator_loss(const Tensor& critic_fake);

}  // namespace tg::est

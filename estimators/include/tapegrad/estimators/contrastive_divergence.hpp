// Contrastive divergence: maximum-likelihood training of an energy-based model
// p_θ(x) = exp(−E_θ(x)) / Z(θ) with model samples from a Langevin chain.
//
//   ∇_θ [−log p_θ(x)] averaged over data = E_data ∇_θE_θ(x) − E_{p_θ} ∇_θE_θ(x),
//
// so the surrogate loss mean E_θ(data) − mean E_θ(negatives), with the negatives held
// fixed (no gradient through the sampler), has the maximum-likelihood gradient when the
// negatives follow p_θ. CD-k (Hinton 2002) starts k steps of the chain at the data;
// persistent CD (Tieleman 2008) continues chains kept across training steps (ReplayBuffer).
// With an exact chain (MALA) the data distribution is a fixed point of CD-k for any k.
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/estimators/energy.hpp"
#include "tapegrad/estimators/langevin.hpp"

namespace tg::est {

/// mean E(data) − mean E(negatives), negatives detached. Both [B, D] (batch sizes may
/// differ; the dimension may not).
Tensor contrastive_divergence_loss(const Energy& energy, const Tensor& data,
                                   const Tensor& negatives);

/// CD-k: negatives from `chain.steps` = k Langevin (or MALA) steps started at the data.
Tensor contrastive_divergence(const Energy& energy, const Tensor& data, Generator& gen,
                              const LangevinOptions& chain);

/// Persistent CD: negatives are `data.size(0)` chains of `buffer`, advanced by `chain`.
Tensor persistent_contrastive_divergence(const Energy& energy, const Tensor& data,
                                         ReplayBuffer& buffer, Generator& gen,
                                         const LangevinOptions& chain);

}  // namespace tg::est

// Gradient penalties by double backprop: a term built from ∇ₓa(x̂), computed with
// create_graph so the penalty can itself be differentiated w.r.t. the critic's weights.
//
// Two details decide whether such code is right, and both are the most reported bugs in
// public WGAN-GP code:
//   - the norm is taken per sample, over every non-batch axis;
//   - for interpolates, α is drawn per sample (one α per row, not per element or per batch).
#pragma once
#include <functional>

#include "tapegrad/autograd/random.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::est {

/// The critic/discriminator logit as a function of its input: [B, ...] -> [B] or [B, 1].
using Critic = std::function<Tensor(const Tensor&)>;

/// ‖∇ₓ a(x)‖ per sample (shape [B]), recorded so that it is differentiable in a's weights.
Tensor critic_grad_norm(const Critic& critic, const Tensor& points);

/// mean over samples of (‖∇ₓ a(x̂)‖ − target)² at the given points.
Tensor gradient_penalty(const Critic& critic, const Tensor& points, double target = 1.0);

/// x̂ = α·real + (1 − α)·fake, α ~ U[0, 1] drawn once per sample.
Tensor interpolate(const Tensor& real, const Tensor& fake, Generator& gen);

/// DRAGAN's points near the data: x + α·δ with δ = c·std(x)·u, u ~ U[0, 1] elementwise
/// and α ~ U[0, 1] per sample (std over the whole batch, as in the DRAGAN reference code).
Tensor dragan_points(const Tensor& real, Generator& gen, double c = 0.5);

enum class Penalty {
  None,
  WganGp,  ///< λ E(‖∇a(x̂)‖ − 1)² at interpolates, for a Wasserstein critic (Gulrajani 2017)
  GanGp,    ///< the same term added to the non-saturating GAN's discriminator (Fedus 2018)
  DraganNs  ///< λ E(‖∇a(x̂)‖ − 1)² at points near the data, with the NS GAN (Kodali 2017)
};

/// λ times the chosen penalty's term (an undefined-free zero for Penalty::None).
Tensor penalty_term(Penalty kind, const Critic& critic, const Tensor& real, const Tensor& fake,
                    double lambda, Generator& gen);

}  // namespace tg::est

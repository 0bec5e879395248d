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

/// How DRAGAN perturbs the data (Kodali et al. 2017, "On convergence and stability of GANs").
enum class DraganNoise {
  /// The reference code's form, x + α·c·std(x)·u with u ~ U[0, 1] elementwise, α ~ U[0, 1]
  /// per sample and std over the whole batch. The default: its scale follows the data's
  /// spread, so one c (0.5) serves data of any scale, and it is the authors' published
  /// code (docs/estimators/gan.md).
  ReferenceUniform,
  /// The paper's form, x + δ with δ ~ N(0, c·I): c is the perturbation's variance, in the
  /// data's squared units, so it must be chosen for the data's scale.
  PaperGaussian,
};

/// DRAGAN's points near the data, in the chosen form (c > 0).
Tensor dragan_points(const Tensor& real, Generator& gen, double c = 0.5,
                     DraganNoise form = DraganNoise::ReferenceUniform);

/// Zero-centred penalty E ‖∇ₓ a(x)‖² at the given points (Mescheder et al. 2018, "Which
/// training methods for GANs do actually converge?"): R1 at the data, R2 at the fakes.
/// The γ/2 factor is applied by penalty_term.
Tensor zero_centred_penalty(const Critic& critic, const Tensor& points);

enum class Penalty {
  None,
  WganGp,  ///< λ E(‖∇a(x̂)‖ − 1)² at interpolates, for a Wasserstein critic (Gulrajani 2017)
  GanGp,     ///< the same term added to the non-saturating GAN's discriminator (Fedus 2018)
  DraganNs,  ///< λ E(‖∇a(x̂)‖ − 1)² at points near the data, with the NS GAN (Kodali 2017)
  R1,        ///< γ/2 · E_data ‖∇ₓa(x)‖², λ playing γ (Mescheder 2018)
  R2,        ///< γ/2 · E_g ‖∇ₓa(x)‖² on the fakes, λ playing γ (Mescheder 2018)
};

/// Settings of the penalties that have any (only DRAGAN's, for now).
struct PenaltyOptions {
  DraganNoise dragan_noise = DraganNoise::ReferenceUniform;
  double dragan_c = 0.5;
};

/// λ times the chosen penalty's term (γ/2 times it for R1 and R2; an undefined-free zero
/// for Penalty::None). real and fake must have the same shape.
Tensor penalty_term(Penalty kind, const Critic& critic, const Tensor& real, const Tensor& fake,
                    double lambda, Generator& gen, const PenaltyOptions& options = {});

}  // namespace tg::est

// Noise-contrastive estimation (Gutmann & Hyvärinen, AISTATS 2010 and JMLR 2012).
//
// An unnormalised model log p_m(x) = −E_θ(x) − c, with the log-normaliser c a learned
// scalar, is fitted by telling T_d data points from T_n noise points drawn from a noise
// distribution p_n whose log-density is known, at noise ratio ν = T_n/T_d. With the
// log-odds
//
//   G(x) = log p_m(x) − log(ν · p_n(x)),
//
// the classifier σ(G) says "data"; NCE minimises the logistic loss
//
//   J(θ, c) = −[ E_data log σ(G(x)) + ν · E_noise log σ(−G(y)) ]
//           =    mean_data softplus(−G) + ν · mean_noise softplus(G)      (stable form)
//
// (the means estimate the expectations, so the numbers of samples need not equal ν·T_d).
// Its population minimiser is p_m = p_data with c the true log-normaliser, for any noise
// that is positive wherever the data is. At noise = data and ν = 1 the optimum has G ≡ 0
// and J = 2 log 2.
//
// Dynamic-generator NCE ("On distinguishability criteria for estimating generative
// models", Goodfellow 2014): the noise is a frozen copy of the current model, ν = 1. Then
// G(x) = log p_θ(x) − log p_θ̄(x) with θ̄ = θ held constant, so G ≡ 0 where it is evaluated
// and σ(G) = σ(−G) = ½, and the gradient is
//
//   ∇J = −E_data σ(−G) ∇log p_θ + E_{p_θ} σ(G) ∇log p_θ
//      = ½ [ −E_data ∇log p_θ(x) + E_{p_θ} ∇log p_θ(y) ]
//      = ½ ∇ E_data[−log p_θ(x)],
//
// since E_{p_θ} ∇_θ log p_θ = ∇_θ ∫ p_θ = 0 for a normalised model: half the MLE gradient,
// with the model's own samples supplying the expectation. (The loss value itself stays
// 2 log 2; only its gradient carries information.)
#pragma once
#include "tapegrad/estimators/distribution.hpp"
#include "tapegrad/estimators/energy.hpp"

namespace tg::est {

/// J(θ, c) on the given data [T_d, D] and noise samples [T_n, D] drawn from `noise`;
/// log p_m = −energy(x) − log_normaliser (a one-element tensor c). `nu` > 0 is the noise
/// ratio in the loss (normally T_n/T_d).
Tensor nce_loss(const Energy& energy, const Tensor& log_normaliser, const Tensor& data,
                const Tensor& noise_samples, const Distribution& noise, double nu);

/// The same with T_n = max(1, round(ν·T_d)) noise samples drawn from `noise` with `gen`.
Tensor nce_loss(const Energy& energy, const Tensor& log_normaliser, const Tensor& data,
                const Distribution& noise, double nu, Generator& gen);

/// Dynamic-generator NCE: T_d samples from `model` (no gradient), noise log-density
/// log p_θ̄ = the model's log_prob detached, ν = 1. Its gradient is ½ the gradient of
/// nll(model, data) in expectation (see above).
Tensor dynamic_nce_loss(const Distribution& model, const Tensor& data, Generator& gen);

}  // namespace tg::est

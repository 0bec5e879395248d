// Adversarial training of an energy-based model with a variational sampler (CS236's EBM
// lecture; Kim & Bengio 2016, Dai et al. 2019). For p_θ = exp(−E_θ)/Z(θ) and any density q,
//
//   log Z(θ) ≥ E_q[−E_θ(y)] + H(q)    (Jensen, equality iff q = p_θ),
//
// so the average log-likelihood is bounded above:
//
//   E_data log p_θ(x) ≤ U(θ, q) = E_data[−E_θ(x)] + E_q[E_θ(y)] − H(q).
//
// A flow q_φ tightens the bound by minimising E_q[E_θ] − H(q_φ) = KL(q_φ ‖ p_θ) − log Z(θ)
// (through log q_φ and its reparameterised samples y = f_φ⁻¹(z)), and the energy maximises
// E_data[−E_θ] + E_q[E_θ], i.e. minimises contrastive_divergence_loss with the flow's samples
// as negatives: a minimax game whose energy step is the maximum-likelihood gradient when q_φ
// = p_θ.
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/estimators/energy.hpp"
#include "tapegrad/estimators/flow.hpp"

namespace tg::est {

struct VariationalEbmLosses {
  Tensor energy_loss;   ///< mean E(data) − mean E(y), y detached: the energy minimises it
  Tensor sampler_loss;  ///< mean E(y) + mean log q(y) = E_q[E] − H(q): the flow minimises it
  Tensor bound;  ///< U = −mean E(data) + sampler_loss, ≥ mean log p_θ(data) in expectation
};

/// The losses on `data` ([B, D]) with B flow samples y = flow.from_base(randn([B, D], gen)).
VariationalEbmLosses variational_ebm_losses(const Energy& energy, const CouplingFlow& flow,
                                            const Tensor& data, Generator& gen);

}  // namespace tg::est

// Flow contrastive estimation (Gao, Nijkamp, Kingma, Xu, Dai & Wu, CVPR 2020): an
// energy-based model p_θ(x) = exp(−E_θ(x) − c), with its log-normaliser c learned, and a
// normalising flow q_α play one value function,
//
//   V(θ, c, α) = E_data log σ(G(x)) + E_{y~q_α} log σ(−G(y)),   G = −E_θ − c − log q_α,
//
// the log-likelihood of the classifier σ(G) that tells data from flow samples. The EBM
// maximises V: with the flow held fixed that is NCE with the flow as noise and ν = 1
// (−V = est-mle's nce_loss, tested). The flow minimises V, through log q_α and its
// reparameterised samples y = f_α⁻¹(z), z ~ N(0, I). At the equilibrium p_θ = q_α = p_data,
// G ≡ 0 and −V = log 4. The players alternate by the classifier's accuracy on the batch:
// the reference updates the flow while the EBM tells them apart too well (accuracy above
// 0.6) and the EBM otherwise.
#pragma once
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/estimators/energy.hpp"
#include "tapegrad/estimators/flow.hpp"

namespace tg::est {

struct FlowContrastiveValue {
  Tensor value;     ///< V, a scalar differentiable in θ, c and the flow's parameters
  double accuracy;  ///< fraction of data with G > 0 and of flow samples with G < 0
};

/// V on `data` ([B, D]) and B flow samples, drawn as z = randn([B, D], gen) then
/// y = flow.from_base(z). The EBM's step minimises −value, the flow's step value.
FlowContrastiveValue flow_contrastive_value(const Energy& energy, const Tensor& log_normaliser,
                                            const CouplingFlow& flow, const Tensor& data,
                                            Generator& gen);

enum class FcePlayer { Energy, Flow };

/// Which player the next step updates: the flow if accuracy > threshold, else the EBM.
FcePlayer fce_player_to_update(double accuracy, double threshold = 0.6);

}  // namespace tg::est

// Score matching: fit an unnormalised model by its score s(x) = ∇ₓ log p(x), which does
// not depend on the normaliser (docs/estimators/score-matching.md derives each form).
//
//   exact    (Hyvärinen 2005)   J = E_data[½‖s(x)‖² + tr ∇ₓ s(x)]
//   sliced   (Song et al. 2019) J = E_data E_v[½(vᵀs)² + vᵀ(∇ₓ s)v],  E[vvᵀ] = I
//            variance-reduced:  J = E_data E_v[½‖s‖² + vᵀ(∇ₓ s)v]
//   denoising (Vincent 2011)    J = E_data E_ε ½‖s(x + σε) + ε/σ‖²,  ε ~ N(0, I)
//
// J equals ½E‖s − ∇log p_data‖² up to a constant (exact, sliced) or ½E‖s − ∇log q_σ‖² for
// the data smoothed by N(0, σ²I) (denoising). Every loss is a scalar mean over the batch,
// recorded so it can be differentiated in the model's parameters (the traces with
// create_graph, differentiated again by the caller's backward).
//
// The model is an energy E (s = −∇ₓE) or a score network s(x) (ScoreModel). Samples must
// be independent in the model (energy.hpp); exact score matching checks it.
#pragma once
#include <cstdint>
#include <vector>

#include "tapegrad/autograd/hessian.hpp"
#include "tapegrad/autograd/ops/loss.hpp"
#include "tapegrad/autograd/random.hpp"
#include "tapegrad/estimators/energy.hpp"

namespace tg::est {

/// The model whose score is matched: an energy (s = −∇ₓE, found by differentiation) or a
/// score network (s given).
struct ScoreModel {
  enum class Kind { Energy, Score };
  Kind kind;
  std::function<Tensor(const Tensor&)> fn;

  static ScoreModel energy(Energy e) { return {Kind::Energy, std::move(e)}; }
  static ScoreModel score(Score s) { return {Kind::Score, std::move(s)}; }
};

struct ExactScoreMatchingOptions {
  /// Forward (the default, the fastest measured: docs/estimators/score-matching.md): one
  /// forward sweep, the forward Laplacian of an energy or the forward-mode Jacobian of a
  /// score network. Loop: the score, then D vector-Jacobian products of its graph.
  /// Replicated: one pass on x tiled D times. Same value to rounding (hessian.hpp).
  TraceMethod method = TraceMethod::Forward;
  /// The score of sample 0 on the first two samples alone is checked not
  /// to depend on sample 1 (a forward and two backward passes on [2, D]); a model that
  /// mixes samples throws ValueError.
  bool check_independence = true;
  /// Mean over the batch, or the per-sample terms ([B]) with Reduction::None.
  Reduction reduction = Reduction::Mean;
};

/// E_data[½‖s‖² + tr ∇ₓ s] on the batch x ([B, D], data: needs no grad). Cost: D
/// backward passes through the score's graph beyond one forward and backward.
Tensor exact_score_matching(const ScoreModel& model, const Tensor& x,
                            const ExactScoreMatchingOptions& options = {});

enum class Projection {
  Rademacher,  ///< v ∈ {−1, +1}^D uniformly: the smaller variance
  Gaussian     ///< v ~ N(0, I)
};

struct SlicedScoreMatchingOptions {
  Projection projection = Projection::Rademacher;
  /// Projections per sample (the batch is tiled this many times, one v per row).
  int64_t projections = 1;
  /// SSM-VR: ½‖s‖² in closed form instead of ½(vᵀs)².
  bool variance_reduced = false;
  /// Mean over the batch, or per-sample terms ([B], averaged over projections).
  Reduction reduction = Reduction::Mean;
};

/// E_data E_v[½(vᵀs)² + vᵀ(∇ₓ s)v] (or SSM-VR) with unnormalised projections, so its
/// expectation is exact score matching's J. Cost: one extra backward pass on [n·B, D].
Tensor sliced_score_matching(const ScoreModel& model, const Tensor& x, Generator& gen,
                             const SlicedScoreMatchingOptions& options = {});

/// A score network conditioned on the noise level: (x̃ [B, D], σ [B]) -> [B, D].
using NoiseConditionalScore = std::function<Tensor(const Tensor&, const Tensor&)>;

/// E ½‖s(x + σε) + ε/σ‖² at one noise level σ > 0: the score of the smoothed data is
/// −(x̃ − x)/σ² = −ε/σ in expectation over x given x̃.
Tensor denoising_score_matching(const ScoreModel& model, const Tensor& x, double sigma,
                                Generator& gen);

/// Over a ladder of levels (NCSN, Song & Ermon 2019): each sample draws one level σ_i
/// uniformly and contributes ½σ_i²‖s(x̃, σ_i) + ε/σ_i‖² = ½‖σ_i s(x̃, σ_i) + ε‖², so every
/// level weighs alike. ValueError if the ladder is empty or a level is not > 0.
Tensor denoising_score_matching(const NoiseConditionalScore& score, const Tensor& x,
                                const std::vector<double>& sigmas, Generator& gen);

/// `levels` noise levels from sigma_max down to sigma_min in geometric progression.
std::vector<double> geometric_noise_levels(double sigma_max, double sigma_min, int64_t levels);

}  // namespace tg::est

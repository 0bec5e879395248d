// Langevin sampling from an energy-based model p(x) ∝ exp(−E(x)).
//
// Unadjusted Langevin (ULA), with step size ε and noise scale η set separately:
//
//   x ← x − (ε/2)·∇E(x) + η·ξ,   ξ ~ N(0, I),   η = √ε by default.
//
// With η = √ε this discretises the Langevin diffusion, whose stationary law is p; the
// discretisation biases it (for E = x²/(2s²) the chain's stationary variance is
// s²/(1 − ε/(4s²)), and in general η²s²/(ε(1 − ε/(4s²)))). EBM training often uses η < √ε
// (Du & Mordatch 2019) with gradients clipped elementwise. The Metropolis-adjusted form
// (MALA) treats the step as a proposal y and accepts it with probability
//
//   min(1, exp(E(x) − E(y)) · q(x | y) / q(y | x)),   q(y | x) = N(y; x − (ε/2)∇E(x), η²I),
//
// which makes p exactly stationary for any ε, η (the clipped gradient, if any, defines q).
//
// The sampler evaluates the energy and its input gradient with no graph kept: memory does
// not grow with the number of steps, and the returned samples carry no graph.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>

#include "tapegrad/autograd/random.hpp"
#include "tapegrad/estimators/energy.hpp"

namespace tg::est {

struct LangevinOptions {
  double step_size = 0.01;                           ///< ε > 0
  std::optional<double> noise_scale = std::nullopt;  ///< η > 0; √ε if unset
  int64_t steps = 100;                               ///< ≥ 0
  std::optional<double> gradient_clip =
      std::nullopt;         ///< c > 0: clamp each component of ∇E to [−c, c]
  bool metropolis = false;  ///< MALA: accept or reject every proposal
};

struct LangevinResult {
  Tensor samples;              ///< [B, D], no graph
  double acceptance_rate = 1;  ///< accepted proposals / proposals (1 for ULA)
};

/// Runs `steps` Langevin steps from x0 ([B, D]) on every chain (row) at once.
LangevinResult langevin(const Energy& energy, const Tensor& x0, Generator& gen,
                        const LangevinOptions& options = {});

/// Persistent chains with a replay buffer (Du & Mordatch 2019): `capacity` chains started
/// from `init`. sample() draws `batch` distinct chains, restarts each from `init` with
/// probability `reinit_fraction`, runs Langevin on them and stores them back.
class ReplayBuffer {
 public:
  /// n fresh starting points, [n, D].
  using Init = std::function<Tensor(int64_t n, Generator& gen)>;

  ReplayBuffer(int64_t capacity, Init init, Generator& gen, double reinit_fraction = 0.05);

  /// `batch` chains (≤ capacity) advanced by the sampler; also written back to the buffer.
  LangevinResult sample(const Energy& energy, int64_t batch, Generator& gen,
                        const LangevinOptions& options);
  /// Every chain's current state, [capacity, D].
  const Tensor& chains() const { return chains_; }

 private:
  Init init_;
  double reinit_fraction_;
  Tensor chains_;
};

}  // namespace tg::est

// Distribution: the one interface every explicit-density model and every noise
// distribution implements, so that maximum likelihood (nll), noise-contrastive estimation
// (a Distribution as noise) and samplers talk about the same object. A model can serve as
// another estimator's noise.
//
//   log_prob(x): x [B, D] -> [B], log p(x) per row, differentiable in x and in the
//                model's parameters (recorded like any other op);
//   sample(n, gen): [n, D] draws, from the explicit generator `gen` only (same seed,
//                same numbers; see Note [Counter-based random numbers]);
//   dim(): D, the number of columns log_prob expects and sample returns;
//   has_log_prob(): false for sample-only distributions (an implicit generator wrapped
//                as a Distribution), whose log_prob throws. Estimators that need a
//                density (NCE's noise) check it and name themselves in the error.
//
// Models with parameters derive from both Distribution and tg::nn::Module, so they can be
// optimised and checkpointed like layers; their Module::forward is log_prob.
#pragma once
#include <cstdint>

#include "tapegrad/autograd/random.hpp"
#include "tapegrad/autograd/tensor.hpp"

namespace tg::est {

class Distribution {
 public:
  Distribution() = default;
  virtual ~Distribution() = default;
  Distribution(const Distribution&) = delete;
  Distribution& operator=(const Distribution&) = delete;

  /// log p(x) per row: x [B, dim()] -> [B].
  virtual Tensor log_prob(const Tensor& x) const = 0;
  /// n samples, [n, dim()], drawn from `gen`.
  virtual Tensor sample(int64_t n, Generator& gen) const = 0;
  /// The event dimension D.
  virtual int64_t dim() const = 0;
  /// Whether log_prob is available (true unless a sample-only distribution says not).
  virtual bool has_log_prob() const { return true; }
};

}  // namespace tg::est

// A mixture of K diagonal Gaussians for maximum likelihood, a Distribution and a Module:
//
//   log p(x) = logsumexp_k [ log π_k + log N(x; μ_k, diag σ_k²) ],   log π = log_softmax(logits)
//
// Parameters: logits [K] (weights through log-softmax, so any logits give weights on the
// simplex), means [K, D], log_std [K, D]. logsumexp keeps the density finite where every
// component underflows. (tg::data::GaussianMixture is the fixed equal-weight dataset.)
#pragma once
#include <vector>

#include "tapegrad/estimators/distribution.hpp"
#include "tapegrad/nn/module.hpp"

namespace tg::est {

class GaussianMixture : public nn::Module, public Distribution {
 public:
  /// Equal weights, unit scales, means drawn N(0, I) from `gen`.
  GaussianMixture(int64_t components, int64_t dim, Generator& gen, Dtype dtype = kFloat32);
  /// Explicit weights (positive, summing to 1 within 1e-6), means [K, D], stddevs [K, D].
  GaussianMixture(const std::vector<double>& weights, const Tensor& means, const Tensor& stddevs);

  Tensor log_prob(const Tensor& x) const override;
  /// Picks component k with probability π_k (inverse CDF of one uniform per row), then
  /// draws from it.
  Tensor sample(int64_t n, Generator& gen) const override;
  int64_t dim() const override { return dim_; }
  Tensor forward(const Tensor& x) override { return log_prob(x); }

  int64_t components() const { return components_; }
  /// log π (differentiable in logits), [K].
  Tensor log_weights() const;

  Tensor logits;   ///< parameter [K]
  Tensor means;    ///< parameter [K, D]
  Tensor log_std;  ///< parameter [K, D]

 private:
  int64_t components_;
  int64_t dim_;
};

}  // namespace tg::est

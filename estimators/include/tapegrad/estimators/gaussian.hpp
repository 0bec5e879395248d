// Gaussian models for maximum likelihood, each a Distribution and a trainable Module.
//
//   DiagonalGaussian:        N(μ, diag σ²), parameters μ [D] and log σ [D];
//     log p(x) = −½ Σ_d ((x_d − μ_d)/σ_d)² − Σ_d log σ_d − (D/2) log 2π.
//   FullCovarianceGaussian:  N(μ, L Lᵀ) with L lower-triangular, parameters μ [D] and an
//     unconstrained raw [D, D]: L = (strictly lower part of raw) + diag(exp(diag raw)), so
//     every raw gives a valid Cholesky factor (positive diagonal) and log L_dd = raw_dd;
//     log p(x) = −½ ‖L⁻¹(x − μ)‖² − Σ_d log L_dd − (D/2) log 2π,
//     with L⁻¹(x − μ) by forward substitution (D recorded steps: meant for small D).
//
// Their maximum-likelihood estimates are the sample mean and the 1/N sample covariance
// (its diagonal for DiagonalGaussian).
#pragma once
#include "tapegrad/estimators/distribution.hpp"
#include "tapegrad/nn/module.hpp"

namespace tg::est {

class DiagonalGaussian : public nn::Module, public Distribution {
 public:
  /// N(0, I) in `dim` dimensions.
  explicit DiagonalGaussian(int64_t dim, Dtype dtype = kFloat32);
  /// N(mean, diag(stddev²)) for mean and stddev of shape [D], stddev > 0.
  DiagonalGaussian(const Tensor& mean, const Tensor& stddev);

  Tensor log_prob(const Tensor& x) const override;
  Tensor sample(int64_t n, Generator& gen) const override;
  int64_t dim() const override { return dim_; }
  Tensor forward(const Tensor& x) override { return log_prob(x); }

  Tensor mean;     ///< parameter [D]
  Tensor log_std;  ///< parameter [D]

 private:
  int64_t dim_;
};

class FullCovarianceGaussian : public nn::Module, public Distribution {
 public:
  /// N(0, I) in `dim` dimensions.
  explicit FullCovarianceGaussian(int64_t dim, Dtype dtype = kFloat32);
  /// N(mean, L Lᵀ) for mean [D] and a lower-triangular L [D, D] with positive diagonal.
  FullCovarianceGaussian(const Tensor& mean, const Tensor& scale_tril);

  Tensor log_prob(const Tensor& x) const override;
  Tensor sample(int64_t n, Generator& gen) const override;
  int64_t dim() const override { return dim_; }
  Tensor forward(const Tensor& x) override { return log_prob(x); }

  /// L (differentiable in raw).
  Tensor scale_tril() const;
  /// Σ = L Lᵀ (differentiable in raw).
  Tensor covariance() const;

  Tensor mean;  ///< parameter [D]
  Tensor raw;   ///< parameter [D, D]; only its lower triangle is used

 private:
  int64_t dim_;
};

}  // namespace tg::est

// Synthetic datasets from the papers' toy experiments. Every sampler draws from an
// explicit generator and returns [n, dim] tensors.
#pragma once
#include <cstdint>

#include "tapegrad/autograd/random.hpp"

namespace tg::data {

/// An equal-weight mixture of isotropic Gaussians with the given means [K, D].
class GaussianMixture {
 public:
  GaussianMixture(Tensor means, double stddev);
  /// K components on a circle of `radius` in 2-D (8 gives the "8 Gaussians" ring).
  static GaussianMixture ring(int64_t k, double radius = 2.0, double stddev = 0.02,
                              Dtype dtype = kFloat32);
  /// A side×side grid centred at 0 with `spacing` (5, 2 gives the 5×5 grid at ±4).
  static GaussianMixture grid(int64_t side = 5, double spacing = 2.0, double stddev = 0.05,
                              Dtype dtype = kFloat32);
  /// K means drawn N(0, spread²·I) in D dimensions.
  static GaussianMixture random(int64_t k, int64_t dim, Generator& gen, double spread = 5.0,
                                double stddev = 1.0, Dtype dtype = kFloat32);

  Tensor sample(int64_t n, Generator& gen) const;
  /// log p(x) for x [N, D] → [N]; differentiable in x (score-matching targets).
  Tensor log_prob(const Tensor& x) const;
  const Tensor& means() const { return means_; }
  double stddev() const { return stddev_; }
  int64_t dim() const { return means_.shape()[1]; }

 private:
  Tensor means_;
  double stddev_;
};

/// 8 Gaussians on a ring of radius 2, std 0.02.
Tensor eight_gaussians(int64_t n, Generator& gen, Dtype dtype = kFloat32);
/// 25 Gaussians on the 5×5 grid {−4, −2, 0, 2, 4}², std 0.05.
Tensor grid_25_gaussians(int64_t n, Generator& gen, Dtype dtype = kFloat32);
/// The 2-D swiss roll of the WGAN-GP toy experiments: t = 1.5π(1 + 2u),
/// x = (t cos t, t sin t) + noise·ε, scaled by `scale`.
Tensor swiss_roll(int64_t n, Generator& gen, double noise = 0.25, double scale = 1 / 7.5,
                  Dtype dtype = kFloat32);

/// Data on a `latent_dim`-dimensional linear subspace of R^dim: x = z·B + c + noise·ε with
/// z ~ N(0, I), B [latent_dim, dim] with orthonormal rows and c ~ N(0, I) drawn at
/// construction.
class LinearManifold {
 public:
  LinearManifold(int64_t dim, int64_t latent_dim, Generator& gen, double noise = 0.0,
                 Dtype dtype = kFloat32);
  Tensor sample(int64_t n, Generator& gen) const;
  const Tensor& basis() const { return basis_; }
  const Tensor& offset() const { return offset_; }

 private:
  Tensor basis_;
  Tensor offset_;
  double noise_;
};

}  // namespace tg::data

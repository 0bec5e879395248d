#include "tapegrad/data/synthetic.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/linalg.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::data {

GaussianMixture::GaussianMixture(Tensor means, double stddev)
    : means_(std::move(means)), stddev_(stddev) {
  if (!means_.defined() || means_.dim() != 2 || means_.shape()[0] < 1)
    throw ShapeError(fmt::format("GaussianMixture: means must be [K, D] with K >= 1, got {}",
                                 means_.defined() ? means_.shape().str() : "undefined"));
  if (!(stddev > 0))
    throw ValueError(fmt::format("GaussianMixture: stddev must be positive, got {}", stddev));
}

GaussianMixture GaussianMixture::ring(int64_t k, double radius, double stddev, Dtype dtype) {
  std::vector<double> m;
  for (int64_t i = 0; i < k; ++i) {
    const double a = 2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(k);
    m.push_back(radius * std::cos(a));
    m.push_back(radius * std::sin(a));
  }
  return GaussianMixture(from_vector(m, {k, 2}, dtype), stddev);
}

GaussianMixture GaussianMixture::grid(int64_t side, double spacing, double stddev, Dtype dtype) {
  std::vector<double> m;
  const double mid = static_cast<double>(side - 1) / 2;
  for (int64_t i = 0; i < side; ++i)
    for (int64_t j = 0; j < side; ++j) {
      m.push_back((static_cast<double>(i) - mid) * spacing);
      m.push_back((static_cast<double>(j) - mid) * spacing);
    }
  return GaussianMixture(from_vector(m, {side * side, 2}, dtype), stddev);
}

GaussianMixture GaussianMixture::random(int64_t k, int64_t dim, Generator& gen, double spread,
                                        double stddev, Dtype dtype) {
  return GaussianMixture(randn({k, dim}, gen, dtype, 0.0, spread), stddev);
}

Tensor GaussianMixture::sample(int64_t n, Generator& gen) const {
  NoGradGuard no_grad;
  const std::vector<double> picks =
      randint(0, means_.shape()[0], {n}, gen, kFloat64).to_vector<double>();
  const std::vector<int64_t> idx(picks.begin(), picks.end());
  return index_select(means_, 0, idx) + randn({n, dim()}, gen, means_.dtype(), 0.0, stddev_);
}

Tensor GaussianMixture::log_prob(const Tensor& x) const {
  if (x.dim() != 2 || x.shape()[1] != dim())
    throw ShapeError(fmt::format("GaussianMixture::log_prob: x must be [N, {}], got {}", dim(),
                                 x.shape().str()));
  const double var = stddev_ * stddev_;
  const auto k = static_cast<double>(means_.shape()[0]);
  const double log_norm =
      -0.5 * static_cast<double>(dim()) * std::log(2 * std::numbers::pi * var) - std::log(k);
  const Tensor d2 = sum(square(unsqueeze(x, 1) - unsqueeze(means_, 0)), {2});  // [N, K]
  return logsumexp(d2 * (-0.5 / var), {1}) + log_norm;
}

Tensor eight_gaussians(int64_t n, Generator& gen, Dtype dtype) {
  return GaussianMixture::ring(8, 2.0, 0.02, dtype).sample(n, gen);
}

Tensor grid_25_gaussians(int64_t n, Generator& gen, Dtype dtype) {
  return GaussianMixture::grid(5, 2.0, 0.05, dtype).sample(n, gen);
}

Tensor swiss_roll(int64_t n, Generator& gen, double noise, double scale, Dtype dtype) {
  NoGradGuard no_grad;
  const Tensor t = rand({n, 1}, gen, dtype) * (3 * std::numbers::pi) + 1.5 * std::numbers::pi;
  const Tensor xy = cat({t * cos(t), t * sin(t)}, 1);
  return (xy + randn({n, 2}, gen, dtype, 0.0, noise)) * scale;
}

LinearManifold::LinearManifold(int64_t dim, int64_t latent_dim, Generator& gen, double noise,
                               Dtype dtype)
    : noise_(noise) {
  if (latent_dim < 1 || latent_dim > dim)
    throw ValueError(
        fmt::format("LinearManifold: need 1 <= latent_dim ({}) <= dim ({})", latent_dim, dim));
  // Gram–Schmidt on Gaussian rows, in float64.
  std::vector<double> b = randn({latent_dim, dim}, gen, kFloat64).to_vector<double>();
  const auto d = static_cast<std::size_t>(dim);
  for (std::size_t i = 0; i < static_cast<std::size_t>(latent_dim); ++i) {
    double* row = b.data() + i * d;
    for (std::size_t j = 0; j < i; ++j) {
      const double* prev = b.data() + j * d;
      double dot = 0;
      for (std::size_t c = 0; c < d; ++c) dot += row[c] * prev[c];
      for (std::size_t c = 0; c < d; ++c) row[c] -= dot * prev[c];
    }
    double norm = 0;
    for (std::size_t c = 0; c < d; ++c) norm += row[c] * row[c];
    norm = std::sqrt(norm);
    for (std::size_t c = 0; c < d; ++c) row[c] /= norm;
  }
  basis_ = from_vector(b, {latent_dim, dim}, dtype);
  offset_ = randn({dim}, gen, dtype);
}

Tensor LinearManifold::sample(int64_t n, Generator& gen) const {
  NoGradGuard no_grad;
  const Tensor z = randn({n, basis_.shape()[0]}, gen, basis_.dtype());
  Tensor x = matmul(z, basis_) + offset_;
  if (noise_ > 0) x = x + randn(x.shape(), gen, x.dtype(), 0.0, noise_);
  return x;
}

}  // namespace tg::data

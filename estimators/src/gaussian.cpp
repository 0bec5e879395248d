#include "tapegrad/estimators/gaussian.hpp"

#include <fmt/format.h>

#include <vector>

#include "events.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/linalg.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::est {
namespace {

void check_dim(const char* who, int64_t dim) {
  if (dim < 1) throw ValueError(fmt::format("{}: dim must be >= 1, got {}", who, dim));
}

void check_vector(const char* who, const char* what, const Tensor& t) {
  if (!t.defined() || t.dim() != 1 || t.size(0) < 1)
    throw ShapeError(fmt::format("{}: {} must be [D] with D >= 1, got {}", who, what,
                                 t.defined() ? t.shape().str() : "an undefined tensor"));
}

/// 1 strictly below the diagonal, 0 elsewhere: [D, D].
Tensor strictly_lower_mask(int64_t d, Dtype dtype) {
  std::vector<double> m(static_cast<size_t>(d * d), 0.0);
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < i; ++j) m[static_cast<size_t>(i * d + j)] = 1.0;
  return from_vector(m, {d, d}).to(dtype);
}

}  // namespace

DiagonalGaussian::DiagonalGaussian(int64_t dim, Dtype dtype) : dim_(dim) {
  check_dim("DiagonalGaussian", dim);
  mean = register_parameter("mean", zeros({dim}, dtype));
  log_std = register_parameter("log_std", zeros({dim}, dtype));
}

DiagonalGaussian::DiagonalGaussian(const Tensor& mean_values, const Tensor& stddev) {
  check_vector("DiagonalGaussian", "mean", mean_values);
  if (stddev.shape() != mean_values.shape() || stddev.dtype() != mean_values.dtype())
    tg::detail::throw_mismatch(stddev.dtype() != mean_values.dtype(),
                               fmt::format("DiagonalGaussian: stddev is {} {} but mean is {} {}; "
                                           "expected the same shape and dtype",
                                           stddev.shape().str(), name(stddev.dtype()),
                                           mean_values.shape().str(), name(mean_values.dtype())));
  for (double s : stddev.to_vector<double>())
    if (!(s > 0))
      throw ValueError(fmt::format("DiagonalGaussian: stddev must be positive, got {}", s));
  dim_ = mean_values.size(0);
  NoGradGuard values_only;
  mean = register_parameter("mean", mean_values);
  log_std = register_parameter("log_std", log(stddev));
}

Tensor DiagonalGaussian::log_prob(const Tensor& x) const {
  detail::check_events("DiagonalGaussian::log_prob", x, dim_, mean.dtype());
  return detail::standard_normal_log_prob((x - mean) * exp(-log_std)) - sum(log_std);
}

Tensor DiagonalGaussian::sample(int64_t n, Generator& gen) const {
  detail::check_sample_count("DiagonalGaussian::sample", n);
  NoGradGuard samples_are_data;
  return mean + exp(log_std) * randn({n, dim_}, gen, mean.dtype());
}

FullCovarianceGaussian::FullCovarianceGaussian(int64_t dim, Dtype dtype) : dim_(dim) {
  check_dim("FullCovarianceGaussian", dim);
  mean = register_parameter("mean", zeros({dim}, dtype));
  raw = register_parameter("raw", zeros({dim, dim}, dtype));
}

FullCovarianceGaussian::FullCovarianceGaussian(const Tensor& mean_values,
                                               const Tensor& scale_tril) {
  check_vector("FullCovarianceGaussian", "mean", mean_values);
  dim_ = mean_values.size(0);
  if (scale_tril.shape() != Shape{dim_, dim_} || scale_tril.dtype() != mean_values.dtype())
    tg::detail::throw_mismatch(
        scale_tril.dtype() != mean_values.dtype(),
        fmt::format("FullCovarianceGaussian: scale_tril is {} {}; expected [{}, {}] {} "
                    "to match the mean",
                    scale_tril.shape().str(), name(scale_tril.dtype()), dim_, dim_,
                    name(mean_values.dtype())));
  const std::vector<double> l = scale_tril.to_vector<double>();
  const auto d = static_cast<size_t>(dim_);
  std::vector<double> r(l.size(), 0.0);
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      const double v = l[i * d + j];
      if (j > i && v != 0)
        throw ValueError(fmt::format(
            "FullCovarianceGaussian: scale_tril[{}, {}] = {}; expected a lower-triangular L", i, j,
            v));
      if (j == i && !(v > 0))
        throw ValueError(fmt::format(
            "FullCovarianceGaussian: scale_tril[{}, {}] = {}; expected a positive diagonal", i, i,
            v));
      r[i * d + j] = j == i ? std::log(v) : v;
    }
  NoGradGuard values_only;
  mean = register_parameter("mean", mean_values);
  raw = register_parameter("raw", from_vector(r, {dim_, dim_}).to(mean_values.dtype()));
}

Tensor FullCovarianceGaussian::scale_tril() const {
  return raw * strictly_lower_mask(dim_, raw.dtype()) + eye(dim_, raw.dtype()) * exp(raw);
}

Tensor FullCovarianceGaussian::covariance() const {
  const Tensor l = scale_tril();
  return matmul(l, l.t());
}

// y = L⁻¹(x − μ) row by row of L (forward substitution), each column of y one recorded
// step: y_i = (d_i − Σ_{j<i} L_ij y_j) / L_ii.
Tensor FullCovarianceGaussian::log_prob(const Tensor& x) const {
  detail::check_events("FullCovarianceGaussian::log_prob", x, dim_, mean.dtype());
  const Tensor l = scale_tril();
  const Tensor d = x - mean;
  Tensor y;
  for (int64_t i = 0; i < dim_; ++i) {
    const Tensor row = slice(l, 0, i, i + 1);  // [1, D]
    Tensor r = slice(d, 1, i, i + 1);          // [B, 1]
    if (i > 0) r = r - matmul(y, slice(row, 1, 0, i).t());
    const Tensor yi = r / slice(row, 1, i, i + 1);
    y = i == 0 ? yi : cat({y, yi}, 1);
  }
  const Tensor log_det = sum(raw * eye(dim_, raw.dtype()));  // Σ log L_ii
  return detail::standard_normal_log_prob(y) - log_det;
}

Tensor FullCovarianceGaussian::sample(int64_t n, Generator& gen) const {
  detail::check_sample_count("FullCovarianceGaussian::sample", n);
  NoGradGuard samples_are_data;
  return mean + matmul(randn({n, dim_}, gen, mean.dtype()), scale_tril().t());
}

}  // namespace tg::est

#include "tapegrad/estimators/mixture.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "events.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::est {

GaussianMixture::GaussianMixture(int64_t components, int64_t dim, Generator& gen, Dtype dtype)
    : components_(components), dim_(dim) {
  if (components < 1 || dim < 1)
    throw ValueError(
        fmt::format("GaussianMixture: components ({}) and dim ({}) must be >= 1", components, dim));
  logits = register_parameter("logits", zeros({components}, dtype));
  means = register_parameter("means", randn({components, dim}, gen, dtype));
  log_std = register_parameter("log_std", zeros({components, dim}, dtype));
}

GaussianMixture::GaussianMixture(const std::vector<double>& weights, const Tensor& means_values,
                                 const Tensor& stddevs)
    : components_(static_cast<int64_t>(weights.size())) {
  constexpr double kTolerance = 1e-6;
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  const bool positive = std::all_of(weights.begin(), weights.end(), [](double w) { return w > 0; });
  if (weights.empty() || !positive || !(std::abs(total - 1) <= kTolerance))
    throw ValueError(
        fmt::format("GaussianMixture: weights {} sum to {}; expected positive weights summing to 1 "
                    "(within {})",
                    weights, total, kTolerance));
  if (!means_values.defined() || means_values.dim() != 2 || means_values.size(0) != components_)
    throw ShapeError(fmt::format(
        "GaussianMixture: means must be [{}, D] for {} weights, got {}", components_, components_,
        means_values.defined() ? means_values.shape().str() : "undefined"));
  if (stddevs.shape() != means_values.shape() || stddevs.dtype() != means_values.dtype())
    tg::detail::throw_mismatch(
        stddevs.dtype() != means_values.dtype(),
        fmt::format("GaussianMixture: stddevs are {} {} but means are {} {}; "
                    "expected the same shape and dtype",
                    stddevs.shape().str(), name(stddevs.dtype()), means_values.shape().str(),
                    name(means_values.dtype())));
  for (double s : stddevs.to_vector<double>())
    if (!(s > 0))
      throw ValueError(fmt::format("GaussianMixture: stddevs must be positive, got {}", s));
  dim_ = means_values.size(1);
  std::vector<double> log_w;
  for (double w : weights) log_w.push_back(std::log(w));
  NoGradGuard values_only;
  logits = register_parameter("logits", from_vector(log_w, {components_}).to(means_values.dtype()));
  means = register_parameter("means", means_values);
  log_std = register_parameter("log_std", log(stddevs));
}

Tensor GaussianMixture::log_weights() const { return log_softmax(logits, 0); }

Tensor GaussianMixture::log_prob(const Tensor& x) const {
  detail::check_events("GaussianMixture::log_prob", x, dim_, means.dtype());
  const Tensor z = (unsqueeze(x, 1) - means) * exp(-log_std);  // [B, K, D]
  const Tensor per_component = detail::standard_normal_log_prob(z) - sum(log_std, {1});  // [B, K]
  return logsumexp(per_component + log_weights(), {1});
}

Tensor GaussianMixture::sample(int64_t n, Generator& gen) const {
  detail::check_sample_count("GaussianMixture::sample", n);
  NoGradGuard samples_are_data;
  const std::vector<double> w = exp(log_weights()).to_vector<double>();
  const std::vector<double> u = rand({n}, gen, kFloat64).to_vector<double>();
  std::vector<int64_t> pick;
  pick.reserve(u.size());
  for (double ui : u) {
    size_t k = 0;
    double cdf = w[0];
    while (k + 1 < w.size() && ui >= cdf) cdf += w[++k];
    pick.push_back(static_cast<int64_t>(k));
  }
  return index_select(means, 0, pick) +
         exp(index_select(log_std, 0, pick)) * randn({n, dim_}, gen, means.dtype());
}

}  // namespace tg::est

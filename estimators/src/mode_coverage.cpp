#include "tapegrad/estimators/mode_coverage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "tapegrad/autograd/error.hpp"

namespace tg::est {
namespace {

void check_mixture(const Tensor& samples, const Tensor& means, const std::vector<double>& stddevs,
                   const std::vector<double>& weights, double threshold) {
  if (samples.dim() != 2 || samples.size(0) == 0 || means.dim() != 2 || means.size(0) == 0 ||
      samples.size(1) != means.size(1))
    throw ShapeError(fmt::format(
        "mode_coverage: samples {} and means {}; expected [N, D] and [K, D] with N, K > 0",
        samples.shape().str(), means.shape().str()));
  const auto k = static_cast<std::size_t>(means.size(0));
  if (stddevs.size() != k || weights.size() != k)
    throw ShapeError(
        fmt::format("mode_coverage: {} means, {} stddevs and {} weights; expected {} each", k,
                    stddevs.size(), weights.size(), k));
  double total = 0;
  for (std::size_t i = 0; i < k; ++i) {
    if (!(stddevs[i] > 0) || !(weights[i] > 0))
      throw ValueError(
          fmt::format("mode_coverage: mode {} has stddev {} and weight {}; expected both > 0", i,
                      stddevs[i], weights[i]));
    total += weights[i];
  }
  if (!(std::abs(total - 1) <= 1e-6))
    throw ValueError(
        fmt::format("mode_coverage: the weights {} sum to {}; expected 1", weights, total));
  if (!(threshold > 0))
    throw ValueError(fmt::format("mode_coverage: threshold {} must be > 0", threshold));
}

}  // namespace

ModeCoverage mode_coverage(const Tensor& samples, const Tensor& means,
                           const std::vector<double>& stddevs, const std::vector<double>& weights,
                           double threshold) {
  check_mixture(samples, means, stddevs, weights, threshold);
  const std::vector<double> x = samples.to_vector<double>(), mu = means.to_vector<double>();
  const auto n = static_cast<std::size_t>(samples.size(0));
  const auto d = static_cast<std::size_t>(samples.size(1));
  const std::size_t k = stddevs.size();
  ModeCoverage out;
  out.high_quality_per_mode.assign(k, 0);
  int64_t high_quality = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t nearest = 0;
    double nearest_distance = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < k; ++j) {
      double sq = 0;
      for (std::size_t c = 0; c < d; ++c) {
        const double diff = x[i * d + c] - mu[j * d + c];
        sq += diff * diff;
      }
      const double distance = std::sqrt(sq) / stddevs[j];
      if (distance < nearest_distance) nearest_distance = distance, nearest = j;
    }
    if (nearest_distance < threshold) ++high_quality, ++out.high_quality_per_mode[nearest];
  }
  out.high_quality_fraction = static_cast<double>(high_quality) / static_cast<double>(n);
  if (high_quality == 0) return out;
  double kl = 0;
  for (std::size_t j = 0; j < k; ++j) {
    const int64_t count = out.high_quality_per_mode[j];
    if (count == 0) continue;  // 0·log 0 = 0
    ++out.modes_covered;
    const double p = static_cast<double>(count) / static_cast<double>(high_quality);
    kl += p * std::log(p / weights[j]);
  }
  out.reverse_kl = kl;
  return out;
}

ModeCoverage mode_coverage(const Tensor& samples, const data::GaussianMixture& mixture,
                           double threshold) {
  const auto k = static_cast<std::size_t>(mixture.means().size(0));
  return mode_coverage(samples, mixture.means(), std::vector<double>(k, mixture.stddev()),
                       std::vector<double>(k, 1.0 / static_cast<double>(k)), threshold);
}

}  // namespace tg::est

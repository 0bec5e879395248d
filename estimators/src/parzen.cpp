#include "tapegrad/estimators/parzen.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/linalg.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::est {
namespace {

// A block of test points holds about this many squared distances (32 MiB in float32), so
// the [block, N] intermediates stay in memory bandwidth's reach while the GEMM stays large.
constexpr int64_t kBlockElements = int64_t{1} << 23;

void check_sigmas(const char* op, const std::vector<double>& sigmas) {
  if (sigmas.empty())
    throw ValueError(fmt::format("{}: the σ grid is empty; expected at least one σ > 0", op));
  for (double s : sigmas)
    if (!(s > 0) || !std::isfinite(s))
      throw ValueError(
          fmt::format("{}: σ grid {} holds {}; expected every σ finite and > 0", op, sigmas, s));
}

void check_points(const char* op, const char* what, const Tensor& points, const Tensor& centres) {
  if (points.dim() != 2 || points.size(0) == 0 || points.size(1) != centres.size(1))
    throw ShapeError(fmt::format("{}: {} {} against centres {}; expected [M, {}] with M > 0", op,
                                 what, points.shape().str(), centres.shape().str(),
                                 centres.size(1)));
  if (points.dtype() != centres.dtype())
    throw DtypeError(fmt::format("{}: {} are {} and centres {}; expected one dtype", op, what,
                                 name(points.dtype()), name(centres.dtype())));
}

void check_centres(const char* op, const Tensor& centres) {
  if (centres.dim() != 2 || centres.size(0) == 0 || centres.size(1) == 0)
    throw ShapeError(
        fmt::format("{}: centres {}; expected [N, D] with N, D > 0", op, centres.shape().str()));
}

struct MeanAndStd {
  double mean, std;
};

/// Mean and std (1/count) of `count` values, accumulated in double.
MeanAndStd mean_and_std(const double* v, std::size_t count) {
  double mean = 0;
  for (std::size_t i = 0; i < count; ++i) mean += v[i];
  mean /= static_cast<double>(count);
  double var = 0;
  for (std::size_t i = 0; i < count; ++i) var += (v[i] - mean) * (v[i] - mean);
  return {mean, std::sqrt(var / static_cast<double>(count))};
}

}  // namespace

std::vector<double> log_spaced(double lo, double hi, int64_t n) {
  if (!(lo > 0) || !(hi >= lo) || n < 1 || (n == 1 && hi != lo))
    throw ValueError(fmt::format(
        "log_spaced: lo {}, hi {}, n {}; expected 0 < lo <= hi and n >= 1 (n = 1 needs lo = hi)",
        lo, hi, n));
  std::vector<double> out;
  const double a = std::log(lo), b = std::log(hi);
  for (int64_t i = 0; i < n; ++i)
    out.push_back(
        n == 1 ? lo : std::exp(a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1)));
  return out;
}

Tensor parzen_log_density(const Tensor& centres, const Tensor& points,
                          const std::vector<double>& sigmas) {
  constexpr const char* op = "parzen_log_density";
  check_centres(op, centres);
  check_points(op, "points", points, centres);
  check_sigmas(op, sigmas);
  NoGradGuard evaluation_only;
  const Tensor c = centres.detach();
  const int64_t n = c.size(0), m = points.size(0);
  const auto d = static_cast<double>(c.size(1));
  // x·cⱼ − ½‖cⱼ‖² in one GEMM (the bias rides on its β = 1 accumulation).
  const Tensor minus_half_sq_c = sum(c * c, {1}) * -0.5;
  const int64_t block = std::clamp<int64_t>(kBlockElements / n, 1, m);
  std::vector<std::vector<Tensor>> rows(sigmas.size());
  for (int64_t start = 0; start < m; start += block) {
    const Tensor x = slice(points.detach(), 0, start, std::min(m, start + block));
    // ½‖x − cⱼ‖² = ½‖x‖² − (x·cⱼ − ½‖cⱼ‖²) ≥ 0; rounding can push it just below 0.
    const Tensor half_sq_dist = relu(sum(x * x, {1}, true) * 0.5 - linear(x, c, minus_half_sq_c));
    // logsumexp_j(−hⱼ/σ²) = −h_min/σ² + log Σⱼ exp(−(hⱼ − h_min)/σ²): the shift that keeps
    // exp from underflowing is the nearest centre's, the same for every σ, so it is taken
    // once per block and each σ costs one scale, one exp and one sum.
    const Tensor nearest = min(half_sq_dist, {1});
    const Tensor excess = half_sq_dist - unsqueeze(nearest, 1);
    for (std::size_t s = 0; s < sigmas.size(); ++s) {
      const double var = sigmas[s] * sigmas[s];
      const double log_norm =
          std::log(static_cast<double>(n)) + 0.5 * d * std::log(2 * std::numbers::pi * var);
      rows[s].push_back(log(sum(exp(excess * (-1 / var)), {1})) - nearest / var - log_norm);
    }
  }
  std::vector<Tensor> per_sigma;
  for (auto& r : rows) per_sigma.push_back(cat(r, 0));
  return stack(per_sigma, 0);
}

ParzenEstimate parzen_log_likelihood(const Tensor& centres, const Tensor& validation,
                                     const Tensor& test, const std::vector<double>& sigma_grid) {
  constexpr const char* op = "parzen_log_likelihood";
  check_centres(op, centres);
  check_points(op, "validation points", validation, centres);
  check_points(op, "test points", test, centres);
  check_sigmas(op, sigma_grid);
  ParzenEstimate out;
  const Tensor val = parzen_log_density(centres, validation, sigma_grid);
  const auto m_val = static_cast<std::size_t>(validation.size(0));
  const std::vector<double> v = val.to_vector<double>();
  std::size_t best = 0;
  for (std::size_t s = 0; s < sigma_grid.size(); ++s) {
    out.validation_means.push_back(mean_and_std(v.data() + s * m_val, m_val).mean);
    if (out.validation_means[s] > out.validation_means[best]) best = s;
  }
  out.sigma = sigma_grid[best];
  const std::vector<double> t = parzen_log_density(centres, test, {out.sigma}).to_vector<double>();
  const MeanAndStd test_ll = mean_and_std(t.data(), t.size());
  out.mean = test_ll.mean;
  out.standard_error = test_ll.std / std::sqrt(static_cast<double>(t.size()));
  return out;
}

}  // namespace tg::est

#include "tapegrad/estimators/score_matching.hpp"

#include <fmt/format.h>

#include <cmath>

#include "energy_checks.hpp"
#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::est {
namespace {

using detail::check_batch;
using detail::check_positive;

/// s(x) = ∇ₓ log p(x), recorded so that it can be differentiated again: −∇ₓE for an
/// energy (row b of ∇ₓ Σ E is ∇E(x_b) because samples are independent).
Tensor model_score(const char* op, const ScoreModel& model, const Tensor& x) {
  AutoGradMode on(true);
  if (model.kind == ScoreModel::Kind::Score) return detail::checked_score(op, model.fn, x);
  Tensor e = detail::per_sample_energy(op, model.fn, x);
  Tensor g = grad({e.sum()}, {x}, {.create_graph = true, .allow_unused = true})[0];
  return g.defined() ? -g : zeros_like(x);
}

/// A fresh leaf on the data's values, to differentiate the model against.
Tensor input_leaf(const Tensor& x) { return x.detach().requires_grad_(); }

Tensor reduce(const Tensor& per_sample, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean:
      return mean(per_sample);
    case Reduction::Sum:
      return sum(per_sample);
    case Reduction::None:
      return per_sample;
  }
  throw ValueError("score matching: unknown reduction");
}

/// On the first two samples alone, so the cost does not grow with B or D: if the model
/// keeps samples apart, the score of sample 0 (summed over its components) does not depend
/// on sample 1's input. Mixing by a batch statistic shows on any two samples.
void check_independence(const char* op, const ScoreModel& model, const Tensor& x) {
  if (x.size(0) < 2) return;
  const Tensor pair = input_leaf(slice(x, 0, 0, 2));
  Tensor s = model_score(op, model, pair);
  if (!s.requires_grad()) return;
  Tensor h;
  {
    AutoGradMode on(true);
    h = grad({slice(s, 0, 0, 1).sum()}, {pair}, {.allow_unused = true})[0];
  }
  if (!h.defined()) return;
  const std::vector<double> v = h.to_vector<double>();
  const int64_t dims = x.size(1);
  for (int64_t k = 0; k < dims; ++k)
    if (const double d = v[static_cast<size_t>(dims + k)]; std::abs(d) > 0)
      throw ValueError(fmt::format(
          "{}: the model mixes samples: on the first two samples of the batch of shape {}, the "
          "score of sample 0 depends on sample 1 (Σⱼ ∂s_0j/∂x_1,{} = {:.3g}); the per-sample "
          "trace needs row b of the model's output to depend on row b of x only (no batch "
          "statistics, no BatchNorm in training mode)",
          op, x.shape().str(), k, d));
}

Tensor projections(Projection kind, const Shape& shape, Generator& gen, Dtype dtype) {
  NoGradGuard data;
  if (kind == Projection::Gaussian) return randn(shape, gen, dtype);
  return bernoulli(shape, 0.5, gen, dtype) * 2.0 - 1.0;
}

}  // namespace

Tensor exact_score_matching(const ScoreModel& model, const Tensor& x,
                            const ExactScoreMatchingOptions& options) {
  const char* op = "exact_score_matching";
  check_batch(op, x);
  const Tensor xin = input_leaf(x);
  Tensor s, trace;
  if (options.method == TraceMethod::Forward && model.kind == ScoreModel::Kind::Energy) {
    // s = −∇ₓE and tr ∇ₓs = −ΔE, both from the forward Laplacian of E
    BatchScalarFn energy = [&](const Tensor& v) {
      return detail::per_sample_energy(op, model.fn, v);
    };
    AutoGradMode on(true);
    const FieldAndTrace g =
        gradient_and_hessian_trace(energy, xin, TraceMethod::Forward, {.create_graph = true});
    s = -g.field;
    trace = -g.trace;
  } else {
    BatchFieldFn field = [&](const Tensor& v) { return model_score(op, model, v); };
    const FieldAndTrace f =
        field_and_jacobian_trace(field, xin, options.method, {.create_graph = true});
    s = f.field;
    trace = f.trace;
  }
  // After the full batch has passed the shape checks, so that their messages name it.
  if (options.check_independence) check_independence(op, model, x);
  return reduce((s * s).sum({1}) * 0.5 + trace, options.reduction);
}

Tensor sliced_score_matching(const ScoreModel& model, const Tensor& x, Generator& gen,
                             const SlicedScoreMatchingOptions& options) {
  const char* op = "sliced_score_matching";
  check_batch(op, x);
  const int64_t n = options.projections, rows = x.size(0);
  if (n < 1) throw ValueError(fmt::format("{}: projections must be >= 1, got {}", op, n));
  // Row r of the tiled batch is sample r mod B with its own projection v_r.
  const Tensor xr = input_leaf(repeat(x.detach(), {n, 1}));
  const Tensor v = projections(options.projection, xr.shape(), gen, x.dtype());
  Tensor s = model_score(op, model, xr);
  Tensor sv = (s * v).sum({1});  // vᵀs
  // Row r of ∂(Σ vᵀs)/∂x is (∇ₓ s_r)ᵀ v_r, so Σ_k of it times v_r is vᵀ(∇ₓ s)v.
  Tensor jv = s.requires_grad()
                  ? grad({sv.sum()}, {xr}, {.create_graph = true, .allow_unused = true})[0]
                  : Tensor();
  Tensor vjv = jv.defined() ? (jv * v).sum({1}) : zeros({n * rows}, x.dtype());
  Tensor half_square = options.variance_reduced ? (s * s).sum({1}) * 0.5 : sv * sv * 0.5;
  Tensor per_sample = (vjv + half_square).reshape({n, rows}).mean({0});
  return reduce(per_sample, options.reduction);
}

Tensor denoising_score_matching(const ScoreModel& model, const Tensor& x, double sigma,
                                Generator& gen) {
  const char* op = "denoising_score_matching";
  check_batch(op, x);
  check_positive(op, "the noise level sigma", sigma);
  Tensor eps = randn(x.shape(), gen, x.dtype());
  Tensor s = model_score(op, model, input_leaf(x.detach() + eps * sigma));
  Tensor r = s + eps / sigma;
  return mean((r * r).sum({1}) * 0.5);
}

Tensor denoising_score_matching(const NoiseConditionalScore& score, const Tensor& x,
                                const std::vector<double>& sigmas, Generator& gen) {
  const char* op = "denoising_score_matching (noise ladder)";
  check_batch(op, x);
  if (sigmas.empty())
    throw ValueError(
        fmt::format("{}: the ladder of noise levels is empty; give at least one σ > 0", op));
  for (size_t i = 0; i < sigmas.size(); ++i)
    if (!(sigmas[i] > 0) || !std::isfinite(sigmas[i]))
      throw ValueError(
          fmt::format("{}: noise level {} of the ladder is {}; every level must be > 0 and finite",
                      op, i, sigmas[i]));
  const int64_t rows = x.size(0);
  std::vector<double> level(static_cast<size_t>(rows));
  {
    const auto pick =
        randint(0, static_cast<int64_t>(sigmas.size()), {rows}, gen, kFloat64).to_vector<double>();
    for (size_t b = 0; b < level.size(); ++b) level[b] = sigmas[static_cast<size_t>(pick[b])];
  }
  const Tensor sigma = from_vector(level, {rows}).to(x.dtype());
  const Tensor sigma_col = sigma.reshape({rows, 1});
  Tensor eps = randn(x.shape(), gen, x.dtype());
  Tensor xt = x.detach() + eps * sigma_col;
  Tensor s = score(xt, sigma);
  if (!s.defined() || s.shape() != x.shape())
    throw ShapeError(
        fmt::format("{}: the score network must map ([B, D], [B]) to [B, D]; for x of shape {} it "
                    "returned {}",
                    op, x.shape().str(), s.defined() ? s.shape().str() : "an undefined tensor"));
  Tensor r = s * sigma_col + eps;  // σ·(s + ε/σ): the σ² weighting
  return mean((r * r).sum({1}) * 0.5);
}

std::vector<double> geometric_noise_levels(double sigma_max, double sigma_min, int64_t levels) {
  const char* op = "geometric_noise_levels";
  check_positive(op, "sigma_min", sigma_min);
  check_positive(op, "sigma_max", sigma_max);
  if (levels < 1 || sigma_max < sigma_min)
    throw ValueError(fmt::format(
        "{}: need levels >= 1 and sigma_max >= sigma_min, got levels = {}, sigma_max = {}, "
        "sigma_min = {}",
        op, levels, sigma_max, sigma_min));
  std::vector<double> out;
  for (int64_t i = 0; i < levels; ++i)
    out.push_back(
        levels == 1 ? sigma_max
                    : sigma_max * std::pow(sigma_min / sigma_max, double(i) / double(levels - 1)));
  return out;
}

}  // namespace tg::est

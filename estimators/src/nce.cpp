#include "tapegrad/estimators/nce.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"

namespace tg::est {
namespace {

void check_density(const char* who, const char* role, const Distribution& d) {
  if (!d.has_log_prob())
    throw ValueError(fmt::format(
        "{}: the {} distribution has no log-density (has_log_prob() is false); expected one "
        "with log_prob, to form G(x) = log p_m(x) − log(ν·p_n(x))",
        who, role));
}

void check_nu(double nu) {
  if (!(nu > 0))
    throw ValueError(fmt::format("nce_loss: the noise ratio ν = T_n/T_d must be > 0, got {}", nu));
}

void check_batch(const char* who, const char* what, const Tensor& x, int64_t dim) {
  if (!x.defined() || x.dim() != 2 || x.size(0) == 0 || x.size(1) != dim)
    throw ShapeError(
        fmt::format("{}: {} must be [B, {}] with B > 0 (the distribution's dim), got {}", who, what,
                    dim, x.defined() ? x.shape().str() : "undefined"));
}

/// t as a [b] vector: one value per sample.
Tensor per_sample(const char* who, const char* what, const Tensor& t, int64_t b) {
  if (!t.defined() || t.numel() != b)
    throw ShapeError(
        fmt::format("{}: {} returned {} for a batch of {}; expected one value per sample", who,
                    what, t.defined() ? t.shape().str() : "undefined", b));
  return t.reshape({b});
}

/// J = mean softplus(−G_data) + ν · mean softplus(G_noise).
Tensor logistic_loss(const Tensor& g_data, const Tensor& g_noise, double nu) {
  return mean(softplus(-g_data)) + mean(softplus(g_noise)) * nu;
}

}  // namespace

Tensor nce_loss(const Energy& energy, const Tensor& log_normaliser, const Tensor& data,
                const Tensor& noise_samples, const Distribution& noise, double nu) {
  check_nu(nu);
  check_density("nce_loss", "noise", noise);
  check_batch("nce_loss", "data", data, noise.dim());
  check_batch("nce_loss", "noise_samples", noise_samples, noise.dim());
  if (data.dtype() != noise_samples.dtype())
    throw DtypeError(fmt::format("nce_loss: data is {} but noise_samples are {}",
                                 name(data.dtype()), name(noise_samples.dtype())));
  if (!log_normaliser.defined() || log_normaliser.numel() != 1)
    throw ShapeError(
        fmt::format("nce_loss: the log-normaliser c must be one value, got {}",
                    log_normaliser.defined() ? log_normaliser.shape().str() : "undefined"));
  const Tensor c = log_normaliser.reshape({});
  auto log_odds = [&](const Tensor& x) {
    const int64_t b = x.size(0);
    Tensor log_noise;
    {
      NoGradGuard noise_is_fixed;
      log_noise = per_sample("nce_loss", "the noise's log_prob", noise.log_prob(x), b);
    }
    const Tensor log_model = -per_sample("nce_loss", "the energy", energy(x), b) - c;
    return log_model - (log_noise + std::log(nu));
  };
  return logistic_loss(log_odds(data), log_odds(noise_samples), nu);
}

Tensor nce_loss(const Energy& energy, const Tensor& log_normaliser, const Tensor& data,
                const Distribution& noise, double nu, Generator& gen) {
  check_nu(nu);
  check_density("nce_loss", "noise", noise);
  check_batch("nce_loss", "data", data, noise.dim());
  const auto t_n = std::max<int64_t>(1, std::llround(nu * static_cast<double>(data.size(0))));
  Tensor noise_samples;
  {
    NoGradGuard samples_are_data;
    noise_samples = noise.sample(t_n, gen).detach();
  }
  return nce_loss(energy, log_normaliser, data, noise_samples, noise, nu);
}

Tensor dynamic_nce_loss(const Distribution& model, const Tensor& data, Generator& gen) {
  check_density("dynamic_nce_loss", "model", model);
  check_batch("dynamic_nce_loss", "data", data, model.dim());
  Tensor samples;
  {
    NoGradGuard samples_are_data;
    samples = model.sample(data.size(0), gen).detach();
  }
  // log p_θ − log p_θ̄: the detached copy is the frozen noise, so G is 0 in value and
  // ∇log p_θ in gradient.
  auto log_odds = [&](const Tensor& x) {
    const Tensor lp =
        per_sample("dynamic_nce_loss", "the model's log_prob", model.log_prob(x), x.size(0));
    return lp - lp.detach();
  };
  return logistic_loss(log_odds(data), log_odds(samples), 1.0);
}

}  // namespace tg::est

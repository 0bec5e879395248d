#include "tapegrad/estimators/langevin.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

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

constexpr const char* kOp = "langevin";

/// E(x) per sample and its (clipped) input gradient, both without a graph: the graph of
/// one evaluation dies before the next step.
struct EnergyAndGradient {
  Tensor energy, gradient;
};

EnergyAndGradient evaluate(const Energy& energy, const Tensor& x, const LangevinOptions& o) {
  Tensor xl = x.detach().requires_grad_();
  Tensor e, g;
  {
    AutoGradMode on(true);  // the chain itself runs without recording
    e = detail::per_sample_energy(kOp, energy, xl);
    if (e.requires_grad()) g = grad({e.sum()}, {xl}, {.allow_unused = true})[0];
  }
  g = g.defined() ? g.detach() : zeros_like(x);
  if (o.gradient_clip) g = clamp(g, -*o.gradient_clip, *o.gradient_clip);
  return {e.detach(), g};
}

void check_options(const LangevinOptions& o) {
  detail::check_positive(kOp, "the step size", o.step_size);
  if (o.noise_scale) detail::check_positive(kOp, "the noise scale", *o.noise_scale);
  if (o.gradient_clip) detail::check_positive(kOp, "the gradient clip", *o.gradient_clip);
  if (o.steps < 0) throw ValueError(fmt::format("{}: steps must be >= 0, got {}", kOp, o.steps));
}

}  // namespace

LangevinResult langevin(const Energy& energy, const Tensor& x0, Generator& gen,
                        const LangevinOptions& options) {
  detail::check_batch(kOp, x0);
  check_options(options);
  const double eps = options.step_size;
  const double eta = options.noise_scale.value_or(std::sqrt(eps));
  NoGradGuard chains_are_data;
  Tensor x = x0.detach();
  EnergyAndGradient at_x = evaluate(energy, x, options);
  int64_t accepted = 0;
  for (int64_t t = 0; t < options.steps; ++t) {
    Tensor xi = randn(x.shape(), gen, x.dtype());
    Tensor y = x - at_x.gradient * (eps / 2) + xi * eta;
    EnergyAndGradient at_y = evaluate(energy, y, options);
    if (!options.metropolis) {
      x = y;
      at_x = at_y;
      continue;
    }
    // log α = E(x) − E(y) + log q(x | y) − log q(y | x), and y − x + (ε/2)∇E(x) = ηξ.
    Tensor back = x - y + at_y.gradient * (eps / 2);
    Tensor log_alpha = at_x.energy - at_y.energy - (back * back).sum({1}) / (2 * eta * eta) +
                       (xi * xi).sum({1}) * 0.5;
    Tensor accept = log(rand({x.size(0)}, gen, x.dtype())) < log_alpha;  // [B] of 0/1
    accepted += static_cast<int64_t>(sum(accept).item<double>());
    Tensor row = accept.reshape({x.size(0), 1});
    x = where(row, y, x);
    at_x = {where(accept, at_y.energy, at_x.energy), where(row, at_y.gradient, at_x.gradient)};
  }
  const double proposals = double(options.steps) * double(x.size(0));
  return {x, options.metropolis && proposals > 0 ? double(accepted) / proposals : 1.0};
}

ReplayBuffer::ReplayBuffer(int64_t capacity, Init init, Generator& gen, double reinit_fraction)
    : init_(std::move(init)), reinit_fraction_(reinit_fraction) {
  const char* op = "ReplayBuffer";
  if (capacity < 1)
    throw ValueError(fmt::format("{}: capacity must be >= 1, got {}", op, capacity));
  if (!(reinit_fraction >= 0 && reinit_fraction <= 1))
    throw ValueError(
        fmt::format("{}: reinit_fraction must be in [0, 1], got {}", op, reinit_fraction));
  NoGradGuard chains_are_data;
  chains_ = init_(capacity, gen).detach();
  detail::check_batch(op, chains_);
  if (chains_.size(0) != capacity)
    throw ShapeError(fmt::format("{}: init({}) returned {}; expected [{}, D]", op, capacity,
                                 chains_.shape().str(), capacity));
}

LangevinResult ReplayBuffer::sample(const Energy& energy, int64_t batch, Generator& gen,
                                    const LangevinOptions& options) {
  const char* op = "ReplayBuffer::sample";
  const int64_t capacity = chains_.size(0), dims = chains_.size(1);
  if (batch < 1 || batch > capacity)
    throw ValueError(
        fmt::format("{}: batch must be in [1, capacity = {}], got {}", op, capacity, batch));
  NoGradGuard chains_are_data;
  std::vector<int64_t> slots = randperm(capacity, gen);
  slots.resize(static_cast<size_t>(batch));
  const Tensor fresh = init_(batch, gen).detach();
  if (fresh.shape() != Shape{batch, dims})
    throw ShapeError(fmt::format("{}: init({}) returned {}; expected [{}, {}]", op, batch,
                                 fresh.shape().str(), batch, dims));
  const Tensor restart = bernoulli({batch, 1}, reinit_fraction_, gen, chains_.dtype());
  const Tensor start = where(restart, fresh, index_select(chains_, 0, slots));
  LangevinResult result = langevin(energy, start, gen, options);
  visit_dtype(chains_.dtype(), [&]<class T>() {
    const T* src = result.samples.data<T>();
    T* dst = chains_.data<T>();
    for (size_t i = 0; i < slots.size(); ++i)
      std::memcpy(dst + slots[i] * dims, src + static_cast<int64_t>(i) * dims,
                  static_cast<size_t>(dims) * sizeof(T));
  });
  return result;
}

}  // namespace tg::est

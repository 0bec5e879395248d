#include "tapegrad/estimators/gradient_penalty.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tapegrad/autograd/engine.hpp"
#include "tapegrad/autograd/error.hpp"
#include "tapegrad/autograd/grad_mode.hpp"
#include "tapegrad/autograd/ops/elementwise.hpp"
#include "tapegrad/autograd/ops/factory.hpp"
#include "tapegrad/autograd/ops/reduction.hpp"
#include "tapegrad/autograd/ops/shape_ops.hpp"

namespace tg::est {
namespace {

void check_batch(const char* op, const Tensor& x) {
  if (x.dim() < 2 || x.size(0) == 0)
    throw ShapeError(fmt::format("{}: expected a batch of shape [B, ...] with B > 0, got {}", op,
                                 x.shape().str()));
}

/// One value per sample, broadcastable against x: shape [B, 1, ..., 1].
Shape per_sample_shape(const Tensor& x) {
  Shape s{x.size(0)};
  for (int i = 1; i < x.dim(); ++i) s.push_back(1);
  return s;
}

}  // namespace

Tensor critic_grad_norm(const Critic& critic, const Tensor& points) {
  check_batch("critic_grad_norm", points);
  Tensor x = points.detach().requires_grad_();
  Tensor a = critic(x);
  if (a.numel() != x.size(0))
    throw ShapeError(
        fmt::format("critic_grad_norm: the critic returned shape {} for a batch of "
                    "{}; expected one logit per sample",
                    a.shape().str(), x.size(0)));
  // Σᵢ a(xᵢ): samples are independent, so its gradient row i is ∇a(xᵢ).
  Tensor g = grad({a.sum()}, {x}, {.create_graph = true})[0];
  return norm(flatten(g, 1), {1});
}

Tensor gradient_penalty(const Critic& critic, const Tensor& points, double target) {
  Tensor gap = critic_grad_norm(critic, points) - target;
  return mean(gap * gap);
}

Tensor interpolate(const Tensor& real, const Tensor& fake, Generator& gen) {
  check_batch("interpolate", real);
  if (real.shape() != fake.shape())
    throw ShapeError(fmt::format("interpolate: real {} and fake {} must have the same shape",
                                 real.shape().str(), fake.shape().str()));
  NoGradGuard points_are_data;
  Tensor alpha = rand(per_sample_shape(real), gen, real.dtype());
  return (alpha * real.detach() + (1.0 - alpha) * fake.detach()).detach();
}

Tensor dragan_points(const Tensor& real, Generator& gen, double c, DraganNoise form) {
  check_batch("dragan_points", real);
  if (!(c > 0)) throw ValueError(fmt::format("dragan_points: c must be > 0, got {}", c));
  NoGradGuard points_are_data;
  Tensor x = real.detach();
  switch (form) {
    case DraganNoise::ReferenceUniform: {
      Tensor delta = rand(x.shape(), gen, x.dtype()) * (std(x) * c);
      Tensor alpha = rand(per_sample_shape(x), gen, x.dtype());
      return (x + alpha * delta).detach();
    }
    case DraganNoise::PaperGaussian:
      return (x + randn(x.shape(), gen, x.dtype(), 0.0, std::sqrt(c))).detach();
  }
  throw ValueError("dragan_points: unknown perturbation form");
}

// ‖g‖² through the (‖g‖ − 0)² of gradient_penalty: one double-backprop path for all
// penalties. (‖·‖'s gradient at 0 is 0, which is also the gradient of ‖g‖² there.)
Tensor zero_centred_penalty(const Critic& critic, const Tensor& points) {
  return gradient_penalty(critic, points, 0.0);
}

Tensor penalty_term(Penalty kind, const Critic& critic, const Tensor& real, const Tensor& fake,
                    double lambda, Generator& gen, const PenaltyOptions& options) {
  if (!(lambda >= 0))
    throw ValueError(fmt::format("penalty_term: lambda must be >= 0, got {}", lambda));
  if (real.shape() != fake.shape())
    throw ShapeError(
        fmt::format("penalty_term: real {} and fake {} batches must have the same shape",
                    real.shape().str(), fake.shape().str()));
  switch (kind) {
    case Penalty::None:
      return zeros({}, real.dtype());
    case Penalty::WganGp:
    case Penalty::GanGp:
      return gradient_penalty(critic, interpolate(real, fake, gen)) * lambda;
    case Penalty::DraganNs:
      return gradient_penalty(critic,
                              dragan_points(real, gen, options.dragan_c, options.dragan_noise)) *
             lambda;
    case Penalty::R1:
      return zero_centred_penalty(critic, real) * (lambda / 2);
    case Penalty::R2:
      return zero_centred_penalty(critic, fake) * (lambda / 2);
  }
  throw ValueError("penalty_term: unknown penalty");
}

}  // namespace tg::est

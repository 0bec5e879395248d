// Maximum likelihood: nll's optimum is the sample mean and 1/N covariance for Gaussians,
// recovers a 2-component mixture, and every model's nll passes gradcheck in float64.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/flow.hpp"
#include "tapegrad/estimators/gaussian.hpp"
#include "tapegrad/estimators/mixture.hpp"
#include "tapegrad/estimators/mle.hpp"
#include "tapegrad/nn/optim/adam.hpp"
#include "tapegrad/nn/optim/sgd.hpp"

namespace {

tg::Tensor vec(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tg::from_vector(v, {n});
}

/// Runs `steps` optimiser steps on nll(model, x); returns the final gradient's norm.
template <class Model>
double minimise_nll(Model& model, const tg::Tensor& x, tg::optim::Optimizer& opt, int steps) {
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    tg::est::nll(model, x).backward();
    opt.step();
  }
  opt.zero_grad();
  tg::est::nll(model, x).backward();
  double sq = 0;
  for (const auto& p : model.parameters())
    sq += tg::sum(p.grad() * p.grad()).template item<double>();
  return std::sqrt(sq);
}

TEST(Mle, NllIsTheMeanNegativeLogProb) {
  tg::est::DiagonalGaussian g(vec({0.5}), vec({2.0}));
  tg::Tensor x = tg::from_vector(std::vector<double>{0.0, 1.0, -3.0}, {3, 1});
  EXPECT_NEAR(tg::est::nll(g, x).item<double>(), -tg::mean(g.log_prob(x)).item<double>(), 1e-15);
}

// nll is convex near the optimum in (μ, log σ) with Hessian diag(1/σ², 2): full-batch
// gradient descent converges linearly, and at ‖∇‖ < 1e-10 the parameters are within
// ‖∇‖/λ_min ≈ 1e-10·σ² of the optimum, far inside the 1e-8 asserted. The 1/N variance
// differs from the 1/(N−1) one by a factor 1 − 1/500, which 1e-8 resolves.
TEST(Mle, DiagonalGaussianIsTheSampleMeanAndTheOneOverNVariance) {
  tg::Generator gen(3);
  tg::Tensor x = tg::randn({500, 2}, gen, tg::kFloat64) * vec({0.8, 1.5}) + vec({1.0, -2.0});
  tg::est::DiagonalGaussian model(2, tg::kFloat64);
  tg::optim::SGD opt(model.parameters(), {.lr = 0.3});
  ASSERT_LT(minimise_nll(model, x, opt, 400), 1e-10);
  const auto mean = tg::mean(x, {0}).to_vector<double>();
  const auto var = tg::var(x, {0}, 0).to_vector<double>();
  const auto mu = model.mean.to_vector<double>(), log_sd = model.log_std.to_vector<double>();
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(mu[i], mean[i], 1e-8);
    EXPECT_NEAR(std::exp(2 * log_sd[i]), var[i], 1e-8);
  }
}

// The same for the full-covariance model (through its Cholesky parameterisation):
// mean and covariance() equal the sample mean and the 1/N sample covariance.
TEST(Mle, FullCovarianceGaussianIsTheSampleMeanAndTheOneOverNCovariance) {
  tg::Generator gen(4);
  const int64_t n = 400;
  tg::Tensor l =
      tg::from_vector(std::vector<double>{1.0, 0, 0, 0.6, 0.8, 0, -0.4, 0.3, 0.7}, {3, 3});
  tg::Tensor x = tg::matmul(tg::randn({n, 3}, gen, tg::kFloat64), l.t()) + vec({0.5, -1.0, 2.0});
  tg::est::FullCovarianceGaussian model(3, tg::kFloat64);
  tg::optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
  ASSERT_LT(minimise_nll(model, x, opt, 600), 1e-10);
  const tg::Tensor centred = x - tg::mean(x, {0});
  const auto cov = (tg::matmul(centred.t(), centred) / static_cast<double>(n)).to_vector<double>();
  const auto mean = tg::mean(x, {0}).to_vector<double>();
  const auto fitted = model.covariance().to_vector<double>();
  const auto mu = model.mean.to_vector<double>();
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(mu[i], mean[i], 1e-8);
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(fitted[i], cov[i], 1e-8) << i;
}

// Data from 0.3·N(−2, 0.5²) + 0.7·N(2, 1), n = 2,000; fitted from weights ½, ½, means ∓1,
// unit scales. The components overlap by < 1e-4 of their mass, so the MLE's standard errors
// are the complete-data ones: σ_k/√(n π_k) for μ_k, σ_k/√(2 n π_k) for σ_k and
// √(π(1 − π)/n) for the weight (the smallest, for σ_0, is 0.014). Each estimate within 5 of
// them, after the optimiser has converged: ‖∇nll‖ < 1e-4 bounds the optimisation error by
// ‖∇‖/λ_min(H) ≈ 1e-4/0.21 = 5e-4 (λ_min ≈ π(1 − π), the logit's information), under a
// twentieth of the smallest standard error.
TEST(Mle, TwoComponentMixtureRecoversItsParameters) {
  const double w0 = 0.3;
  const int64_t n = 2000;
  tg::est::GaussianMixture truth({w0, 1 - w0}, tg::from_vector(std::vector<double>{-2, 2}, {2, 1}),
                                 tg::from_vector(std::vector<double>{0.5, 1.0}, {2, 1}));
  tg::Generator gen(10);
  tg::Tensor x = truth.sample(n, gen);
  tg::est::GaussianMixture model({0.5, 0.5}, tg::from_vector(std::vector<double>{-1, 1}, {2, 1}),
                                 tg::from_vector(std::vector<double>{1.0, 1.0}, {2, 1}));
  tg::optim::Adam adam(model.parameters(), {.lr = 0.05});
  minimise_nll(model, x, adam, 100);
  tg::optim::SGD sgd(model.parameters(), {.lr = 0.2, .momentum = 0.9});
  ASSERT_LT(minimise_nll(model, x, sgd, 100), 1e-4);
  const double w_fit = std::exp(model.log_weights().to_vector<double>()[0]);
  const auto mu = model.means.to_vector<double>(), log_sd = model.log_std.to_vector<double>();
  const std::vector<double> true_mu{-2, 2}, true_sd{0.5, 1.0}, pi{w0, 1 - w0};
  const auto nd = static_cast<double>(n);
  EXPECT_NEAR(w_fit, w0, 5 * std::sqrt(w0 * (1 - w0) / nd));
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_NEAR(mu[k], true_mu[k], 5 * true_sd[k] / std::sqrt(nd * pi[k])) << k;
    EXPECT_NEAR(std::exp(log_sd[k]), true_sd[k], 5 * true_sd[k] / std::sqrt(2 * nd * pi[k])) << k;
  }
}

// gradcheck needs the loss as a function of fresh parameter tensors: each model's public
// parameter handles are pointed at them before nll is evaluated.
TEST(Mle, NllOfEveryModelPassesGradcheck) {
  tg::Generator gen(14);
  tg::Tensor x2 = tg::randn({4, 2}, gen, tg::kFloat64);
  {
    tg::est::DiagonalGaussian m(vec({0.2, -0.1}), vec({1.3, 0.7}));
    auto f = [&](const tg::TensorList& p) {
      m.mean = p[0];
      m.log_std = p[1];
      return tg::est::nll(m, x2);
    };
    auto r = tg::gradcheck(f, {m.mean, m.log_std});
    EXPECT_TRUE(r) << "DiagonalGaussian: " << r.message;
  }
  {
    tg::est::FullCovarianceGaussian m(2, tg::kFloat64);
    m.raw.copy_(tg::randn({2, 2}, gen, tg::kFloat64) * 0.5);
    m.mean.copy_(tg::randn({2}, gen, tg::kFloat64));
    auto f = [&](const tg::TensorList& p) {
      m.mean = p[0];
      m.raw = p[1];
      return tg::est::nll(m, x2);
    };
    auto r = tg::gradcheck(f, {m.mean, m.raw});
    EXPECT_TRUE(r) << "FullCovarianceGaussian: " << r.message;
  }
  {
    tg::est::GaussianMixture m(3, 2, gen, tg::kFloat64);
    m.logits.copy_(tg::randn({3}, gen, tg::kFloat64));
    m.log_std.copy_(tg::randn({3, 2}, gen, tg::kFloat64) * 0.3);
    auto f = [&](const tg::TensorList& p) {
      m.logits = p[0];
      m.means = p[1];
      m.log_std = p[2];
      return tg::est::nll(m, x2);
    };
    auto r = tg::gradcheck(f, {m.logits, m.means, m.log_std});
    EXPECT_TRUE(r) << "GaussianMixture: " << r.message;
  }
  {
    tg::est::CouplingFlow m(2, 2, gen,
                            {.hidden = {4},
                             .activation = tg::nn::Activation::Tanh,
                             .zero_init = false,
                             .dtype = tg::kFloat64});
    std::vector<tg::Tensor*> handles;
    for (const auto& layer : m.layers())
      for (const auto& linear : layer->net()->linears()) {
        handles.push_back(&linear->weight);
        handles.push_back(&linear->bias);
      }
    tg::TensorList start;
    for (tg::Tensor* h : handles) start.push_back(*h);
    auto f = [&](const tg::TensorList& p) {
      for (size_t i = 0; i < handles.size(); ++i) *handles[i] = p[i];
      return tg::est::nll(m, x2);
    };
    auto r = tg::gradcheck(f, start);
    EXPECT_TRUE(r) << "CouplingFlow: " << r.message;
  }
}

TEST(Mle, EmptyOrMalformedDataIsNamed) {
  tg::est::DiagonalGaussian g(2, tg::kFloat64);
  try {
    tg::est::nll(g, tg::zeros({0, 2}, tg::kFloat64));
    ADD_FAILURE() << "no exception";
  } catch (const tg::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()), "nll: expected data of shape [B, 2] with B > 0, got [0, 2]");
  }
  EXPECT_THROW(tg::est::nll(g, tg::zeros({2}, tg::kFloat64)), tg::ShapeError);
}

}  // namespace

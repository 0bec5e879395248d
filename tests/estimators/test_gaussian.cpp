// Gaussian models: log-densities against closed forms, sample moments, module wiring and
// bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "../nn/module_gradcheck.hpp"
#include "../nn/temp_dir.hpp"
#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/gaussian.hpp"
#include "tapegrad/nn/checkpoint.hpp"

namespace {

const double kLog2Pi = std::log(2 * std::numbers::pi);

tg::Tensor vec(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tg::from_vector(v, {n});
}

template <class F>
std::string error_message(F f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no exception";
}

TEST(DiagonalGaussian, LogProbClosedForm) {
  tg::est::DiagonalGaussian g(vec({0.5, -1.0}), vec({2.0, 0.5}));
  tg::Tensor x = tg::from_vector(std::vector<double>{0, 0, 1.5, -2, -3, 4}, {3, 2});
  const auto lp = g.log_prob(x).to_vector<double>();
  const auto xv = x.to_vector<double>();
  for (size_t i = 0; i < 3; ++i) {
    const double z0 = (xv[2 * i] - 0.5) / 2.0, z1 = (xv[2 * i + 1] + 1.0) / 0.5;
    const double expected = -0.5 * (z0 * z0 + z1 * z1) - std::log(2.0) - std::log(0.5) - kLog2Pi;
    EXPECT_NEAR(lp[i], expected, 1e-12) << i;
  }
  EXPECT_EQ(g.dim(), 2);
  EXPECT_NEAR(g.forward(x).to_vector<double>()[1], lp[1], 0.0);
}

// N(μ, LLᵀ) in 2-D, Σ and its inverse written out.
TEST(FullCovarianceGaussian, LogProbClosedForm) {
  const double l00 = 1.5, l10 = 0.6, l11 = 0.8;
  tg::est::FullCovarianceGaussian g(vec({1.0, -0.5}),
                                    tg::from_vector(std::vector<double>{l00, 0, l10, l11}, {2, 2}));
  const double s00 = l00 * l00, s01 = l00 * l10, s11 = l10 * l10 + l11 * l11;
  const double det = s00 * s11 - s01 * s01;
  const auto cov = g.covariance().to_vector<double>();
  EXPECT_NEAR(cov[0], s00, 1e-14);
  EXPECT_NEAR(cov[1], s01, 1e-14);
  EXPECT_NEAR(cov[2], s01, 1e-14);
  EXPECT_NEAR(cov[3], s11, 1e-14);
  const std::vector<double> xs{0.3, 2.0, -1.0, -1.0, 4.0, 0.0};
  const auto lp = g.log_prob(tg::from_vector(xs, {3, 2})).to_vector<double>();
  for (size_t i = 0; i < 3; ++i) {
    const double d0 = xs[2 * i] - 1.0, d1 = xs[2 * i + 1] + 0.5;
    const double q = (s11 * d0 * d0 - 2 * s01 * d0 * d1 + s00 * d1 * d1) / det;
    EXPECT_NEAR(lp[i], -0.5 * q - 0.5 * std::log(det) - kLog2Pi, 1e-12) << i;
  }
}

// Any raw parameter gives a valid factor: strictly lower part kept, diagonal exp(raw_dd),
// upper part ignored.
TEST(FullCovarianceGaussian, RawParameterMapsToACholeskyFactor) {
  tg::est::FullCovarianceGaussian g(2, tg::kFloat64);
  g.raw.copy_(tg::from_vector(std::vector<double>{-1.0, 7.0, 0.25, 0.5}, {2, 2}));
  const auto l = g.scale_tril().to_vector<double>();
  EXPECT_NEAR(l[0], std::exp(-1.0), 1e-15);
  EXPECT_EQ(l[1], 0.0);
  EXPECT_EQ(l[2], 0.25);
  EXPECT_NEAR(l[3], std::exp(0.5), 1e-15);
}

// 3-D, n = 20,000 samples. The sample mean's coordinate i has standard error sqrt(Σ_ii/n);
// the sample covariance's entry (i, j) has variance (Σ_ii Σ_jj + Σ_ij²)/n for Gaussian
// data. Every entry within 5 standard errors.
TEST(FullCovarianceGaussian, SamplesHaveTheModelsMoments) {
  tg::est::FullCovarianceGaussian g(
      vec({1.0, -2.0, 0.5}),
      tg::from_vector(std::vector<double>{1.0, 0, 0, -0.5, 0.7, 0, 0.3, 0.2, 0.4}, {3, 3}));
  const int64_t n = 20000;
  tg::Generator gen(5);
  tg::Tensor x = g.sample(n, gen);
  ASSERT_EQ(x.shape(), (tg::Shape{n, 3}));
  const auto sigma = g.covariance().to_vector<double>();
  const auto mean = tg::mean(x, {0}).to_vector<double>();
  const tg::Tensor centred = x - tg::mean(x, {0});
  const auto cov = (tg::matmul(centred.t(), centred) / static_cast<double>(n)).to_vector<double>();
  const std::vector<double> mu{1.0, -2.0, 0.5};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(mean[i], mu[i], 5 * std::sqrt(sigma[i * 4] / n)) << i;
    for (size_t j = 0; j < 3; ++j) {
      const double s_ij = sigma[i * 3 + j];
      EXPECT_NEAR(cov[i * 3 + j], s_ij,
                  5 * std::sqrt((sigma[i * 4] * sigma[j * 4] + s_ij * s_ij) / n))
          << i << "," << j;
    }
  }
}

// Same for the diagonal model: mean within 5·σ/√n, variance within 5·σ²·sqrt(2/n).
TEST(DiagonalGaussian, SamplesHaveTheModelsMoments) {
  tg::est::DiagonalGaussian g(vec({-1.0, 3.0}), vec({0.5, 2.0}));
  const int64_t n = 20000;
  tg::Generator gen(6);
  tg::Tensor x = g.sample(n, gen);
  const auto mean = tg::mean(x, {0}).to_vector<double>();
  const auto var = tg::var(x, {0}, 0).to_vector<double>();
  const std::vector<double> mu{-1.0, 3.0}, sd{0.5, 2.0};
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(mean[i], mu[i], 5 * sd[i] / std::sqrt(n));
    EXPECT_NEAR(var[i], sd[i] * sd[i], 5 * sd[i] * sd[i] * std::sqrt(2.0 / n));
  }
}

TEST(Gaussians, AreModulesWithNamedParameters) {
  tg::est::DiagonalGaussian diag(3);
  tg::est::FullCovarianceGaussian full(3);
  std::vector<std::string> names;
  for (const auto& [name, t] : diag.named_parameters()) names.push_back(name);
  for (const auto& [name, t] : full.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"mean", "log_std", "mean", "raw"}));
  EXPECT_TRUE(diag.mean.requires_grad());
  full.to(tg::kFloat64);
  EXPECT_EQ(full.log_prob(tg::zeros({1, 3}, tg::kFloat64)).dtype(), tg::kFloat64);
}

// log_prob's gradients in the input (the score) and in every parameter, in float64.
TEST(Gaussians, LogProbPassesModuleGradcheck) {
  tg::Generator gen(15);
  tg::Tensor x = tg::randn({4, 3}, gen, tg::kFloat64);
  tg::est::DiagonalGaussian diag(vec({0.1, -0.3, 0.5}), vec({0.7, 1.2, 2.0}));
  EXPECT_TRUE(tg::testing::module_gradcheck(diag, x));
  tg::est::FullCovarianceGaussian full(3, tg::kFloat64);
  full.raw.copy_(tg::randn({3, 3}, gen, tg::kFloat64) * 0.5);
  full.mean.copy_(tg::randn({3}, gen, tg::kFloat64));
  EXPECT_TRUE(tg::testing::module_gradcheck(full, x));
}

// A model saved and loaded into a fresh one gives the same density.
TEST(Gaussians, CheckpointRoundTrip) {
  tg::testing::TempDir dir;
  tg::Generator gen(16);
  tg::est::FullCovarianceGaussian trained(2, tg::kFloat64);
  trained.raw.copy_(tg::randn({2, 2}, gen, tg::kFloat64));
  trained.mean.copy_(tg::randn({2}, gen, tg::kFloat64));
  tg::nn::save(trained, dir.file("g.npz"));
  tg::est::FullCovarianceGaussian fresh(2, tg::kFloat64);
  tg::nn::load(fresh, dir.file("g.npz"));
  tg::Tensor x = tg::randn({5, 2}, gen, tg::kFloat64);
  EXPECT_EQ(fresh.log_prob(x).to_vector<double>(), trained.log_prob(x).to_vector<double>());
}

TEST(Gaussians, BadInputIsNamed) {
  tg::est::FullCovarianceGaussian full(3);
  EXPECT_THROW(full.log_prob(tg::zeros({4, 2})), tg::ShapeError);
  EXPECT_EQ(error_message([&] {
              full.log_prob(tg::zeros({4, 2}));
            }),
            "FullCovarianceGaussian::log_prob: expected events of shape [B, 3], got [4, 2]");
  EXPECT_THROW(full.log_prob(tg::zeros({4, 3}, tg::kFloat64)), tg::DtypeError);
  EXPECT_THROW(tg::est::DiagonalGaussian(vec({0.0}), vec({0.0})), tg::ValueError);
  EXPECT_EQ(error_message([] {
              tg::est::DiagonalGaussian(vec({0.0, 1.0}), vec({1.0, -2.0}));
            }),
            "DiagonalGaussian: stddev must be positive, got -2");
  EXPECT_THROW(tg::est::DiagonalGaussian(vec({0.0, 1.0}), vec({1.0})), tg::ShapeError);
  const tg::Tensor upper = tg::from_vector(std::vector<double>{1, 0.5, 0, 1}, {2, 2});
  EXPECT_EQ(error_message([&] {
              tg::est::FullCovarianceGaussian(vec({0.0, 0.0}), upper);
            }),
            "FullCovarianceGaussian: scale_tril[0, 1] = 0.5; expected a lower-triangular L");
  const tg::Tensor singular = tg::from_vector(std::vector<double>{1, 0, 0.5, 0}, {2, 2});
  EXPECT_EQ(error_message([&] {
              tg::est::FullCovarianceGaussian(vec({0.0, 0.0}), singular);
            }),
            "FullCovarianceGaussian: scale_tril[1, 1] = 0; expected a positive diagonal");
  EXPECT_THROW(tg::est::FullCovarianceGaussian(vec({0.0, 0.0}), tg::eye(3, tg::kFloat64)),
               tg::ShapeError);
  tg::Generator gen(0);
  EXPECT_THROW(full.sample(0, gen), tg::ValueError);
  EXPECT_THROW(tg::est::DiagonalGaussian(0), tg::ValueError);
}

}  // namespace

// Noise-contrastive estimation of energy-based models: est-mle's nce_loss, with a learned
// log-normaliser, fits 1-D and 2-D Gaussian energies (the same models CD fits).
#include <gtest/gtest.h>

#include <cmath>

#include "ebm_test_helpers.hpp"
#include "tapegrad/estimators/gaussian.hpp"
#include "tapegrad/estimators/nce.hpp"

namespace {

using tg::Tensor;

// Noise = the data law and ν = 4: NCE's asymptotic covariance is then (1 + 1/ν) times
// maximum likelihood's (Gutmann & Hyvärinen 2012, Corollary 7), so the moment tolerances
// of expect_fits are inflated by √(1 + 1/ν).
constexpr double kNu = 4;

tgtest::EbmLoss nce_loss(const Tensor& c, const tg::est::Distribution& noise) {
  return [&noise, c](const tg::est::Energy& e, const Tensor& x, tg::Generator& gen) {
    return tg::est::nce_loss(e, c, x, noise, kNu, gen);
  };
}

TEST(EbmNce, NceWithALearnedNormaliserFitsOneAndTwoDimensionalGaussianEnergies) {
  const double inflation = std::sqrt(1 + 1 / kNu);
  {
    const Tensor l = tg::full({1, 1}, 0.5, tg::kFloat64), m = tg::full({1}, 2.0, tg::kFloat64);
    const tg::est::DiagonalGaussian noise(m, tg::full({1}, 0.5, tg::kFloat64));
    tgtest::GaussianEbm ebm(1);
    Tensor c = tg::zeros({1}, tg::kFloat64).requires_grad_();
    auto [mean, cov] = tgtest::fit_gaussian_ebm(ebm, {c}, l, m, nce_loss(c, noise), 256, 1500, 100);
    tgtest::expect_fits(mean, cov, {2.0}, {0.25}, 256, inflation, "NCE, 1-D");
  }
  const double l10 = 0.5, l11 = std::sqrt(0.8 - 0.25);  // Σ = L Lᵀ = [[1, 0.5], [0.5, 0.8]]
  const Tensor l = tg::from_vector(std::vector<double>{1, 0, l10, l11}, {2, 2});
  const Tensor m = tg::from_vector(std::vector<double>{1, -1}, {2});
  const tg::est::FullCovarianceGaussian noise(m, l);
  tgtest::GaussianEbm ebm(2);
  Tensor c = tg::zeros({1}, tg::kFloat64).requires_grad_();
  auto [mean, cov] = tgtest::fit_gaussian_ebm(ebm, {c}, l, m, nce_loss(c, noise), 256, 1500, 100);
  tgtest::expect_fits(mean, cov, {1, -1}, {1, 0.5, 0.5, 0.8}, 256, inflation, "NCE, 2-D");
}

}  // namespace

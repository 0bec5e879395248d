// Contrastive divergence (CD-k and persistent) fits 1-D and 2-D Gaussian energies; the
// surrogate loss passes gradcheck; determinism; bad input.
#include <gtest/gtest.h>

#include <cmath>

#include <memory>
#include "ebm_test_helpers.hpp"
#include "tapegrad/estimators/contrastive_divergence.hpp"

namespace {

using tg::Tensor;

enum class Chains { FromData, Persistent };

/// CD-10 with MALA chains, from the data or from a replay buffer.
tgtest::EbmLoss cd_loss(Chains chains, int64_t d, int64_t batch) {
  const tg::est::LangevinOptions chain{.step_size = 0.02, .steps = 10, .metropolis = true};
  tg::Generator init_gen(11);
  auto buffer = std::make_shared<tg::est::ReplayBuffer>(
      4 * batch,
      [d](int64_t n, tg::Generator& g) {
        return tg::randn({n, d}, g, tg::kFloat64);
      },
      init_gen, 0.05);
  return [=](const tg::est::Energy& e, const Tensor& x, tg::Generator& gen) {
    return chains == Chains::FromData
               ? tg::est::contrastive_divergence(e, x, gen, chain)
               : tg::est::persistent_contrastive_divergence(e, x, *buffer, gen, chain);
  };
}

TEST(ContrastiveDivergence, CdAndPersistentCdFitAOneDimensionalGaussian) {
  const Tensor l = tg::full({1, 1}, 0.5, tg::kFloat64), m = tg::full({1}, 2.0, tg::kFloat64);
  for (Chains chains : {Chains::FromData, Chains::Persistent}) {
    tgtest::GaussianEbm ebm(1);
    auto [mean, cov] =
        tgtest::fit_gaussian_ebm(ebm, {}, l, m, cd_loss(chains, 1, 256), 256, 400, 100);
    tgtest::expect_fits(mean, cov, {2.0}, {0.25}, 256, 1.0,
                        chains == Chains::FromData ? "CD-10" : "PCD");
  }
}

TEST(ContrastiveDivergence, CdFitsATwoDimensionalGaussian) {
  // Σ = L Lᵀ = [[1, 0.5], [0.5, 0.8]]
  const double l10 = 0.5, l11 = std::sqrt(0.8 - 0.25);
  const Tensor l = tg::from_vector(std::vector<double>{1, 0, l10, l11}, {2, 2});
  const Tensor m = tg::from_vector(std::vector<double>{1, -1}, {2});
  tgtest::GaussianEbm ebm(2);
  auto [mean, cov] =
      tgtest::fit_gaussian_ebm(ebm, {}, l, m, cd_loss(Chains::FromData, 2, 256), 256, 500, 100);
  tgtest::expect_fits(mean, cov, {1, -1}, {1, 0.5, 0.5, 0.8}, 256, 1.0, "CD-10, 2-D");
}

// The chain is not differentiated (its samples are held fixed by definition): the
// estimator's differentiable part is the surrogate loss on given negatives.
TEST(ContrastiveDivergence, SurrogateLossPassesGradcheckAndHasTheClosedForm) {
  const tgtest::MlpEnergy net(2, 4, 12);
  tg::Generator gen(13);
  const Tensor data = tg::randn({5, 2}, gen, tg::kFloat64);
  const Tensor negatives = tg::randn({7, 2}, gen, tg::kFloat64);
  auto r = tg::gradcheck(
      [&](const tg::TensorList& p) {
        return tg::est::contrastive_divergence_loss(
            [&](const Tensor& x) { return tgtest::MlpEnergy::apply(x, p); }, data, negatives);
      },
      net.params());
  EXPECT_TRUE(r) << r.message;
  const double expected = tg::mean(net.energy()(data)).item<double>() -
                          tg::mean(net.energy()(negatives)).item<double>();
  EXPECT_NEAR(tg::est::contrastive_divergence_loss(net.energy(), data, negatives).item<double>(),
              expected, 1e-14);
}

TEST(ContrastiveDivergence, BitIdenticalAtOneAndTwoThreads) {
  const tgtest::MlpEnergy net(3, 16, 14);
  tg::Generator data_gen(15);
  const Tensor x = tg::randn({32, 3}, data_gen, tg::kFloat64);
  tgtest::expect_bit_identical_across_threads(net.params(), [&] {
    tg::Generator gen(16);
    return tg::est::contrastive_divergence(net.energy(), x, gen,
                                           {.step_size = 0.05, .steps = 5, .metropolis = true});
  });
  tgtest::expect_bit_identical_across_threads(net.params(), [&] {
    tg::Generator gen(17);
    tg::est::ReplayBuffer buffer(
        64,
        [](int64_t n, tg::Generator& g) {
          return tg::randn({n, 3}, g, tg::kFloat64);
        },
        gen);
    return tg::est::persistent_contrastive_divergence(net.energy(), x, buffer, gen,
                                                      {.step_size = 0.05, .steps = 5});
  });
}

TEST(ContrastiveDivergence, BadInputIsNamed) {
  const tgtest::MlpEnergy net(2, 4, 18);
  const Tensor x = tg::zeros({4, 2}, tg::kFloat64);
  std::string m = tgtest::error_message<tg::Error>([&] {
    tg::est::contrastive_divergence_loss(net.energy(), x, tg::zeros({4, 3}, tg::kFloat64));
  });
  EXPECT_NE(m.find("contrastive_divergence_loss: data [4, 2] and negatives [4, 3] must have the "
                   "same dimension D"),
            std::string::npos)
      << m;
  tg::Generator gen(19);
  m = tgtest::error_message<tg::Error>(
      [&] { tg::est::contrastive_divergence(net.energy(), x, gen, {.step_size = -1}); });
  EXPECT_NE(m.find("langevin: the step size must be > 0 and finite, got -1"), std::string::npos)
      << m;
}

}  // namespace

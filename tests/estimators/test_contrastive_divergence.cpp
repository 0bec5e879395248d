// Contrastive divergence (CD-k and persistent) fits 1-D and 2-D Gaussian energies; the
// surrogate loss passes gradcheck; determinism; bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "score_matching_helpers.hpp"
#include "tapegrad/estimators/contrastive_divergence.hpp"
#include "tapegrad/nn/optim/adam.hpp"

namespace {

using tg::Tensor;

/// E(x) = ½ ‖(x − μ) Pᵀ‖² per sample: a Gaussian with covariance (PᵀP)⁻¹.
struct GaussianEbm {
  Tensor mu, p;
  explicit GaussianEbm(int64_t d)
      : mu(tg::zeros({d}, tg::kFloat64).requires_grad_()),
        p(tg::eye(d, tg::kFloat64).requires_grad_()) {}
  tg::est::Energy energy() const {
    return [mu = mu, p = p](const Tensor& x) {
      Tensor c = tg::matmul(x - mu, tg::transpose(p, 0, 1));
      return (c * c).sum({1}) * 0.5;
    };
  }
  /// (PᵀP)⁻¹, row-major (D ≤ 2).
  std::vector<double> covariance() const {
    const auto v = p.to_vector<double>();
    if (mu.numel() == 1) return {1 / (v[0] * v[0])};
    const double a = v[0] * v[0] + v[2] * v[2], b = v[0] * v[1] + v[2] * v[3],
                 c = v[1] * v[1] + v[3] * v[3], det = a * c - b * b;
    return {c / det, -b / det, -b / det, a / det};
  }
};

enum class Chains { FromData, Persistent };

/// Trains `ebm` on fresh batches x = z Lᵀ + m (z ~ N(0, I)) and returns its mean and
/// covariance averaged over the last `average` steps.
std::pair<std::vector<double>, std::vector<double>> fit(GaussianEbm& ebm, const Tensor& l,
                                                        const Tensor& m, Chains chains,
                                                        int64_t batch, int steps, int average) {
  const int64_t d = m.numel();
  tg::Generator gen(11);
  tg::optim::Adam opt({ebm.mu, ebm.p}, {.lr = 0.02});
  const tg::est::LangevinOptions chain{.step_size = 0.02, .steps = 10, .metropolis = true};
  tg::est::ReplayBuffer buffer(
      4 * batch,
      [d](int64_t n, tg::Generator& g) {
        return tg::randn({n, d}, g, tg::kFloat64);
      },
      gen, 0.05);
  std::vector<double> mean(static_cast<size_t>(d)), cov(static_cast<size_t>(d * d));
  for (int step = 0; step < steps; ++step) {
    const Tensor x =
        tg::matmul(tg::randn({batch, d}, gen, tg::kFloat64), tg::transpose(l, 0, 1)) + m;
    Tensor loss =
        chains == Chains::FromData
            ? tg::est::contrastive_divergence(ebm.energy(), x, gen, chain)
            : tg::est::persistent_contrastive_divergence(ebm.energy(), x, buffer, gen, chain);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step >= steps - average) {
      const auto mu = ebm.mu.to_vector<double>();
      const auto c = ebm.covariance();
      for (size_t i = 0; i < mean.size(); ++i) mean[i] += mu[i] / average;
      for (size_t i = 0; i < cov.size(); ++i) cov[i] += c[i] / average;
    }
  }
  return {mean, cov};
}

// Tolerances: a batch of B data points estimates the mean to σᵢ/√B and a covariance entry
// to √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/B); the iterate averaged over the last steps (Polyak–Juditsky) is
// no noisier than one batch's estimate, so 5 of those standard errors. MALA chains leave
// the model exactly invariant, so CD-k has the data law as its fixed point.
void expect_fits(const std::vector<double>& mean, const std::vector<double>& cov,
                 const std::vector<double>& m, const std::vector<double>& sigma, int64_t batch,
                 const char* what) {
  const size_t d = m.size();
  for (size_t i = 0; i < d; ++i)
    EXPECT_NEAR(mean[i], m[i], 5 * std::sqrt(sigma[i * d + i] / double(batch))) << what;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      const double se =
          std::sqrt((sigma[i * d + i] * sigma[j * d + j] + sigma[i * d + j] * sigma[i * d + j]) /
                    double(batch));
      EXPECT_NEAR(cov[i * d + j], sigma[i * d + j], 5 * se) << what << " cov " << i << j;
    }
}

TEST(ContrastiveDivergence, CdAndPersistentCdFitAOneDimensionalGaussian) {
  const Tensor l = tg::full({1, 1}, 0.5, tg::kFloat64), m = tg::full({1}, 2.0, tg::kFloat64);
  for (Chains chains : {Chains::FromData, Chains::Persistent}) {
    GaussianEbm ebm(1);
    auto [mean, cov] = fit(ebm, l, m, chains, 256, 400, 100);
    expect_fits(mean, cov, {2.0}, {0.25}, 256, chains == Chains::FromData ? "CD-10" : "PCD");
  }
}

TEST(ContrastiveDivergence, CdFitsATwoDimensionalGaussian) {
  // Σ = L Lᵀ = [[1, 0.5], [0.5, 0.8]]
  const double l10 = 0.5, l11 = std::sqrt(0.8 - 0.25);
  const Tensor l = tg::from_vector(std::vector<double>{1, 0, l10, l11}, {2, 2});
  const Tensor m = tg::from_vector(std::vector<double>{1, -1}, {2});
  GaussianEbm ebm(2);
  auto [mean, cov] = fit(ebm, l, m, Chains::FromData, 256, 500, 100);
  expect_fits(mean, cov, {1, -1}, {1, 0.5, 0.5, 0.8}, 256, "CD-10, 2-D");
}

// The chain is not differentiated (its samples are held fixed by definition): the
// estimator's differentiable part is the surrogate loss on given negatives.
TEST(ContrastiveDivergence, SurrogateLossPassesGradcheckAndHasTheClosedForm) {
  const tg::test::MlpEnergy net(2, 4, 12);
  tg::Generator gen(13);
  const Tensor data = tg::randn({5, 2}, gen, tg::kFloat64);
  const Tensor negatives = tg::randn({7, 2}, gen, tg::kFloat64);
  auto r = tg::gradcheck(
      [&](const tg::TensorList& p) {
        return tg::est::contrastive_divergence_loss(
            [&](const Tensor& x) { return tg::test::MlpEnergy::apply(x, p); }, data, negatives);
      },
      net.params());
  EXPECT_TRUE(r) << r.message;
  const double expected = tg::mean(net.energy()(data)).item<double>() -
                          tg::mean(net.energy()(negatives)).item<double>();
  EXPECT_NEAR(tg::est::contrastive_divergence_loss(net.energy(), data, negatives).item<double>(),
              expected, 1e-14);
}

TEST(ContrastiveDivergence, BitIdenticalAtOneAndTwoThreads) {
  const tg::test::MlpEnergy net(3, 16, 14);
  tg::Generator data_gen(15);
  const Tensor x = tg::randn({32, 3}, data_gen, tg::kFloat64);
  tg::test::expect_bit_identical_across_threads(net.params(), [&] {
    tg::Generator gen(16);
    return tg::est::contrastive_divergence(net.energy(), x, gen,
                                           {.step_size = 0.05, .steps = 5, .metropolis = true});
  });
  tg::test::expect_bit_identical_across_threads(net.params(), [&] {
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
  const tg::test::MlpEnergy net(2, 4, 18);
  const Tensor x = tg::zeros({4, 2}, tg::kFloat64);
  std::string m = tg::test::error_message([&] {
    tg::est::contrastive_divergence_loss(net.energy(), x, tg::zeros({4, 3}, tg::kFloat64));
  });
  EXPECT_NE(m.find("contrastive_divergence_loss: data [4, 2] and negatives [4, 3] must have the "
                   "same dimension D"),
            std::string::npos)
      << m;
  tg::Generator gen(19);
  m = tg::test::error_message(
      [&] { tg::est::contrastive_divergence(net.energy(), x, gen, {.step_size = -1}); });
  EXPECT_NE(m.find("langevin: the step size must be > 0 and finite, got -1"), std::string::npos)
      << m;
}

}  // namespace

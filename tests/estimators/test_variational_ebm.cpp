// Adversarial EBM training with a variational flow sampler: the bound's closed forms on a
// Gaussian energy (tight when the flow is the model, above the log-likelihood otherwise),
// the energy step as CD with the flow's samples, gradients, determinism, bad input, and the
// game fitting a 2-D Gaussian.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "ebm_test_helpers.hpp"
#include "tapegrad/estimators/contrastive_divergence.hpp"
#include "tapegrad/estimators/variational_ebm.hpp"

namespace {

using tg::Tensor;

/// A flow that starts as the identity (zero-initialised couplings): q = N(0, I).
tg::est::CouplingFlow identity_flow(uint64_t seed) {
  tg::Generator gen(seed);
  return tg::est::CouplingFlow(2, 2, gen, {.hidden = {8}, .dtype = tg::kFloat64});
}

/// E = ‖x‖²/(2s²): p_θ = N(0, s²I), log Z = D log(s√(2π)).
tg::est::Energy isotropic(double s) {
  return [s](const Tensor& x) { return (x * x).sum({1}) / (2 * s * s); };
}

// With q = N(0, I) and p_θ = N(0, s²I) in D = 2: E_q[E] − H(q) = D/(2s²) − (D/2)(1 + log 2π),
// and U − mean log p_θ(data) = KL(q ‖ p_θ) = (D/2)(1/s² − 1 + log s²) ≥ 0, zero at s = 1.
// The sample means over n = 20,000 flow draws have standard errors from the per-sample
// terms' variances: Var(E(y) + log q(y)) = Var(‖y‖²(1/(2s²) − ½)) = 2D(1/(2s²) − ½)²; the
// test allows 5 of them (the data terms are computed on fixed data and cancel in U − ℓ).
TEST(VariationalEbm, TheBoundIsTightAtTheModelAndAboveTheLikelihoodElsewhere) {
  const auto flow = identity_flow(1);
  const int64_t n = 20000, d = 2;
  tg::Generator gen(2);
  const Tensor data = tg::randn({n, d}, gen, tg::kFloat64);
  for (double s : {1.0, 0.7, 1.6}) {
    const auto losses = tg::est::variational_ebm_losses(isotropic(s), flow, data, gen);
    const double log_z = d * std::log(s * std::sqrt(2 * std::numbers::pi));
    const double log_lik =
        -tg::mean(isotropic(s)(data)).item<double>() - log_z;  // mean log p_θ(data)
    const double kl = d / 2.0 * (1 / (s * s) - 1 + std::log(s * s));
    const double se = std::sqrt(2.0 * d) * std::abs(1 / (2 * s * s) - 0.5) / std::sqrt(double(n));
    const double expected = d / (2 * s * s) - d / 2.0 * (1 + std::log(2 * std::numbers::pi));
    EXPECT_NEAR(losses.sampler_loss.item<double>(), expected, 5 * se + 1e-12) << s;
    EXPECT_NEAR(losses.bound.item<double>() - log_lik, kl, 5 * se + 1e-12) << s;
    if (s == 1.0) {  // q = p_θ exactly
      EXPECT_NEAR(losses.bound.item<double>(), log_lik, 1e-12);
    }
  }
}

TEST(VariationalEbm, EnergyStepIsContrastiveDivergenceWithTheFlowsSamples) {
  const auto flow = identity_flow(3);
  const tgtest::MlpEnergy net(2, 8, 4);
  tg::Generator data_gen(5);
  const Tensor data = tg::randn({16, 2}, data_gen, tg::kFloat64);
  tg::Generator a(6), b(6);
  const auto losses = tg::est::variational_ebm_losses(net.energy(), flow, data, a);
  const Tensor y = flow.from_base(tg::randn(data.shape(), b, tg::kFloat64));
  EXPECT_EQ(losses.energy_loss.item<double>(),
            tg::est::contrastive_divergence_loss(net.energy(), data, y).item<double>());
}

TEST(VariationalEbm, LossesPassGradcheckInTheEnergyAndTheFlow) {
  tg::Generator flow_gen(7);
  tg::est::CouplingFlow flow(2, 2, flow_gen,
                             {.hidden = {8}, .zero_init = false, .dtype = tg::kFloat64});
  const tgtest::MlpEnergy net(2, 4, 8);
  tg::Generator data_gen(9);
  const Tensor data = tg::randn({5, 2}, data_gen, tg::kFloat64);
  auto losses = [&](const tg::TensorList& p) {
    tg::Generator gen(10);
    return tg::est::variational_ebm_losses(
        [p](const Tensor& x) { return tgtest::MlpEnergy::apply(x, p); }, flow, data, gen);
  };
  auto r =
      tg::gradcheck([&](const tg::TensorList& p) { return losses(p).energy_loss; }, net.params());
  EXPECT_TRUE(r) << "energy loss: " << r.message;
  r = tg::gradcheck([&](const tg::TensorList& p) { return losses(p).sampler_loss; }, net.params());
  EXPECT_TRUE(r) << "sampler loss in the energy: " << r.message;
  EXPECT_TRUE(tgtest::flow_gradcheck(flow, [&] { return losses(net.params()).sampler_loss; }));
}

TEST(VariationalEbm, BitIdenticalAtOneAndTwoThreadsAndBadInputIsNamed) {
  const auto flow = identity_flow(11);
  const tgtest::MlpEnergy net(2, 16, 12);
  tg::Generator data_gen(13);
  const Tensor data = tg::randn({64, 2}, data_gen, tg::kFloat64);
  tgtest::expect_bit_identical_across_threads(net.params(), [&] {
    tg::Generator gen(14);
    return tg::est::variational_ebm_losses(net.energy(), flow, data, gen).energy_loss;
  });
  tg::Generator gen(15);
  const std::string m = tgtest::error_message<tg::Error>([&] {
    tg::est::variational_ebm_losses(net.energy(), flow, tg::zeros({4, 3}, tg::kFloat64), gen);
  });
  EXPECT_NE(m.find("variational_ebm_losses: data [4, 3] does not match the flow's dimension 2"),
            std::string::npos)
      << m;
}

}  // namespace

// The game on 2-D Gaussian data: each step three flow updates on the sampler loss, then one
// energy update on the energy loss with the flow's samples. Affine couplings represent the
// Gaussian exactly, so at the equilibrium q = p_θ = p_data and the energy's step is the
// maximum-likelihood one; the fitted moments get the tolerances of the CD tests
// (tgtest::expect_fits).
TEST(VariationalEbm, TheGameFitsATwoDimensionalGaussian) {
  constexpr int kFlowSteps = 3;                         // keep q close to p_θ between energy steps
  const double l10 = 0.5, l11 = std::sqrt(0.8 - 0.25);  // Σ = L Lᵀ = [[1, 0.5], [0.5, 0.8]]
  const Tensor l = tg::from_vector(std::vector<double>{1, 0, l10, l11}, {2, 2});
  const Tensor m = tg::from_vector(std::vector<double>{1, -1}, {2});
  tg::Generator flow_gen(20);
  tg::est::CouplingFlow flow(2, 2, flow_gen, {.hidden = {16}, .dtype = tg::kFloat64});
  tg::optim::Adam opt_flow(flow.parameters(), {.lr = 0.01});
  tgtest::GaussianEbm ebm(2);
  tgtest::EbmLoss loss = [&](const tg::est::Energy& e, const Tensor& x, tg::Generator& gen) {
    for (int k = 0; k < kFlowSteps; ++k) {
      auto sampler = tg::est::variational_ebm_losses(e, flow, x, gen).sampler_loss;
      opt_flow.zero_grad();
      sampler.backward();
      opt_flow.step();
    }
    return tg::est::variational_ebm_losses(e, flow, x, gen).energy_loss;
  };
  auto [mean, cov] = tgtest::fit_gaussian_ebm(ebm, {}, l, m, loss, 256, 400, 100);
  tgtest::expect_fits(mean, cov, {1, -1}, {1, 0.5, 0.5, 0.8}, 256, 1.0, "variational EBM");
}

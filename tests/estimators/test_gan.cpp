// GAN costs against closed forms.
#include <gtest/gtest.h>

#include <cmath>

#include "tapegrad/autograd.hpp"
#include "tapegrad/estimators/gan.hpp"

namespace {

using tg::est::GeneratorCost;

TEST(GanCosts, DiscriminatorLossAtChanceIsTwoLogTwo) {
  tg::Tensor zero = tg::zeros({5}, tg::kFloat64);
  EXPECT_NEAR(tg::est::discriminator_loss(zero, zero).item<double>(), 2 * std::log(2.0), 1e-15);
}

TEST(GanCosts, DiscriminatorLossIsStableForHugeLogits) {
  tg::Tensor real = tg::full({3}, 1000.0, tg::kFloat32), fake = tg::full({3}, -1000.0);
  const float v = tg::est::discriminator_loss(real, fake).item<float>();
  EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(v, 0.0f, 1e-6f);
}

TEST(GanCosts, EachCostIsItsStatedFunction) {
  const std::vector<double> logits{-2.0, -0.5, 0.0, 1.5};
  tg::Tensor a = tg::from_vector(logits, {4});
  auto mean_of = [&](auto f) {
    double s = 0;
    for (double v : logits) s += f(v);
    return s / static_cast<double>(logits.size());
  };
  auto softplus = [](double v) { return std::log1p(std::exp(v)); };
  EXPECT_NEAR(tg::est::generator_cost(a, GeneratorCost::Minimax).item<double>(),
              mean_of([&](double v) { return -softplus(v); }), 1e-14);
  EXPECT_NEAR(tg::est::generator_cost(a, GeneratorCost::NonSaturating).item<double>(),
              mean_of([&](double v) { return softplus(-v); }), 1e-14);
  EXPECT_NEAR(tg::est::generator_cost(a, GeneratorCost::MaximumLikelihood).item<double>(),
              mean_of([](double v) { return -std::exp(v); }), 1e-14);
}

// Data N(0, 1), generator G(z) = z + θ so p_g = N(θ, 1). The optimal discriminator's logit
// is a*(x) = log p_data(x) − log p_g(x) = −θx + θ²/2. Holding it fixed, the ML cost's
// expected gradient in θ equals the MLE gradient E_data[∂(−log p_g)/∂θ] = θ, while the
// non-saturating cost's does not (its expected gradient is θ·E_{p_g}[σ(−a*)]).
TEST(GanCosts, MaximumLikelihoodCostRecoversTheMleGradient) {
  const double theta0 = 0.5;
  const int64_t n = 200000;
  tg::Generator gen(7);
  tg::Tensor z = tg::randn({n}, gen, tg::kFloat64);
  auto expected_grad = [&](GeneratorCost cost) {
    tg::Tensor theta = tg::full({1}, theta0, tg::kFloat64).requires_grad_();
    tg::Tensor x = z + theta;
    tg::Tensor logit = x * -theta0 + theta0 * theta0 / 2;  // a*(x), its weights fixed
    return tg::grad({tg::est::generator_cost(logit, cost)}, {theta})[0].item<double>();
  };
  // The estimate is a mean of n terms θ·exp(a*(x)); Var exp(a*) under p_g is e^{θ²} − 1,
  // so its standard error is θ·sqrt((e^{θ²} − 1)/n). Allow 5 standard errors.
  const double se = theta0 * std::sqrt((std::exp(theta0 * theta0) - 1) / static_cast<double>(n));
  EXPECT_NEAR(expected_grad(GeneratorCost::MaximumLikelihood), theta0, 5 * se);
  EXPECT_GT(std::abs(expected_grad(GeneratorCost::NonSaturating) - theta0), 0.1);
}

TEST(GanCosts, MixedDtypesAreRejected) {
  EXPECT_THROW(tg::est::discriminator_loss(tg::zeros({2}), tg::zeros({2}, tg::kFloat64)),
               tg::DtypeError);
}

}  // namespace

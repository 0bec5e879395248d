// GAN costs against closed forms.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

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

template <class F>
std::string error_message(F f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no exception";
}

TEST(GanCosts, MismatchedRealAndFakeBatchesAreNamed) {
  tg::Tensor real = tg::zeros({4, 1}), fake = tg::zeros({3, 1});
  EXPECT_THROW(tg::est::discriminator_loss(real, fake), tg::ShapeError);
  EXPECT_THROW(tg::est::wasserstein_critic_loss(real, fake), tg::ShapeError);
  for (const std::string loss : {"discriminator_loss", "wasserstein_critic_loss"}) {
    const std::string m = error_message([&] {
      if (loss == "discriminator_loss")
        tg::est::discriminator_loss(real, fake);
      else
        tg::est::wasserstein_critic_loss(real, fake);
    });
    for (const char* part :
         {"real scores are [4, 1]", "fake scores are [3, 1]", "expected the same shape"})
      EXPECT_NE(m.find(part), std::string::npos) << part << " not in: " << m;
    EXPECT_EQ(m.rfind(loss, 0), 0u) << m;
  }
}

// ---- Wasserstein losses ----------------------------------------------------------------

// A linear critic a(x) = w·x + b: the critic's loss is w·(x̄_fake − x̄_real) (b cancels) and
// its gradient in w is x̄_fake − x̄_real; the generator's loss is −(w·x̄_fake + b).
TEST(Wasserstein, LinearCriticClosedForm) {
  tg::Generator gen(2);
  tg::Tensor real = tg::randn({32, 2}, gen, tg::kFloat64, 1.0);
  tg::Tensor fake = tg::randn({32, 2}, gen, tg::kFloat64, -0.5);
  tg::Tensor w = tg::from_vector(std::vector<double>{0.7, -1.3}, {2, 1}).requires_grad_();
  tg::Tensor b = tg::full({1}, 0.4, tg::kFloat64).requires_grad_();
  auto critic = [&](const tg::Tensor& x) { return tg::matmul(x, w) + b; };
  const auto r = tg::mean(real, {0}).to_vector<double>(),
             f = tg::mean(fake, {0}).to_vector<double>();
  tg::Tensor loss = tg::est::wasserstein_critic_loss(critic(real), critic(fake));
  EXPECT_NEAR(loss.item<double>(), 0.7 * (f[0] - r[0]) - 1.3 * (f[1] - r[1]), 1e-13);
  auto g = tg::grad({loss}, {w, b});
  EXPECT_NEAR(g[0].to_vector<double>()[0], f[0] - r[0], 1e-13);
  EXPECT_NEAR(g[0].to_vector<double>()[1], f[1] - r[1], 1e-13);
  EXPECT_NEAR(g[1].item<double>(), 0.0, 1e-15);
  EXPECT_NEAR(tg::est::wasserstein_generator_loss(critic(fake)).item<double>(),
              -(0.7 * f[0] - 1.3 * f[1] + 0.4), 1e-13);
}

// Every GAN loss in float64 on a small game: a tanh critic and a shift generator
// G(z) = z + θ, differentiated in the critic's weights and θ together.
TEST(GanCosts, EveryLossPassesGradcheck) {
  tg::Generator gen(19);
  tg::Tensor real = tg::randn({5, 2}, gen, tg::kFloat64, 1.0);
  tg::Tensor z = tg::randn({5, 2}, gen, tg::kFloat64);
  tg::TensorList params{tg::randn({2, 3}, gen, tg::kFloat64).requires_grad_(),
                        tg::randn({3, 1}, gen, tg::kFloat64).requires_grad_(),
                        tg::randn({2}, gen, tg::kFloat64).requires_grad_()};
  auto scores = [&](const tg::TensorList& p, const tg::Tensor& x) {
    return tg::matmul(tg::tanh(tg::matmul(x, p[0])), p[1]);
  };
  using Loss = std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)>;
  const std::vector<std::pair<const char*, Loss>> losses{
      {"discriminator_loss", tg::est::discriminator_loss},
      {"minimax",
       [](auto&, auto& f) { return tg::est::generator_cost(f, GeneratorCost::Minimax); }},
      {"non-saturating",
       [](auto&, auto& f) { return tg::est::generator_cost(f, GeneratorCost::NonSaturating); }},
      {"maximum likelihood",
       [](auto&, auto& f) { return tg::est::generator_cost(f, GeneratorCost::MaximumLikelihood); }},
      {"wasserstein_critic_loss", tg::est::wasserstein_critic_loss},
      {"wasserstein_generator_loss",
       [](auto&, auto& f) { return tg::est::wasserstein_generator_loss(f); }},
  };
  for (const auto& [label, loss] : losses) {
    auto f = [&](const tg::TensorList& p) { return loss(scores(p, real), scores(p, z + p[2])); };
    auto r = tg::gradcheck(f, params);
    EXPECT_TRUE(r) << label << ": " << r.message;
  }
}

// ---- the optimal discriminator ---------------------------------------------------------

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<Vec3, 3>;

/// Solves H·x = g by Gaussian elimination with partial pivoting (H symmetric positive
/// definite here, 3×3).
Vec3 solve3(Mat3 h, Vec3 g) {
  for (size_t k = 0; k < 3; ++k) {
    size_t p = k;
    for (size_t i = k + 1; i < 3; ++i)
      if (std::abs(h[i][k]) > std::abs(h[p][k])) p = i;
    std::swap(h[k], h[p]);
    std::swap(g[k], g[p]);
    for (size_t i = k + 1; i < 3; ++i) {
      const double f = h[i][k] / h[k][k];
      for (size_t j = k; j < 3; ++j) h[i][j] -= f * h[k][j];
      g[i] -= f * g[k];
    }
  }
  Vec3 x{};
  for (size_t k = 3; k-- > 0;) {
    double s = g[k];
    for (size_t j = k + 1; j < 3; ++j) s -= h[k][j] * x[j];
    x[k] = s / h[k][k];
  }
  return x;
}

// Data N(μ_d, Σ) against N(μ_g, Σ) in 2-D. The optimal logit is linear,
//   a*(x) = (μ_d − μ_g)ᵀΣ⁻¹x − ½(μ_dᵀΣ⁻¹μ_d − μ_gᵀΣ⁻¹μ_g),
// so logistic training (discriminator_loss, minimised by Newton's method: it is convex in
// the logit's weights) of a(x) = wᵀx + b must recover it. The model is well specified, so
// the fitted (w, b) has asymptotic covariance H⁻¹ V H⁻¹ / n with V = H − 2mmᵀ ≼ H (the
// NCE-with-ν = 1 calculation; H is the loss's Hessian at the optimum): each coordinate is
// within 5·sqrt((H⁻¹)_jj / n) of a*'s, with H taken from autograd at the fit.
TEST(OptimalDiscriminator, LogisticTrainingRecoversTheLinearLogit) {
  const int64_t n = 20000;
  const double s00 = 1.0, s01 = 0.3, s11 = 0.5;  // Σ
  const std::array<double, 2> mu_d{1.0, 0.0}, mu_g{0.0, 1.0};
  tg::Generator gen(23);
  // x = μ + z·Lᵀ with L the Cholesky factor of Σ.
  const double l00 = std::sqrt(s00), l10 = s01 / l00, l11 = std::sqrt(s11 - l10 * l10);
  tg::Tensor lt = tg::from_vector(std::vector<double>{l00, l10, 0.0, l11}, {2, 2});
  tg::Tensor real = tg::matmul(tg::randn({n, 2}, gen, tg::kFloat64), lt) +
                    tg::from_vector(std::vector<double>{mu_d[0], mu_d[1]}, {2});
  tg::Tensor fake = tg::matmul(tg::randn({n, 2}, gen, tg::kFloat64), lt) +
                    tg::from_vector(std::vector<double>{mu_g[0], mu_g[1]}, {2});
  // Closed form.
  const double det = s00 * s11 - s01 * s01;
  auto sigma_inv = [&](std::array<double, 2> v) {
    return std::array<double, 2>{(s11 * v[0] - s01 * v[1]) / det, (-s01 * v[0] + s00 * v[1]) / det};
  };
  const auto w_star = sigma_inv({mu_d[0] - mu_g[0], mu_d[1] - mu_g[1]});
  const auto pd = sigma_inv(mu_d), pg = sigma_inv(mu_g);
  const double b_star =
      -0.5 * ((mu_d[0] * pd[0] + mu_d[1] * pd[1]) - (mu_g[0] * pg[0] + mu_g[1] * pg[1]));
  const Vec3 star{w_star[0], w_star[1], b_star};

  Vec3 theta{0, 0, 0};
  Mat3 h{};
  double grad_norm = 0;
  for (int it = 0; it < 25; ++it) {
    tg::Tensor p =
        tg::from_vector(std::vector<double>(theta.begin(), theta.end()), {3}).requires_grad_();
    auto logit = [&](const tg::Tensor& x) {
      return tg::matmul(x, tg::slice(p, 0, 0, 2).reshape({2, 1})) + tg::slice(p, 0, 2, 3);
    };
    tg::Tensor loss = tg::est::discriminator_loss(logit(real), logit(fake));
    tg::Tensor g = tg::grad({loss}, {p}, {.create_graph = true})[0];
    const auto gv = g.to_vector<double>();
    for (size_t r = 0; r < 3; ++r) {
      const auto row =
          tg::grad({tg::slice(g, 0, static_cast<int64_t>(r), static_cast<int64_t>(r) + 1)}, {p},
                   {.retain_graph = true})[0]
              .to_vector<double>();
      h[r] = {row[0], row[1], row[2]};
    }
    grad_norm = std::sqrt(gv[0] * gv[0] + gv[1] * gv[1] + gv[2] * gv[2]);
    if (grad_norm < 1e-13) break;
    const Vec3 step = solve3(h, {gv[0], gv[1], gv[2]});
    for (size_t j = 0; j < 3; ++j) theta[j] -= step[j];
  }
  ASSERT_LT(grad_norm, 1e-12);
  for (size_t j = 0; j < 3; ++j) {
    Vec3 e{};
    e[j] = 1;
    const double h_inv_jj = solve3(h, e)[j];
    EXPECT_NEAR(theta[j], star[j], 5 * std::sqrt(h_inv_jj / static_cast<double>(n))) << j;
  }
}

double normal_pdf(double x, double mean) {
  return std::exp(-0.5 * (x - mean) * (x - mean)) / std::sqrt(2 * std::numbers::pi);
}

/// ∫ f(x) dx by the trapezoid rule on [lo, hi] with `steps` intervals. For the smooth,
/// Gaussian-tailed integrands below on [−14, 14] with 5,600 intervals, the error is
/// spectrally small (the rule is exact to ~1e-15 for such integrands) and the truncation
/// below e^{-60}.
template <class F>
double trapezoid(F f, double lo = -14, double hi = 14, int steps = 5600) {
  const double h = (hi - lo) / steps;
  double s = 0.5 * (f(lo) + f(hi));
  for (int i = 1; i < steps; ++i) s += f(lo + i * h);
  return s * h;
}

// Data N(0, 1), generator N(1, 1): a*(x) = ½ − x. By quadrature,
//   V* = E_d log σ(a*) + E_g log σ(−a*) = −1.163451 and JSD = 0.111421 (to 6 decimals),
//   and V* = −log 4 + 2·JSD.
// Then −discriminator_loss at a* on n = 200,000 samples from each estimates V*: within 5
// standard errors sqrt(s_d²/n + s_g²/n) (s the sample standard deviations of the two terms).
TEST(OptimalDiscriminator, ValueIsMinusLogFourPlusTwoJsd) {
  auto sp = [](double t) { return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t)); };
  const double v_star = trapezoid([&](double x) {
    const double a = 0.5 - x;
    return -normal_pdf(x, 0) * sp(-a) - normal_pdf(x, 1) * sp(a);
  });
  const double jsd = trapezoid([&](double x) {
    const double p = normal_pdf(x, 0), q = normal_pdf(x, 1), m = 0.5 * (p + q);
    return 0.5 * p * std::log(p / m) + 0.5 * q * std::log(q / m);
  });
  EXPECT_NEAR(v_star, -1.163451, 5e-7);
  EXPECT_NEAR(jsd, 0.111421, 5e-7);
  EXPECT_NEAR(v_star, -std::log(4.0) + 2 * jsd, 1e-12);

  const int64_t n = 200000;
  tg::Generator gen(29);
  tg::Tensor a_real = 0.5 - tg::randn({n}, gen, tg::kFloat64);
  tg::Tensor a_fake = 0.5 - tg::randn({n}, gen, tg::kFloat64, 1.0);
  const double v_mc = -tg::est::discriminator_loss(a_real, a_fake).item<double>();
  const double var_d = tg::var(tg::softplus(-a_real)).item<double>();
  const double var_g = tg::var(tg::softplus(a_fake)).item<double>();
  EXPECT_NEAR(v_mc, v_star, 5 * std::sqrt((var_d + var_g) / static_cast<double>(n)));
}

// Data N(0, 1), generator G(z) = μ + z, discriminator at D* for that μ and held fixed:
// a*(x) = −μx + μ²/2. The generator gradient of E_z f(a*(μ + z)) is E_z[f'(a*)·(−μ)], an
// exact expectation computed by the trapezoid rule above, with f' taken from
// generator_cost by autograd (its gradient in the logits is f'(a_i)/N). Closed forms:
// −exp(a): μ;  minimax: μ·E σ(a*);  non-saturating: μ·E σ(−a*); the last two sum to μ.
// The stated values are rounded to 6 decimals: tolerance 5e-7 (plus quadrature error,
// below 1e-12).
TEST(OptimalDiscriminator, GeneratorGradientsAtTheOptimalDiscriminator) {
  const int steps = 5600;
  const double lo = -14, h = 28.0 / steps;
  std::vector<double> z, w;
  for (int i = 0; i <= steps; ++i) {
    z.push_back(lo + i * h);
    w.push_back((i == 0 || i == steps ? 0.5 : 1.0) * h * normal_pdf(z.back(), 0));
  }
  const auto count = static_cast<int64_t>(z.size());
  tg::Tensor zt = tg::from_vector(z, {count});
  auto gradient = [&](double mu, GeneratorCost cost) {
    tg::Tensor a = (zt * -mu - mu * mu / 2).detach().requires_grad_();  // a*(μ + z)
    const auto df = tg::grad({tg::est::generator_cost(a, cost)}, {a})[0].to_vector<double>();
    double e = 0;
    for (size_t i = 0; i < z.size(); ++i) e += w[i] * df[i] * static_cast<double>(count) * -mu;
    return e;
  };
  const std::array<double, 4> mus{0.1, 0.5, 1.0, 2.0};
  const std::array<double, 4> minimax{0.049875, 0.235264, 0.397973, 0.449600};
  const std::array<double, 4> non_saturating{0.050125, 0.264736, 0.602027, 1.550400};
  for (size_t k = 0; k < mus.size(); ++k) {
    const double mu = mus[k];
    const double mm = gradient(mu, GeneratorCost::Minimax);
    const double ns = gradient(mu, GeneratorCost::NonSaturating);
    EXPECT_NEAR(gradient(mu, GeneratorCost::MaximumLikelihood), mu, 1e-12) << "μ = " << mu;
    EXPECT_NEAR(mm, minimax[k], 5e-7) << "μ = " << mu;
    EXPECT_NEAR(ns, non_saturating[k], 5e-7) << "μ = " << mu;
    EXPECT_NEAR(mm + ns, mu, 1e-12) << "μ = " << mu;
  }
}

}  // namespace
